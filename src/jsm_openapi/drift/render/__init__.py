"""Drift report renderers: text (a terminal), Markdown (the alert a person reads), JSON (tools), JUnit (CI)."""

from __future__ import annotations

from enum import StrEnum

from ..model import DriftReport


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    junit = "junit"


SUFFIXES = {Format.text: "txt", Format.markdown: "md", Format.json: "json", Format.junit: "junit.xml"}


def render(report: DriftReport, fmt: Format) -> str:
    """The report in one format (each renderer is imported when asked for: a run prints one or writes all)."""
    if fmt is Format.text:
        from .text import render_text

        return render_text(report)
    if fmt is Format.markdown:
        from .markdown import render_markdown

        return render_markdown(report)
    if fmt is Format.json:
        from .jsonfmt import render_json

        return render_json(report)
    from .junit import render_junit

    return render_junit(report)


__all__ = ["SUFFIXES", "Format", "render"]
