"""Provider-neutral pipeline core (standard library only)."""
