"""The `jsm-openapi` Typer app, its error handling and the helpers its commands share."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..errors import ExitCode, JsmOpenapiError, MissingExtra, extra_for
from ..project import FLAVORS, Project

app = typer.Typer(
    name="jsm-openapi",
    help="Pinned JSM OpenAPI documents → strict overlays → typed clients; plus mock, contract tests and drift alerts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class FlavorChoice(StrEnum):
    server = "server"
    cloud = "cloud"
    all = "all"


FlavorOption = Annotated[FlavorChoice, typer.Option("--flavor", "-f", help="Which flavor (server, cloud or all).")]


def flavors_of(choice: FlavorChoice) -> list[str]:
    return list(FLAVORS) if choice is FlavorChoice.all else [choice.value]


def project() -> Project:
    return Project.discover()


@contextmanager
def progress() -> Iterator[Progress]:
    """A spinner with elapsed time on stderr (quiet when stderr is not a terminal)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        yield bar


@contextmanager
def step(description: str) -> Iterator[Callable[[str], None]]:
    """A one-line spinner for a long step; yields a function that updates its text."""
    with progress() as bar:
        task = bar.add_task(description)
        yield lambda message: bar.update(task, description=message)


def _command() -> str:
    words = [word for word in sys.argv[1:3] if not word.startswith("-")]
    return "jsm-openapi " + " ".join(words[:1]) if words else "jsm-openapi"


class _LogToStderr(logging.Handler):
    """jsm_openapi's log records of WARNING and above (a skipped mirror file, …) as `warning: …` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(f"{record.levelname.lower()}: {self.format(record)}", markup=False, highlight=False)


def show_warnings() -> None:
    """Route jsm_openapi's warnings to stderr (once per process)."""
    logger = logging.getLogger("jsm_openapi")
    if not any(isinstance(handler, _LogToStderr) for handler in logger.handlers):
        logger.addHandler(_LogToStderr(logging.WARNING))


def main() -> None:
    """Entry point: run the app and map errors to the documented exit codes."""
    show_warnings()
    try:
        from . import commands  # noqa: F401 - registers the commands

        app()
    except ModuleNotFoundError as exc:  # an optional part not installed: name its extra (exit 3), else a bug
        extra = extra_for(exc.name)
        if extra is None:
            traceback.print_exc()
            err.print("error: internal error in jsm-openapi (a bug); please report it with the traceback above")
            sys.exit(int(ExitCode.INTERNAL))
        err.print(f"error: {MissingExtra(extra, exc.name or '?', _command()).message}", markup=False)
        sys.exit(int(ExitCode.INPUT))
    except JsmOpenapiError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True, highlight=False)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", markup=False)
        sys.exit(int(exc.exit_code))
    except OSError as exc:  # a path we cannot read or write, a full disk: the environment, not a bug
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"error: {where}{exc.strerror or exc}", markup=False)
        err.print("  hint: check that the path exists and is writable, and that the disk has room", markup=False)
        sys.exit(int(ExitCode.INPUT))
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        sys.exit(130)
    except Exception:  # a bug: its own exit code, never 1 (which means "findings")
        traceback.print_exc()
        err.print(
            "error: internal error in jsm-openapi (a bug); please report it with the traceback above",
            markup=False,
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(int(ExitCode.OK))
