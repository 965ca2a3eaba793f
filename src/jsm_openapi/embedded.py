"""OpenAPI documents embedded in HTML pages (Atlassian's Data Center REST reference pages carry theirs inline).

A page may hold the document as JSON in a `<script>` element (`type="application/json"`, `__NEXT_DATA__`-style
state), as an object literal in a JavaScript assignment or call (`window.__DATA__ = {...}`, `init({...})`), as an
escaped JSON string (`JSON.parse("{\\"openapi\\":...}")`, single-quoted or template literals too), nested inside a
bigger state object, or HTML-escaped in an attribute (`data-spec="{&quot;openapi&quot;...}"`). Whatever the wrapping,
the document is the JSON object that has an `openapi` and a `paths` key.

How it is found, in time linear in the page: one pass over each script's text (then over the whole page) with a
tokenizer that knows strings, comments and brackets; every object in which both keys appear at its own level is a
candidate, parsed with `json`; a string literal that holds an escaped candidate is decoded and searched the same way
(at most `MAX_DEPTH` levels deep). Hostile pages are bounded: the page size (`MAX_PAGE`), the tokens looked at
(`MAX_TOKENS`), the bracket depth tracked, the candidates parsed; deep nesting that `json` refuses is skipped.

The pinned bytes of an extracted document are its compact JSON serialization in the document's own key order
(`serialized`): the page's escaping and whitespace are not part of the document, so a pin's sha256 stays the same
when only the page around it changes.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import InputError

MAX_PAGE = 32 * 1024 * 1024  # characters
MAX_TOKENS = 1_000_000  # strings, comments and brackets looked at, over every pass (Jira's whole DC document: 50,000)
MAX_STACK = 4096  # bracket depth tracked (deeper objects cannot be a document's root)
MAX_CANDIDATES = 64  # objects parsed ...
PARSE_FACTOR = 4  # ... holding at most this many times the page's characters in all
MAX_DECODES = 64  # string literals decoded
MAX_DEPTH = 3  # string literals decoded inside string literals
MARKER = "openapi"

# One token: a string literal (an unterminated one ends at the line's end), a comment, or a bracket.
# Possessive loops: a failed string never rescans what it consumed, so the pass stays linear on any input.
_JS_SYNTAX = r"""
      "(?:[^"\\\n]|\\.)*+(?:"|\n|\\?\Z)
    | '(?:[^'\\\n]|\\.)*+(?:'|\n|\\?\Z)
    | `(?:[^`\\]|\\.)*+(?:`|\\?\Z)
    | //[^\n]*+
    | /\*(?:[^*]|\*(?!/))*+(?:\*/|\Z)
    | [{}\[\]]
    """
_JSON_SYNTAX = r"""  "(?:[^"\\\n]|\\.)*+(?:"|\n|\\?\Z) | [{}\[\]]  """


@functools.cache
def _tokens(kind: str) -> re.Pattern[str]:
    """The tokenizer of JavaScript ("js") or JSON ("json") text, compiled on first use (most runs read no page)."""
    return re.compile(_JS_SYNTAX if kind == "js" else _JSON_SYNTAX, re.VERBOSE | re.DOTALL)


_COLON = re.compile(r"\s*:")
_SCRIPT_OPEN = re.compile(r"<script\b", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)
_JS_ESCAPE = re.compile(r"""\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|\n|.)|"|[\x00-\x1f]""", re.DOTALL)
_KEYS = {'"openapi"': 1, '"paths"': 2}  # key bits of a frame
# an `openapi` key quoted with an escaped quote: a string literal that holds a document
_ESCAPED_KEY = re.compile(r"openapi(?:\\+\"|\\+u0022|\\+x22|\")")
_ESCAPED_MARKER = "&quot;openapi&quot;"


@dataclass(frozen=True)
class Embedded:
    """An OpenAPI document found in a page: the document, its pinned bytes, and where it was found."""

    document: dict[str, Any]
    data: bytes
    where: str

    @property
    def note(self) -> str:
        """How reports say it: "OpenAPI document extracted from an HTML page (…)"."""
        return f"OpenAPI document extracted from an HTML page ({self.where}, {len(self.data):,} bytes)"


def serialized(document: Any, *, source: str = "the page") -> bytes:
    """The bytes a pin covers for an extracted document: compact JSON, the document's own key order, UTF-8."""
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{source}: the embedded OpenAPI document holds text that is not valid Unicode ({exc.reason})",
            hint="the page is broken; download the document's JSON itself",
        ) from exc


def looks_like_html(data: bytes, source: str = "") -> bool:
    """An HTML page rather than a JSON or YAML document: by its suffix, else by its first characters."""
    suffix = source.split("?", 1)[0].lower()
    if suffix.endswith((".html", ".htm")):
        return True
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<!--"))


class _Budget:
    """What one page may cost: tokens looked at, objects parsed (and their characters), literals decoded."""

    def __init__(self, size: int) -> None:
        self.tokens = MAX_TOKENS
        self.candidates = MAX_CANDIDATES
        self.parsed = PARSE_FACTOR * size + 1024 * 1024
        self.decodes = MAX_DECODES

    @property
    def spent(self) -> bool:
        return self.tokens <= 0 or self.candidates <= 0 or self.parsed <= 0 or self.decodes <= 0


@dataclass
class _Frame:
    start: int
    bracket: str
    keys: int = 0  # bit 1: "openapi", bit 2: "paths", seen as keys of this object


def extract_document(data: bytes, *, source: str) -> Embedded:
    """The OpenAPI document embedded in an HTML page; InputError naming the page when there is none."""
    text = data.decode("utf-8", "replace")
    if len(text) > MAX_PAGE:
        raise InputError(
            f"{source}: the HTML page is {len(text):,} characters, more than the {MAX_PAGE:,} searched for an "
            "embedded OpenAPI document",
            hint="download the OpenAPI document itself (JSON or YAML) and give that file instead",
        )
    budget = _Budget(len(text))
    found: list[tuple[dict[str, Any], str]] = []
    if MARKER in text.lower():
        for start, end in _scripts(text):
            found += _search(text[start:end], "a <script> element", _tokens("js"), budget, 0)
        if not found:
            found += _search(text, "the page's text", _tokens("json"), budget, 0)
        if not found and _ESCAPED_MARKER in text:
            # HTML-escaped JSON (an attribute value, a <pre>) holds no raw quote: each piece between quotes that has
            # the marker is unescaped and searched on its own, so the attribute's own quotes never pair with JSON's
            import html

            for piece in text.split('"'):
                if _ESCAPED_MARKER in piece:
                    unescaped = html.unescape(piece)
                    found += _search(unescaped, "HTML-escaped text or attribute", _tokens("json"), budget, 0)
    if not found:
        spent = " (the search stopped at its limits on this page)" if budget.spent else ""
        raise InputError(
            f"{source}: an HTML page without an embedded OpenAPI 3 document (no JSON object with `openapi` and "
            f"`paths`){spent}",
            hint="check the URL (a REST reference page of the right version), or give the document's JSON itself",
        )
    document, where = max(found, key=lambda item: len(item[0].get("paths") or {}))
    if len(found) > 1:
        where += f"; the largest of {len(found)} documents on the page"
    return Embedded(document, serialized(document, source=source), where)


def _scripts(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every `<script>` element's text, in one pass."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        opened = _SCRIPT_OPEN.search(text, position)
        if opened is None:
            return spans
        tag_end = text.find(">", opened.end())
        if tag_end < 0:
            return spans
        closed = _SCRIPT_CLOSE.search(text, tag_end + 1)
        end = closed.start() if closed else len(text)
        spans.append((tag_end + 1, end))
        if closed is None:
            return spans
        position = closed.end()


def _search(
    text: str, where: str, tokens: re.Pattern[str], budget: _Budget, depth: int
) -> list[tuple[dict[str, Any], str]]:
    """Candidates in one text: objects with both keys at their own level, and escaped documents in strings."""
    found: list[tuple[dict[str, Any], str]] = []
    stack: list[_Frame] = []
    overflow = 0  # brackets opened beyond MAX_STACK, not tracked
    for match in tokens.finditer(text):
        budget.tokens -= 1
        if budget.tokens <= 0:
            break
        token = match.group()
        first = token[0]
        if first in "{[":
            if len(stack) < MAX_STACK and not overflow:
                stack.append(_Frame(match.start(), first))
            else:
                overflow += 1
        elif first in "}]":
            if overflow:
                overflow -= 1
                continue
            if not stack or stack[-1].bracket != ("{" if first == "}" else "["):
                stack.clear()  # unbalanced: start over from here
                continue
            frame = stack.pop()
            size = match.end() - frame.start
            if frame.keys == 3 and budget.candidates > 0 and budget.parsed >= size:
                budget.candidates -= 1
                budget.parsed -= size
                document = _parse(text[frame.start : match.end()])
                if document is not None:
                    found.append((document, f"{where}, JSON object" if depth == 0 else where))
        elif first in "\"'`":
            key = _KEYS.get(token, 0)
            if key and stack and stack[-1].bracket == "{" and _COLON.match(text, match.end()):
                stack[-1].keys |= key
            elif depth < MAX_DEPTH and budget.decodes > 0 and _ESCAPED_KEY.search(token, 1, len(token) - 1):
                budget.decodes -= 1
                decoded = _decode(token)
                if decoded is not None and MARKER in decoded:
                    inner = f"{where}, inside a string literal" if depth == 0 else where
                    found += _search(decoded, inner, _tokens("js"), budget, depth + 1)
    return found


def _parse(candidate: str) -> dict[str, Any] | None:
    try:
        document = json.loads(candidate)
    except (ValueError, RecursionError):
        return None
    if (
        isinstance(document, dict)
        and isinstance(document.get("openapi"), str)
        and isinstance(document.get("paths"), dict)
    ):
        return document
    return None


def _decode(token: str) -> str | None:
    """The value of a JavaScript (or JSON) string literal; None when it is not one."""
    quote, body = token[0], token[1:]
    if not body.endswith(quote) or len(token) < 2:
        return None
    if quote == '"':
        try:  # most often a JSON string literal: decoded at C speed
            value = json.loads(token)
        except (ValueError, RecursionError):
            pass
        else:
            return value if isinstance(value, str) else None
    body = body[:-1]
    if quote == "`" and "${" in body:
        return None  # a template with substitutions is code, not data

    def translate(match: re.Match[str]) -> str:
        text = match.group()
        if text == '"':
            return '\\"'
        if len(text) == 1:  # a raw control character (a template literal's newline)
            return f"\\u{ord(text):04x}"
        escaped = match.group(1)
        if escaped.startswith("x"):
            return f"\\u00{escaped[1:]}"
        if escaped.startswith("u{"):
            code = int(escaped[2:-1], 16)
            return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\\ufffd"
        if escaped == "\n":
            return ""  # a line continuation
        if escaped in '"\\/bfnrtu':
            return text
        if escaped == "0":
            return "\\u0000"
        if escaped == "v":
            return "\\u000b"
        return escaped  # \' \` and any other character escaped for no reason

    try:
        value = json.loads('"' + _JS_ESCAPE.sub(translate, body) + '"')
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, str) else None
