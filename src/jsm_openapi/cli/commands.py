"""Registers every command module with the app (import order is the order of `--help`)."""

from . import pipeline_commands  # noqa: F401
