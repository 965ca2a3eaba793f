"""jsm-openapi: pinned JSM OpenAPI documents, strict overlays, reproducible typed clients."""

__version__ = "0.1.0"
