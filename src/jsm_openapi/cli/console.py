"""Output of the CLI: plain text on stdout/stderr, with rich (colours, spinners) only where a terminal shows them.

Writing plain text needs nothing; rich is imported only for a styled line on a terminal or a spinner that a person
will see, so a command whose output is piped or captured never pays for importing it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress

SPINNER_DELAY = 0.3  # seconds a step runs before its spinner appears: quick steps never import rich


class Output:
    """stdout or stderr, looked up when written (so redirection and pytest's capture work)."""

    def __init__(self, name: Literal["stdout", "stderr"]) -> None:
        self._name = name

    @property
    def stream(self) -> TextIO:
        stream: TextIO = getattr(sys, self._name)
        return stream

    @property
    def is_terminal(self) -> bool:
        try:
            return self.stream.isatty() and os.environ.get("TERM") != "dumb"
        except (AttributeError, ValueError):  # a replaced or closed stream
            return False

    def print(self, text: str = "", *, style: str | None = None, end: str = "\n") -> None:
        """Write `text` as it is (no markup, no emoji codes); `style` (rich's syntax) colours it on a terminal."""
        if style and self.is_terminal and "NO_COLOR" not in os.environ:
            from rich.console import Console

            console = Console(file=self.stream, highlight=False, soft_wrap=True, emoji=False, markup=False)
            console.print(text, style=style, end=end)
            return
        self.stream.write(text + end)
        self.stream.flush()

    def print_json(self, text: str) -> None:
        """JSON, indented by two spaces (non-ASCII characters kept)."""
        self.print(json.dumps(json.loads(text), indent=2, ensure_ascii=False))


out = Output("stdout")
err = Output("stderr")


class _QuietProgress:
    """What `progress()` yields when stderr is not a terminal: the calls of rich's Progress, doing nothing."""

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def update(self, task: int, **changes: Any) -> None:
        pass

    def advance(self, task: int, advance: float = 1) -> None:
        pass


def _rich_progress() -> Progress:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True, highlight=False, soft_wrap=True),
        transient=True,
    )


@contextmanager
def progress() -> Iterator[Any]:  # rich's Progress, or _QuietProgress with the same calls
    """A progress display with elapsed time on stderr; quiet (and rich never imported) when it is not a terminal."""
    if not err.is_terminal:
        yield _QuietProgress()
        return
    with _rich_progress() as bar:
        yield bar


class _LateSpinner:
    """A spinner that starts only once its step has lasted SPINNER_DELAY (importing rich in its timer thread)."""

    def __init__(self, description: str) -> None:
        self._lock = threading.Lock()
        self._description = description
        self._stopped = False
        self._bar: Progress | None = None
        self._task: Any = None
        self._timer = threading.Timer(SPINNER_DELAY, self._start)
        self._timer.daemon = True
        self._timer.start()

    def _start(self) -> None:
        bar = _rich_progress()  # the import happens here, off the main thread and outside the lock
        with self._lock:
            if self._stopped:
                return
            bar.start()
            self._task = bar.add_task(self._description)
            self._bar = bar

    def update(self, description: str) -> None:
        with self._lock:
            self._description = description
            if self._bar is not None:
                self._bar.update(self._task, description=description)

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            bar, self._bar = self._bar, None
        if bar is not None:
            bar.stop()
        self._timer.join()


@contextmanager
def step(description: str) -> Iterator[Callable[[str], None]]:
    """A one-line spinner on stderr for a long step (terminals only); yields a function that updates its text."""
    if not err.is_terminal:
        yield lambda _message: None
        return
    spinner = _LateSpinner(description)
    try:
        yield spinner.update
    finally:
        spinner.stop()
