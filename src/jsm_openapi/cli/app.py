"""The `jsm-openapi` command line: its parser (argparse), its error handling and the helpers its commands share.

Start-up is part of every command's cost, so this module and the command modules import only the standard library
and the project's light modules (errors, project); each command imports what it uses when it runs. argparse rather
than typer/click: importing typer alone costs about 50 ms with bytecode cached (100 ms without); with it,
`jsm-openapi drift OLD NEW` could not stay within 5× of a process that only reads its two documents (README,
"Benchmarks"). `tests/test_cli_imports.py` holds every command to this.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ExitCode, JsmOpenapiError
from ..project import FLAVORS, Project
from .console import err, out, progress, step

__all__ = [
    "FLAVOR_CHOICES",
    "Handler",
    "add_flavor_option",
    "build_parser",
    "err",
    "file_path",
    "flavors_of",
    "main",
    "out",
    "progress",
    "project",
    "step",
]

DESCRIPTION = (
    "Pinned JSM OpenAPI documents → strict overlays → typed clients; plus mock, contract tests and drift alerts."
)
FLAVOR_CHOICES = (*FLAVORS, "all")

Handler = Callable[[argparse.Namespace], int | None]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions keep their paragraphs; options say their defaults."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            action.default not in (None, False, argparse.SUPPRESS)
            and "%(default)" not in text
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


def flavors_of(choice: str) -> list[str]:
    return list(FLAVORS) if choice == "all" else [choice]


def project() -> Project:
    return Project.discover()


def add_flavor_option(parser: argparse.ArgumentParser, default: str | None = "all") -> None:
    parser.add_argument(
        "--flavor",
        "-f",
        choices=FLAVOR_CHOICES,
        default=default,
        help="Which flavor (server, cloud or all).",
    )


def file_path(text: str) -> Path:
    """A path that may not exist yet but must not be a folder (a file option)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
    return path


def command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, handler: Handler
) -> argparse.ArgumentParser:
    """A sub-command whose help is the handler's docstring (first line: the summary in `jsm-openapi --help`)."""
    doc = (handler.__doc__ or "").strip()
    summary = doc.split("\n", 1)[0]
    parser = commands.add_parser(name, help=summary, description=_dedent(doc), formatter_class=HelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


def _dedent(doc: str) -> str:
    import textwrap

    first, _, rest = doc.partition("\n")
    return first + ("\n" + textwrap.dedent(rest) if rest else "")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each command module adds its sub-commands (their order is the order of `--help`)."""
    from . import drift_commands, mock_commands, overlays_commands, pipeline_commands

    parser = argparse.ArgumentParser(prog="jsm-openapi", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in (pipeline_commands, drift_commands, mock_commands, overlays_commands):
        module.register(commands)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; returns its exit code (usage errors exit 2 from argparse)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:  # no command, or a group (`overlays`) without its sub-command
        chosen: Any = getattr(args, "group_parser", parser)
        chosen.print_help(sys.stderr)
        return int(ExitCode.USAGE)
    return int(handler(args) or ExitCode.OK)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the command and map errors to the documented exit codes."""
    try:
        code = run(argv)
    except JsmOpenapiError as exc:
        err.print("error:", style="bold red", end=" ")
        err.print(exc.message)
        if exc.hint:
            err.print(f"  hint: {exc.hint}")
        sys.exit(int(exc.exit_code))
    except OSError as exc:  # a path we cannot read or write, a full disk: the environment, not a bug
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"error: {where}{exc.strerror or exc}")
        err.print("  hint: check that the path exists and is writable, and that the disk has room")
        sys.exit(int(ExitCode.INPUT))
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception:  # a bug: its own exit code, never 1 (which means "findings")
        traceback.print_exc()
        err.print("error: internal error in jsm-openapi (a bug); please report it with the traceback above")
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(code)
