"""Command-line interface of jsm-openapi."""

from .app import build_parser, main

__all__ = ["build_parser", "main"]
