"""The proposed new pin: a TOML snippet that replaces a pin's table in openapi/sources.toml."""

from __future__ import annotations

from datetime import date
from typing import Any

import tomli_w

from ..sources import Pin, Sources
from ..urls import display_url
from .model import DocumentInfo


def proposed_pin(sources: Sources, pin: Pin, new: DocumentInfo, *, retrieved: date, summary: str) -> str:
    """The pin's table(s) with the new sha256, version and retrieval date, headed by a comment saying why."""
    table: dict[str, Any] = {"name": pin.name}
    if pin.title:
        table["title"] = pin.title
    shown = display_url(pin.url)
    table |= {"url": shown, "sha256": new.sha256, "version": new.version or pin.version, "retrieved": retrieved}
    if pin.component_prefix:
        table["component_prefix"] = pin.component_prefix
    blocks = [tomli_w.dumps({"flavor": {flavor.name: {"document": [table]}}}) for flavor in sources.flavors_of(pin)]
    if any(p.name == pin.name for p in sources.tracked):
        blocks.append(tomli_w.dumps({"tracked": [table]}))
    header = (
        f"# Proposed pin for {pin.name}: {summary}.\n"
        f"# Was sha256 {pin.sha256[:12]}… version {pin.version}; read the drift report, fix the overlays it names,\n"
        "# then replace the pin's table in openapi/sources.toml with this one.\n"
    )
    if shown != pin.url:
        header += (
            "# The url's credentials, query and fragment are hidden (***): keep the url openapi/sources.toml has.\n"
        )
    return header + "\n".join(blocks)
