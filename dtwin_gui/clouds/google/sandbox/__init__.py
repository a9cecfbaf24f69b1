"""The sandbox's emulated Google Cloud (issue 15): the Pub/Sub and Firestore emulators from
gcloud, fake-gcs-server, and the Google gateway (functions-framework processes behind a
loopback HTTP server with the control API and the sandbox clock). ``spec.py`` starts them."""
