"""Replacing a generated package safely: one `generate` at a time per package, and a package at every instant.

- `exclusive(final)`: a lock file beside the package (filelock) held for a whole run; a second run waits for it,
  saying so, and gives up after `JSM_OPENAPI_LOCK_TIMEOUT` seconds (default 600) with an error naming the lock.
- `replace_tree(staged, final)`: swaps the new tree in with one atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`)
  so `final` is a complete package at every instant; where the system cannot exchange, with two renames through
  `.previous-<name>`, a window that `recover` closes at the start of the next run.
- `recover(final, staging)`: before anything else in a run, puts back a package a killed run left only as
  `.previous-<name>`, and removes what a killed run left beside it.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

log = logging.getLogger(__name__)

LOCK_TIMEOUT_ENV = "JSM_OPENAPI_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 600.0
CRASH_ENV = "JSM_OPENAPI_CRASH_AT"
"""Test hook: `between-renames` (take the two-rename path and die by SIGKILL between them) or `after-exchange`."""


def lock_file(final: Path) -> Path:
    return final.with_name(f".generate-{final.name}.lock")


def previous_tree(final: Path) -> Path:
    return final.with_name(f".previous-{final.name}")


@contextmanager
def exclusive(final: Path) -> Iterator[None]:
    """Hold the package's generate lock for the block; wait (saying so) while another run holds it."""
    from filelock import FileLock, Timeout  # a generate-only dependency

    path = lock_file(final)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        timeout = _lock_timeout()
        log.warning("another `jsm-openapi generate` is writing %s (it holds %s): waiting for it", final.name, path)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise InputError(
                f"another `jsm-openapi generate` still holds {path} after {timeout:.0f}s: {final.name} was left as "
                "that run makes it",
                hint=f"let the other run finish (or stop it) and run again; {LOCK_TIMEOUT_ENV} sets how long to wait",
            ) from None
    try:
        yield
    finally:
        lock.release()


def _lock_timeout() -> float:
    text = os.environ.get(LOCK_TIMEOUT_ENV, "")
    try:
        return float(text) if text else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise InputError(f"{LOCK_TIMEOUT_ENV}={text!r} is not a number of seconds") from None


def recover(final: Path, staging: Path) -> None:
    """Undo what a killed run left: the package only as `.previous-<name>` comes back; a stale copy of it and the
    run's staging folder go."""
    shutil.rmtree(staging, ignore_errors=True)
    previous = previous_tree(final)
    if not previous.exists():
        return
    if final.exists():
        shutil.rmtree(previous, ignore_errors=True)
        return
    previous.rename(final)
    log.warning("%s: restored the package a killed `generate` left as %s", final, previous.name)


def replace_tree(staged: Path, final: Path) -> None:
    """Put `staged` in place of `final`: one atomic exchange where the system has it, else two renames."""
    crash = os.environ.get(CRASH_ENV, "")
    if final.exists() and crash != "between-renames" and _exchange(staged, final):
        if crash == "after-exchange":
            os.kill(os.getpid(), signal.SIGKILL)
        shutil.rmtree(staged, ignore_errors=True)  # now the old tree
        return
    previous = previous_tree(final)
    shutil.rmtree(previous, ignore_errors=True)
    if final.exists():
        final.rename(previous)
    if crash == "between-renames":
        os.kill(os.getpid(), signal.SIGKILL)
    try:
        staged.rename(final)
    except OSError:
        if previous.exists():
            previous.rename(final)
        raise
    shutil.rmtree(previous, ignore_errors=True)


_RENAME_EXCHANGE, _AT_FDCWD = 2, -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only when a package is swapped

    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library without it (glibc < 2.28, some musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system or kernel without exchange
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))
