"""Run the `jsm-openapi` CLI in-process, the way `main()` exits, for tests that read its output."""

from __future__ import annotations

import sys

import pytest

from jsm_openapi.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI with `args` (main() maps errors to exit codes) and return (code, stdout, stderr)."""
    argv = sys.argv
    sys.argv = ["jsm-openapi", *args]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err
