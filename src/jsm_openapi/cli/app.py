"""The `jsm-openapi` command line: its parser (argparse), its error handling and the helpers its commands share.

Start-up is part of every command's cost, so this module and the command modules import only the standard library
and the project's light modules (errors, project); each command imports what it uses when it runs. argparse rather
than typer/click: importing typer alone costs about 50 ms with bytecode cached (100 ms without); with it,
`jsm-openapi drift OLD NEW` could not stay within 5× of a process that only reads its two documents (README,
"Benchmarks"). `tests/test_cli_imports.py` holds every command to this.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import ExitCode, JsmOpenapiError, MissingExtra, extra_for
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
    summary = _first_sentence(doc)
    parser = commands.add_parser(name, help=summary, description=_dedent(doc), formatter_class=HelpFormatter)
    parser.set_defaults(handler=handler)
    return parser


def _first_sentence(doc: str) -> str:
    """The first sentence of a docstring's first paragraph, on one line (it may span lines of the docstring)."""
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[: end + 1]


def _dedent(doc: str) -> str:
    import textwrap

    first, _, rest = doc.partition("\n")
    return first + ("\n" + textwrap.dedent(rest) if rest else "")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each command module adds its sub-commands (their order is the order of `--help`)."""
    from . import (
        conformance_commands,
        drift_commands,
        mock_commands,
        overlays_commands,
        payload_commands,
        pipeline_commands,
        release_commands,
    )

    parser = argparse.ArgumentParser(prog="jsm-openapi", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    modules = (
        pipeline_commands,
        drift_commands,
        mock_commands,
        overlays_commands,
        conformance_commands,
        payload_commands,
        release_commands,
    )
    for module in modules:
        module.register(commands)
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; returns its exit code (usage errors exit 2 from argparse)."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    # argparse takes a command's optional positionals in the first run of them; a command that names a list in
    # `extra_positionals` gets the ones given after an option too (as click did: `drift OLD NEW --observed a b c`).
    into: str | None = getattr(args, "extra_positionals", None)
    if extras:
        if into is None or any(extra.startswith("-") for extra in extras):
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        setattr(args, into, [*getattr(args, into), *extras])
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:  # no command, or a group (`overlays`) without its sub-command
        chosen: Any = getattr(args, "group_parser", parser)
        chosen.print_help(sys.stderr)
        return int(ExitCode.USAGE)
    return int(handler(args) or ExitCode.OK)


def _command(argv: Sequence[str] | None) -> str:
    """`jsm-openapi COMMAND`, for a message about the command that was run."""
    words = [word for word in (sys.argv[1:] if argv is None else list(argv))[:2] if not word.startswith("-")]
    return "jsm-openapi " + " ".join(words[:1]) if words else "jsm-openapi"


class _LogToStderr(logging.Handler):
    """jsm_openapi's log records of WARNING and above (a skipped mirror file, …) as `warning: …` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(f"{record.levelname.lower()}: {self.format(record)}")


def show_warnings() -> None:
    """Route jsm_openapi's warnings to stderr (once per process)."""
    logger = logging.getLogger("jsm_openapi")
    if not any(isinstance(handler, _LogToStderr) for handler in logger.handlers):
        logger.addHandler(_LogToStderr(logging.WARNING))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the command and map errors to the documented exit codes.

    Each command imports what it uses when it runs, i.e. inside this `try`: a missing optional part of any command
    is caught here and named by its extra.
    """
    show_warnings()
    try:
        code = run(argv)
    except ModuleNotFoundError as exc:  # an optional part not installed: name its extra (exit 3), else a bug
        extra = extra_for(exc.name)
        if extra is None:
            traceback.print_exc()
            err.print("error: internal error in jsm-openapi (a bug); please report it with the traceback above")
            sys.exit(int(ExitCode.INTERNAL))
        err.print(f"error: {MissingExtra(extra, exc.name or '?', _command(argv)).message}")
        sys.exit(int(ExitCode.INPUT))
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
