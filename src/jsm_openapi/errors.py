"""Errors a person reads, and the stable exit codes the CLI maps them to.

Every error names what was wrong (file, action, operation), what was expected and found, and what to do next.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Stable, documented exit codes of `jsm-openapi` (README, "Exit codes")."""

    OK = 0
    FINDINGS = 1  # the command ran and found what it was asked to fail on (drift, failing checks)
    USAGE = 2  # bad command line (argparse's own code)
    INPUT = 3  # a file we read or write is malformed, invalid or inaccessible: sources.toml, an overlay, a document
    INTEGRITY = 4  # a fetched document's sha256 does not match its pin
    FETCH = 5  # a document could not be fetched (no mirror match, URL unreachable)
    OVERLAY = 6  # an overlay action failed: matched nothing (strict), incompatible merge, bad copy source
    GENERATE = 7  # the generator failed or skipped something not in the accepted-skips allowlist
    SERVER = 8  # a server (mock, Prism) could not start or be reached
    INTERNAL = 70  # a bug in jsm-openapi (EX_SOFTWARE)


class JsmOpenapiError(Exception):
    """Base of every expected failure; carries an exit code and a hint on what to do next."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class InputError(JsmOpenapiError):
    """A file we read is malformed or does not follow its schema."""

    exit_code = ExitCode.INPUT


class IntegrityError(JsmOpenapiError):
    """Fetched bytes do not match the pinned sha256."""

    exit_code = ExitCode.INTEGRITY


class FetchError(JsmOpenapiError):
    """A document could not be obtained from the cache, the mirror or its URL."""

    exit_code = ExitCode.FETCH


class OverlayError(JsmOpenapiError):
    """An overlay action could not be applied."""

    exit_code = ExitCode.OVERLAY


class GenerateError(JsmOpenapiError):
    """The generator failed, or warned about something not accepted."""

    exit_code = ExitCode.GENERATE


class ServerError(JsmOpenapiError):
    """A server process (mock, Prism) failed to start or answer."""

    exit_code = ExitCode.SERVER


# The top-level modules each extra of jsm-openapi brings (pyproject.toml); a command that needs one says which extra.
EXTRA_MODULES = {
    "mock": ("starlette", "uvicorn", "multipart", "python_multipart", "attrs"),
    "contract": ("schemathesis", "hypothesis", "pytest", "jsm"),
    "generate": ("openapi_python_client", "ruff", "griffe"),
}


def extra_for(module: str | None) -> str | None:
    """The extra that installs `module` (a dotted name; its top level decides), or None."""
    top = (module or "").split(".")[0]
    return next((extra for extra, modules in EXTRA_MODULES.items() if top in modules), None)


class MissingExtra(InputError):
    """A command needs an optional part of jsm-openapi that is not installed: one line naming the extra."""

    def __init__(self, extra: str, missing: str, command: str = "this command") -> None:
        super().__init__(
            f"{command} needs jsm-openapi's [{extra}] extra ({missing} is not installed): "
            f"pip install 'jsm-openapi[{extra}]'"
        )
        self.extra = extra
