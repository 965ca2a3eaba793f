"""Files to attach: paths, bytes or binary files, turned into the multipart parts JSM's upload takes.

Attaching is two calls (JSM's design): upload the files to the service desk as temporary attachments
(`POST /servicedesk/{id}/attachTemporaryFile`, multipart parts named `file`, header `X-Atlassian-Token: no-check`),
then attach them to the request (`POST /request/{key}/attachment`), public or internal, with an optional comment.
`client.requests.attachments.attach(...)` does both.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any, TypeAlias

from .calls import FileParts
from .errors import ConfigurationError, JsmError

FileSpec: TypeAlias = (
    str | os.PathLike[str] | IO[bytes] | tuple[str, bytes | IO[bytes]] | tuple[str, bytes | IO[bytes], str]
)
"""A path; a binary file (its name is the file name); (file name, bytes or file); or (name, content, type)."""

MAX_FILES = 60
"""JSM takes at most 60 files in one upload."""


def file_parts(files: FileSpec | Iterable[FileSpec], stack: ExitStack) -> FileParts:
    """The multipart parts for `files`; files opened here are closed when `stack` closes."""
    specs = [files] if isinstance(files, str | os.PathLike | tuple) or hasattr(files, "read") else list(files)
    if not specs:
        raise ConfigurationError("no files to attach")
    if len(specs) > MAX_FILES:
        raise ConfigurationError(f"{len(specs)} files in one upload: JSM takes at most {MAX_FILES}; split them")
    return FileParts(tuple(_part(spec, stack) for spec in specs))


def _part(spec: Any, stack: ExitStack) -> tuple[str, Any, str]:
    if isinstance(spec, str | os.PathLike):
        path = Path(spec)
        if not path.is_file():
            raise ConfigurationError(f"cannot attach {path}: no such file")
        return path.name, stack.enter_context(path.open("rb")), _content_type(path.name)
    if isinstance(spec, tuple):
        if len(spec) not in (2, 3) or not isinstance(spec[0], str) or not spec[0]:
            raise ConfigurationError("a file given as a tuple is (file name, content) or (file name, content, type)")
        content = spec[1]
        if not isinstance(content, bytes | bytearray) and not hasattr(content, "read"):
            raise ConfigurationError(f"the content of {spec[0]!r} is neither bytes nor a binary file")
        return (
            spec[0],
            bytes(content) if isinstance(content, bytearray) else content,
            (spec[2] if len(spec) == 3 else _content_type(spec[0])),
        )
    if hasattr(spec, "read"):
        name = Path(str(getattr(spec, "name", "") or "")).name
        if not name:
            raise ConfigurationError("a file object without a name: pass (file name, file) instead")
        return name, spec, _content_type(name)
    raise ConfigurationError(f"cannot attach {type(spec).__name__}: pass a path, a binary file, or (name, bytes)")


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def temporary_ids(result: Any) -> list[str]:
    """The temporary attachment ids of an upload's answer."""
    items = getattr(result, "temporary_attachments", None)
    ids = [getattr(item, "temporary_attachment_id", None) for item in items or []]
    found = [str(i) for i in ids if isinstance(i, str | int) and i != ""]
    if not found or len(found) != len(ids):
        raise JsmError("the upload answered without a temporary attachment id for every file; nothing was attached")
    return found
