"""What crosses the mock's wire, made safe once for every operation: JSON in, JSON out, header values.

- `parse_json`: a request body as JSM's parser (Jackson) takes it, with its limits: strict UTF-8, no `NaN` or
  `Infinity`, numbers of at most `MAX_NUMBER_LENGTH` characters and finite, at most `MAX_DEPTH` levels of nesting,
  and no lone surrogate (`"\\ud800"`) in a key or a string (RFC 7493: text that cannot be stored or sent as UTF-8).
  Anything else is a `MalformedJson`, which the handlers answer as a 400 in JSM's error model.
- `JsonAnswer`: a JSON response whose rendering cannot fail on text (a lone surrogate that got in anyway is sent
  escaped, `\\ud800`, which is still valid JSON).
- `content_disposition`: an RFC 6266 `Content-Disposition` for any file name (RFC 8187 `filename*` for what is not
  plain ASCII), and `media_type`: an upload's declared type when it is a valid media type, else octet-stream.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import quote

from starlette.responses import JSONResponse

MAX_DEPTH = 200  # levels of arrays and objects; Jackson (JSM's parser) refuses beyond 1,000 by default
MAX_NUMBER_LENGTH = 1000  # characters of one number, Jackson's default limit too
MAX_LONG = 2**63 - 1  # JSM's ids are Java longs


class MalformedJson(ValueError):
    """A request body the mock (like JSM) refuses to read; the message says what and where."""


def _constant(name: str) -> Any:
    raise MalformedJson(f"{name} is not a JSON value")


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise MalformedJson(f"a number of {len(text)} digits is longer than the {MAX_NUMBER_LENGTH}-character limit")
    return int(text)


def _decimal(text: str) -> float:
    if len(text) > MAX_NUMBER_LENGTH:
        raise MalformedJson(
            f"a number of {len(text)} characters is longer than the {MAX_NUMBER_LENGTH}-character limit"
        )
    value = float(text)
    if not math.isfinite(value):
        raise MalformedJson(f"the number {text[:40]} is too large for a double")
    return value


def has_lone_surrogate(text: str) -> bool:
    """Whether `text` holds a UTF-16 surrogate on its own (it cannot be written as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_tree(value: Any) -> None:
    """Depth and text of a parsed document, walked without recursion (its depth is what is being checked)."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "$")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, str):
            if has_lone_surrogate(node):
                raise MalformedJson(f"the string at {where} holds a lone UTF-16 surrogate (not Unicode text)")
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise MalformedJson(f"the document nests deeper than {MAX_DEPTH} levels (at {where})")
        if isinstance(node, dict):
            for key, item in node.items():
                if has_lone_surrogate(key):
                    raise MalformedJson(f"a key in the object at {where} holds a lone UTF-16 surrogate")
                stack.append((item, depth + 1, f"{where}.{key}" if len(where) < 200 else where))
        else:
            stack.extend(
                (item, depth + 1, f"{where}[{index}]" if len(where) < 200 else where) for index, item in enumerate(node)
            )


def parse_json(raw: bytes) -> Any:
    """A request body as JSON, within JSM's limits (see the module docstring); `MalformedJson` otherwise."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedJson(f"it is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_decimal)
    except RecursionError:
        raise MalformedJson(f"the document nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    _check_tree(value)
    return value


def dumps(content: Any) -> bytes:
    """Compact UTF-8 JSON; text that is not Unicode (a lone surrogate) is sent escaped rather than failing."""
    try:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


class JsonAnswer(JSONResponse):
    """Every JSON answer of the mock (handlers, errors, `/_mock`): rendered by `dumps`."""

    def render(self, content: Any) -> bytes:
        return dumps(content)


def is_long(text: str) -> bool:
    """ASCII digits naming a Java long (JSM's ids): `str.isdigit` also accepts "³" or "٣", and a 5,000-digit
    number is no id (nor something `int()` may be asked to read)."""
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_LONG


_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"{_TCHARS}/{_TCHARS}(\s*;\s*{_TCHARS}=({_TCHARS}|\"[^\"\\\x00-\x1f\x7f]*\"))*")


def media_type(declared: str | None, default: str = "application/octet-stream") -> str:
    """An upload's declared media type when it is one (RFC 9110 grammar, at most 255 characters), else `default`."""
    text = (declared or "").strip()
    return text if len(text) <= 255 and _MEDIA_TYPE.fullmatch(text) else default


_UNSAFE_FALLBACK = re.compile(r'[^\x20-\x7e]|["\\%]')


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """`attachment; filename="..."` for plain ASCII names; with `filename*=UTF-8''...` (RFC 8187) for any other,
    beside an ASCII fallback (RFC 6266 section 4.3). Always a valid header value, whatever the name holds."""
    fallback = _UNSAFE_FALLBACK.sub("_", filename) or "file"
    value = f'{disposition}; filename="{fallback}"'
    if filename and fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename.encode('utf-8', 'surrogatepass'), safe='')}"
    return value
