"""The OpenAPI Overlay 1.1 engine: strict application of JSONPath-targeted update, remove and copy actions."""

from .engine import ActionReport, apply_overlay, apply_overlays
from .model import Action, Overlay, load_overlay, parse_overlay

__all__ = [
    "Action",
    "ActionReport",
    "Overlay",
    "apply_overlay",
    "apply_overlays",
    "load_overlay",
    "parse_overlay",
]
