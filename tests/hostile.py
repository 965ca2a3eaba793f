"""Hypothesis strategies for hostile input to the mock: texts, numbers, ids, raw JSON bodies, headers, file names,
and bodies shaped like an operation's documented request body (keys from the patched document, values hostile or
the mock's own ids), so that hostile text reaches the handlers' logic and the store, not only the parser.

Everything here is data about the *kinds* of hostile input (lone surrogates, huge numbers, deep nesting, odd file
names, non-Latin-1 text); which operations get them comes from the mock's routes and the patched documents.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from jsm_openapi.mock.wire import has_lone_surrogate

# --- texts -------------------------------------------------------------------------------------------------------

ODD_TEXTS = [
    "",
    " ",
    "\ud800",  # a lone surrogate (only JSON can carry one)
    "a\udfffb",
    "\udbff\udc00\ud800",
    "名前",
    "Zoë Ωmega",
    "😀🚀",
    "\u202eevil.exe",  # right-to-left override
    "a\u200bb",  # zero-width space
    "e\u0301\u0301\u0301",
    "\x00",
    "line\r\nInjected: yes",
    "\x1b[31mred",
    "a" * 10_000,
    "é" * 5_000,
    "9" * 5_000,
    "-1",
    "0",
    "1e400",
    "NaN",
    "Infinity",
    "9223372036854775808",
    "00001",
    "..",
    ".",
    "a/b",
    "../../etc/passwd",
    "%2F",
    "%00",
    "' OR 1=1 --",
    'project = X OR key = "Y"',
    '"',
    "\\",
    "%s%n%x",
    "{0}",
    "${jndi:ldap://x/a}",
    "<script>alert(1)</script>",
    "true",
    "null",
]


odd_text = st.sampled_from(ODD_TEXTS) | st.text(st.characters(codec=None), max_size=40)
# Text JSM stores as it is (no lone surrogate): what must come back intact from every read.
storable_text = st.sampled_from([t for t in ODD_TEXTS if t.strip() and not has_lone_surrogate(t)]) | st.text(
    st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40
)


# Text that can travel in a URL or a header (no surrogates: those exist only as JSON escapes).
url_text = st.sampled_from([t for t in ODD_TEXTS if not has_lone_surrogate(t)]) | st.text(max_size=30)

# Raw bytes in a path segment (percent-encoded by the test): invalid UTF-8, encoded surrogates, encoded slashes.
RAW_SEGMENTS = [
    "%ED%A0%80",  # a surrogate in CESU-8: invalid UTF-8
    "%FF%FE",
    "%C0%AF",  # overlong "/"
    "%00",
    "%2F",
    "%2E%2E",
    "a%2Fb",
    "1" * 5000,
    "9" * 19,
    "9223372036854775808",
    "-1",
    "0",
    "+1",
    "1.0",
    "0x10",
    "%25",
    "%",
]

# --- raw JSON bodies -------------------------------------------------------------------------------------------------

RAW_BODIES = [
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    b"[" * 201 + b"]" * 201,
    b"1" * 5_000,
    b'{"id": 1' + b"0" * 5_000 + b"}",
    b'{"id": "1", "value": 1' + b"0" * 1_200 + b"}",
    b'{"value": 1e400}',
    b'{"value": -1e400}',
    b'{"value": 1' + b"0" * 400 + b".5}",
    b'{"value": NaN}',
    b'{"value": Infinity}',
    b"NaN",
    b'{"name": "\xff\xfe"}',
    b"\xef\xbb\xbf{}",
    b'"\\ud800"',
    b'{"\\ud800": 1}',
    b'{"name": "\\ud800", "body": "\\udfff", "email": "\\ud800@example.com"}',
    b'{"name": "a", "name": "b"}',
    b"",
    b"null",
    b"[]",
    b"{}",
    b"{",
    b"\x00",
    b'{"name": "' + b"x" * 100_000 + b'"}',
    b"[" + b"1," * 10_000 + b"1]",
]


def dumps(value: Any) -> bytes:
    """JSON as a hostile client sends it: lone surrogates as `\\uXXXX` escapes (what JSON allows)."""
    return json.dumps(value, ensure_ascii=True).encode()


scalars = st.one_of(
    odd_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3), max_leaves=8
)

# --- bodies shaped by the document ---------------------------------------------------------------------------------

Pool = Mapping[str, list[str]]  # a name (normalised, see `pool_key`) → values the mock really has


def pool_key(name: str) -> str:
    """`serviceDeskId` → `servicedesk`, `accountIds` → `account`, `issueIdOrKey` → `issue`: a name's entity."""
    key = name.lower()
    for suffix in ("idorkey", "ids", "id", "keys", "key", "s"):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return key


@dataclass(frozen=True)
class Known:
    """One of the values the mock has for `name`, chosen when the request is sent (`resolve`): what the strategies
    draw never depends on the mock's state, so Hypothesis replays a case exactly."""

    name: str
    index: int


def known(name: str) -> st.SearchStrategy[Known]:
    return st.builds(Known, st.just(name), st.integers(min_value=0, max_value=10_000))


