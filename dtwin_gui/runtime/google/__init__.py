"""dtwin's runtime inside Google Cloud Functions gen2 (functions-framework)."""
