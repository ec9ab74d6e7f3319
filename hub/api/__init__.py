"""The JSON API for scripts and tools (bearer tokens), described by OpenAPI."""
