"""The student in the software people already deploy NER with: a spaCy pipeline component, an HTTP server."""
