"""The bundled offline demo: a local platform site and the demo runner."""
