"""Drift report renderers: text (a terminal), Markdown (the alert a person reads), JSON (tools), JUnit (CI)."""

from __future__ import annotations

from enum import StrEnum

from ..model import DriftReport
from .jsonfmt import render_json
from .junit import render_junit
from .markdown import render_markdown
from .text import render_text


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    junit = "junit"


SUFFIXES = {Format.text: "txt", Format.markdown: "md", Format.json: "json", Format.junit: "junit.xml"}


def render(report: DriftReport, fmt: Format) -> str:
    """The report in one format."""
    renderers = {
        Format.text: render_text,
        Format.markdown: render_markdown,
        Format.json: render_json,
        Format.junit: render_junit,
    }
    return renderers[fmt](report)


__all__ = ["SUFFIXES", "Format", "render"]