def benign(name: str) -> st.SearchStrategy[Any]:
    """A value the mock should take for a field called `name`: one it has (an id, a key), or text it must store and
    give back intact (non-Latin-1, right-to-left, NUL, 10,000 characters), or a new email address."""
    if "email" in name.lower():
        return st.emails() | storable_text.map(lambda t: f"{t.replace('@', '')[:30]}@example.com")
    return st.one_of(known(name), known(name), known(name), storable_text)


def known_or_odd(name: str, odd: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    """A value for a field or parameter called `name`: mostly one the mock has, else something hostile (`odd`)."""
    return st.one_of(known(name), benign(name), odd if odd is not None else odd_text)


def resolve(value: Any, pool: Pool, fallback: Any = "1") -> Any:
    """`value` with every `Known` replaced by the mock's value (`fallback` when it has none of that kind)."""
    if isinstance(value, Known):
        known = pool.get(pool_key(value.name)) or pool.get(value.name.lower()) or []
        return known[value.index % len(known)] if known else fallback
    if isinstance(value, dict):
        return {k: resolve(v, pool, fallback) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, pool, fallback) for v in value]
    return value


class Shapes:
    """Values shaped by a document's schemas ($refs resolved), with hostile leaves; `keys` names the fields of free
    objects (a request's field values: the request types' field ids)."""

    def __init__(self, document: dict[str, Any], keys: Pool) -> None:
        self.document = document
        self.keys = keys

    def resolve(self, schema: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            node: Any = self.document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
            schema, seen = node, seen + 1
        return schema if isinstance(schema, dict) else {}

    def value(self, schema: Any, name: str = "", depth: int = 0, *, hostile: bool = False) -> st.SearchStrategy[Any]:
        """A value for `schema`: `hostile` mixes hostile leaves and whole hostile values in; else every leaf is
        `benign` (what the mock should accept and store)."""
        schema = self.resolve(schema)
        for combiner in ("allOf", "oneOf", "anyOf"):
            if schema.get(combiner):
                return st.one_of(*[self.value(s, name, depth, hostile=hostile) for s in schema[combiner][:4]])
        kind = schema.get("type")
        leaf = known_or_odd(name) if hostile else benign(name)
        if depth >= 4:
            return leaf
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties") or {}
            fields = {
                key: self.value(sub, key, depth + 1, hostile=hostile) for key, sub in list(properties.items())[:20]
            }
            extra = schema.get("additionalProperties")
            extra_keys = self.keys.get(pool_key(name), []) if extra not in (None, False) else []
            free = extra if isinstance(extra, dict) else {"type": "string"}
            free_keys = extra_keys[:6] if hostile else extra_keys[:1]  # a free object's usual first key (summary)
            fields |= {key: self.value(free, key, depth + 1, hostile=hostile) for key in free_keys if key not in fields}
            whole = st.fixed_dictionaries(fields)
            if not hostile:
                return whole
            return st.one_of(whole, st.fixed_dictionaries({}, optional=fields), json_values)
        if kind == "array":
            items = st.lists(
                self.value(schema.get("items", {}), name, depth + 1, hostile=hostile), min_size=1, max_size=3
            )
            return st.one_of(items, json_values) if hostile else items
        if "enum" in schema:
            return st.one_of(st.sampled_from(schema["enum"]), scalars) if hostile else st.sampled_from(schema["enum"])
        if kind == "boolean":
            return st.one_of(st.booleans(), scalars) if hostile else st.booleans()
        if kind in ("integer", "number") and hostile:
            return st.one_of(leaf, st.integers(min_value=-(2**70), max_value=2**70))
        return leaf


# --- files and headers ------------------------------------------------------------------------------------------------

FILE_NAMES = [
    "résumé.pdf",
    "名前.txt",
    "😀.png",
    "a/b.txt",
    "../../etc/passwd",
    "..",
    ".",
    'quote".txt',
    "back\\slash.txt",
    "semi;colon.txt",
    "percent%2F.txt",
    "hash#q?.txt",
    "tab\t.txt",
    "\u202etxt.exe",
    "a" * 300 + ".txt",
    "space name.txt",
    "",
]
file_names = st.sampled_from(FILE_NAMES) | st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
MEDIA_TYPES = [
    "image/png",
    "text/plain",
    "application/octet-stream",
    "",
    "bogus",
    "text/plain; charset=ütf",
    "a" * 500 + "/b",
    "image/png\x7f",
    "multipart/form-data; boundary=x",
]
media_types = st.sampled_from(MEDIA_TYPES)

HEADER_VALUES = [
    b"opt-in",
    b"no-check",
    b"\xff\xfe\xfd",
    b"caf\xe9",
    b"a" * 8000,
    b"   ",
    b"Basic",
    b"Basic !!!",
    b"Basic " + base64.b64encode(b"\xff\xfe:\xff"),
    b"Basic " + base64.b64encode("名前:pässword".encode()),
    b"Bearer " + b"x" * 4000,
    b"Bearer \xe9\xe9",
    b"Digest x",
]
header_values = st.sampled_from(HEADER_VALUES)
CONTENT_TYPES = [
    b"application/json",
    b"application/json; charset=utf-8",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data",
    b"multipart/form-data; boundary=",
    b"application/json; charset=\xff",
]
content_types = st.sampled_from(CONTENT_TYPES)
