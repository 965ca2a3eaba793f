"""Releases of the generated packages: API snapshots (griffe), the Python API diff, versions from the inputs and
the release ledger, changelogs.

For other tools (the drift report's "what breaks in user code"): `compare_api(old, new)` takes two package or
project folders, a snapshot file and a folder, or snapshot text, and returns an `ApiDiff` of `ApiChange`s, each
classified breaking or not with a stable fingerprint.
"""

from .apidiff import ApiChange, ApiDiff, compare_api

__all__ = ["ApiChange", "ApiDiff", "compare_api"]
