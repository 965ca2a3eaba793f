"""A stateful mock JSM instance (Server or Cloud flavor) over real HTTP: see runner.py to start one from Python,
`jsm-openapi mock` from a shell, and the README's "Mock JSM" section for what it covers."""

from __future__ import annotations

from .app import create_app, operations_for
from .config import DEFAULT_SEED, Defect, Faults, MockConfig
from .journal import Exchange, Journal
from .runner import Credentials, RunningMock, run_mock

__all__ = [
    "DEFAULT_SEED",
    "Credentials",
    "Defect",
    "Exchange",
    "Faults",
    "Journal",
    "MockConfig",
    "RunningMock",
    "create_app",
    "operations_for",
    "run_mock",
]
