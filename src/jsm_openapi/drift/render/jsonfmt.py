"""The JSON report: every change with rule, severity, operations, pointer and fingerprint (schema_version 1)."""

from __future__ import annotations

from ...documents import pretty_json
from ..model import DriftReport


def render_json(report: DriftReport) -> str:
    return pretty_json(report.as_json()).decode()
