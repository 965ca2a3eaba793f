"""jsm-openapi: pinned JSM OpenAPI documents, strict overlays, reproducible typed clients."""

__version__ = "0.2.0"
