"""Command-line interface of jsm-openapi."""

from .app import app, main

__all__ = ["app", "main"]
