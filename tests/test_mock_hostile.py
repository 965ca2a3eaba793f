"""Hostile input to every operation of the mock, both flavors: no answer is a 5xx, and no write makes a read fail,
also after a restart from its database.

The operations come from the mock's own routes (`operations_for`), their query parameters and request bodies from
the flavor's patched document; path ids, field values and names are either ids the mock really has (read from its
store, so the hostile part reaches deep) or hostile (lone surrogates, 5,000-digit numbers, deep nesting, odd file
names, non-Latin-1 text, bad headers: tests/hostile.py). After every write the mock accepts, every GET operation is
asked again (about the entities the write touched and the newest of each kind) and must answer with valid JSON and
no 5xx. Before the deletes run (they take entities away) and again at the end, each mock is restarted from its SQLite
file and every entity is read through every GET operation.

Figures (inputs tried and 5xx seen per operation, time per flavor) are written to reports/hostile/ and printed by
the last test; `JSM_HOSTILE_EXAMPLES` (default 12) sets the examples per operation and `JSM_HOSTILE_RANDOM=1`
explores beyond the fixed (derandomized) cases CI replays.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hostile import (
    RAW_BODIES,
    RAW_SEGMENTS,
    Known,
    Pool,
    Shapes,
    content_types,
    dumps,
    file_names,
    header_values,
    json_values,
    known,
    media_types,
    pool_key,
    resolve,
    url_text,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jsm_openapi.mock import RunningMock, operations_for, run_mock
from jsm_openapi.mock.model import (
    Approval,
    Attachment,
    Comment,
    Organization,
    Queue,
    Request,
    RequestType,
    RequestTypeGroup,
    ServiceDesk,
    Setting,
    TemporaryFile,
    User,
)
from jsm_openapi.mock.routing import Operation
from jsm_openapi.mock.testing import stored
from jsm_openapi.pipeline import load_patched
from jsm_openapi.project import Project

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
FLAVORS = ("server", "cloud")
EXAMPLES = int(os.environ.get("JSM_HOSTILE_EXAMPLES", "12"))
HOSTILE = settings(
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the mock's state moves on, a failure is reported as met
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("JSM_HOSTILE_RANDOM"),
    database=None,
    suppress_health_check=list(HealthCheck),
)
WRITES = frozenset({"POST", "PUT", "DELETE", "PATCH"})


CASES = [(flavor, op) for flavor in FLAVORS for op in operations_for(flavor) if op.method != "DELETE"]
DELETES = [(flavor, op) for flavor in FLAVORS for op in operations_for(flavor) if op.method == "DELETE"]


# --- the mock under attack --------------------------------------------------------------------------------------------


@dataclass
class Target:
    flavor: str
    db: Path
    mock: RunningMock
    client: httpx.Client
    document: dict[str, Any]
    shapes: Shapes
    credentials: list[dict[str, str]]
    tried: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)  # writes answered 2xx
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    reads: int = 0
    restart_reads: int = 0
    ran: list[str] = field(default_factory=list)  # operations whose hostile test ran (in this pytest run)
    seconds: float = 0.0  # time spent on this flavor (its operations and restarts)

    @property
    def doc_prefix(self) -> str:
        """What the document's paths leave out of the wire path (Server's document hangs from /rest)."""
        return "/rest" if self.flavor == "server" else ""

    def pool(self) -> Pool:
        return entity_pool(self.mock)


def entity_pool(mock: RunningMock) -> dict[str, list[str]]:
    """Ids, keys and names the mock has, by the entity a parameter or field names (`hostile.pool_key`)."""
    cloud = mock.flavor == "cloud"
    logins = {credentials.email for credentials in mock.users.values()}
    desks = stored(mock, ServiceDesk)
    requests = stored(mock, Request)
    users = [u for u in stored(mock, User) if not u.deleted and u.email not in logins]
    catalog = next((s.value for s in stored(mock, Setting) if s.name == "catalog"), {})
    transitions = [t["id"] for w in catalog.get("workflows", {}).values() for t in w.get("transitions", [])]
    slas = [str(g["id"]) for goals in catalog.get("slas", {}).values() for g in goals]
    refs = [(u.account_id or u.username) if cloud else u.username for u in users]
    attachments = stored(mock, Attachment)
    request_types = stored(mock, RequestType)
    pool: dict[str, list[str]] = {
        "servicedesk": [str(d.id) for d in desks] + [d.project_key for d in desks],
        "portal": [str(d.id) for d in desks],
        "project": [d.project_key for d in desks],
        "requesttype": [str(t.id) for t in request_types],
        "group": [str(g.id) for g in stored(mock, RequestTypeGroup)],
        "request": [r.key for r in requests] + [str(r.id) for r in requests],
        "organization": [str(o.id) for o in stored(mock, Organization)],
        "comment": [str(c.id) for c in stored(mock, Comment)],
        "approval": [str(a.id) for a in stored(mock, Approval)],
        "queue": [str(q.id) for q in stored(mock, Queue)],
        "attachment": [str(a.id) for a in attachments],
        "filename": [a.filename for a in attachments],
        "temporaryattachment": [t.id for t in stored(mock, TemporaryFile)],
        "slametric": slas,
        "account": refs,
        "username": refs,
        "user": refs,
        "raiseonbehalfof": refs,
        "requestparticipant": refs,
        "email": [u.email for u in users],
        "property": ["k", "jsm.property", *{k for o in stored(mock, Organization) for k in o.properties}],
        "requestfieldvalue": list(dict.fromkeys(f["fieldId"] for t in request_types for f in t.fields)),
        "id": transitions + slas,
    }
    pool["issue"] = pool["request"]
    return pool


def placeholders(op: Operation) -> dict[str, str]:
    """Path parameter name → its placeholder in the route (`{filename:path}` names `filename`)."""
    found = [part for part in op.wire_path.split("/") if part.startswith("{")]
    return {part[1:-1].split(":", 1)[0]: part for part in found}


def _document_operation(target: Target, op: Operation) -> dict[str, Any]:
    path = op.wire_path.removeprefix(target.doc_prefix)
    item = target.document["paths"].get(path, {})
    found = item.get(op.method.lower(), {})
    return {**found, "parameters": [*item.get("parameters", []), *found.get("parameters", [])]} if found else {}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Target]]:
    with ExitStack() as stack:
        started: dict[str, Target] = {}
        for flavor in FLAVORS:
            db = tmp_path_factory.mktemp(f"hostile-{flavor}") / "mock.sqlite"
            mock = stack.enter_context(run_mock(flavor, db=db))
            client = stack.enter_context(httpx.Client(base_url=mock.base_url, timeout=30))
            document = load_patched(Project(REPO), flavor)
            credentials = (
                [mock.admin.basic_headers] * 5 + [mock.agent.bearer_headers] + [mock.customer.basic_headers] * 2
            )
            shapes = Shapes(document, entity_pool(mock))  # free objects' keys, from the seed
            started[flavor] = Target(flavor, db, mock, client, document, shapes, credentials)
        yield started


# --- one hostile request --------------------------------------------------------------------------------------------


def _hostile_segment() -> st.SearchStrategy[str]:
    """A path segment already on the wire's terms: raw bytes (invalid UTF-8, huge numbers) or odd text, encoded."""
    return st.one_of(st.sampled_from(RAW_SEGMENTS), url_text.filter(bool).map(lambda v: quote(v, safe="")))


def _query(target: Target, spec: dict[str, Any], *, hostile: bool) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """The operation's documented query parameters: the required ones with values the mock should take, some of
    the others too; `hostile`: hostile values for them (and for the paging ones every list takes)."""
    params = [target.shapes.resolve(p) for p in spec.get("parameters", [])]
    query = [p for p in params if p.get("in") == "query"]
    if hostile:
        names = dict.fromkeys([p["name"] for p in query] + ["start", "limit", "expand"])
        odd = st.one_of(url_text, st.sampled_from(RAW_SEGMENTS))
        return st.lists(st.one_of(*[st.tuples(st.just(name), odd) for name in names]), min_size=1, max_size=4)

    def benign_value(param: dict[str, Any]) -> st.SearchStrategy[Any]:
        schema = target.shapes.resolve(param.get("schema", {}))
        enum = schema.get("enum") or target.shapes.resolve(schema.get("items", {})).get("enum")
        if enum:
            return st.sampled_from([str(e) for e in enum])
        if schema.get("type") == "boolean":
            return st.sampled_from(["true", "false"])
        if schema.get("type") == "integer":
            return st.integers(min_value=0, max_value=60).map(str)
        return st.one_of(known(param["name"]), url_text.filter(str.strip))

    required = [st.tuples(st.just(p["name"]), benign_value(p)) for p in query if p.get("required")]
    optional = [st.tuples(st.just(p["name"]), benign_value(p)) for p in query if not p.get("required")]
    some = st.lists(st.one_of(*optional), max_size=2) if optional else st.just([])
    return st.tuples(st.tuples(*required), some).map(lambda parts: [*parts[0], *parts[1]])


FOCI = ("path", "query", "header", "body", "raw body", "none")


@st.composite
def hostile_request(draw: st.DrawFn, target: Target, op: Operation) -> dict[str, Any]:
    """One request with one hostile part (its `focus`); the rest is what the mock should take, so the hostile part
    reaches the operation's logic and its store. Focus "none" still carries odd-but-storable text in its body."""
    spec = _document_operation(target, op)
    names = list(placeholders(op))
    writes = op.method in WRITES or op.multipart
    focus = draw(st.sampled_from([f for f in FOCI if names or f != "path"]))
    segments: dict[str, Known | str] = {name: draw(known(name)) for name in names}
    if focus == "path":
        segments[draw(st.sampled_from(names))] = draw(_hostile_segment())
    headers: dict[str, Any] = dict(draw(st.sampled_from(target.credentials)))
    headers |= {"X-ExperimentalApi": "opt-in", "X-Atlassian-Token": "no-check"}
    if focus == "header":
        name = draw(st.sampled_from(["Authorization", "X-ExperimentalApi", "X-Atlassian-Token", "Content-Type"]))
        headers[name] = draw(content_types if name == "Content-Type" else header_values)
    request: dict[str, Any] = {
        "focus": focus,
        "segments": segments,
        "params": draw(_query(target, spec, hostile=focus == "query")),
    }
    if op.multipart and focus != "raw body":
        files = st.tuples(st.sampled_from(["file"] * 4 + ["other"]), file_names, st.binary(max_size=64), media_types)
        request["files"] = [(f, (n, data, t)) for f, n, data, t in draw(st.lists(files, min_size=1, max_size=3))]
    elif focus == "raw body" or (writes and op.multipart):
        headers.setdefault("Content-Type", b"multipart/form-data; boundary=x" if op.multipart else b"application/json")
        request["raw"] = draw(st.sampled_from(RAW_BODIES))
    elif writes:
        media = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema = media.get("schema")
        hostile = focus == "body"
        value = target.shapes.value(schema, hostile=hostile) if schema else (json_values if hostile else st.just({}))
        request["json"] = draw(value)
        headers.setdefault("Content-Type", b"application/json")
    request["headers"] = headers
    return request


@dataclass
class Wire:
    """A drawn request on the wire's terms: `Known` values replaced by what the mock has now."""

    path: str
    params: list[tuple[str, str]]
    content: bytes | None
    used: dict[str, str]  # path parameters that name an entity the mock has
    focus: str

    def summary(self) -> str:
        return f"[{self.focus}] {self.path[:300]} params={self.params!r:.300} body={self.content!r:.300}"


def on_the_wire(op: Operation, request: dict[str, Any], pool: Pool) -> Wire:
    path, used = op.wire_path, {}
    for name, segment in request["segments"].items():
        if isinstance(segment, Known):
            value = str(resolve(segment, pool))
            used[name], segment = value, quote(value, safe="")
        path = path.replace(placeholders(op)[name], segment, 1)
    params = [(key, str(resolve(value, pool))) for key, value in request["params"]]
    content = dumps(resolve(request["json"], pool)) if "json" in request else request.get("raw")
    return Wire(path, params, content, used, request["focus"])


# --- reads after writes -----------------------------------------------------------------------------------------------


def _reads(target: Target, chosen: dict[str, str], every: bool = False) -> Iterator[str]:
    """GET URLs of every GET operation: parameters from `chosen` (what a write touched), else the newest entity of
    their kind (or, with `every`, each entity in turn)."""
    pool = target.pool()
    for op in operations_for(target.flavor):
        if op.method != "GET":
            continue
        names = list(placeholders(op))
        spec = _document_operation(target, op)
        expand = [target.shapes.resolve(p) for p in spec.get("parameters", [])]
        expands = [
            str(v)
            for p in expand
            if p.get("name") == "expand"
            for v in (
                target.shapes.resolve(target.shapes.resolve(p.get("schema", {})).get("items", {})).get("enum") or []
            )
        ]
        query = f"?expand={','.join(expands)}" if expands else ""
        newest = {name: chosen.get(name) or (pool.get(pool_key(name)) or ["1"])[-1] for name in names}
        fillings = [newest]
        if every:  # each entity of each parameter in turn, the others at their newest
            fillings += [
                {**newest, name: v} for name in names for v in pool.get(pool_key(name)) or [] if v != newest[name]
            ]
        for filling in fillings:
            path = op.wire_path
            for name, value in filling.items():
                path = path.replace(placeholders(op)[name], quote(value, safe=""), 1)
            yield path + query


def assert_reads_answer(target: Target, chosen: dict[str, str], after: str, every: bool = False) -> None:
    headers = {**target.mock.admin.basic_headers, "X-ExperimentalApi": "opt-in"}
    for url in _reads(target, chosen, every):
        response = target.client.get(url, headers=headers)
        target.reads += 1
        assert response.status_code < 500, (
            f"GET {url} answered {response.status_code} after {after}: {response.text[:500]}"
        )
        if "json" in response.headers.get("content-type", "") and response.content:
            json.loads(response.content.decode("utf-8"), parse_constant=_no_constant)  # strict: UTF-8, no NaN


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} in an answer")


# --- the tests ------------------------------------------------------------------------------------------------------


def _attack(target: Target, op: Operation) -> None:
    """Hypothesis's examples of hostile requests to one operation (see the module docstring)."""
    label = f"{op.method} {op.wire_path}"
    target.ran.append(label)
    started = time.monotonic()

    @HOSTILE
    @given(data=st.data())
    def attack(data: st.DataObject) -> None:
        request = data.draw(hostile_request(target, op))
        wire = on_the_wire(op, request, target.pool())
        try:
            response = target.client.request(
                op.method,
                wire.path,
                params=wire.params,
                headers=request["headers"],
                content=wire.content,
                files=request.get("files"),
            )
        except httpx.LocalProtocolError:  # the client itself refuses to send it (a header h11 will not write)
            return
        target.tried[label] += 1
        target.statuses.setdefault(label, Counter())[response.status_code] += 1
        if os.environ.get("JSM_HOSTILE_TRACE") and op.method in WRITES:
            print(f"{response.status_code} {label} {response.text[:150]!r} <- {wire.summary()[:300]}")
        if response.status_code >= 500:
            target.server_errors[label] += 1
            raise AssertionError(f"{label} answered {response.status_code}: {response.text[:500]}\n{wire.summary()}")
        if op.method in WRITES and response.status_code < 300:
            target.accepted[label] += 1
            assert_reads_answer(target, wire.used, f"{label} answered {response.status_code}: {wire.summary()}")

    try:
        attack()
    finally:
        target.seconds += time.monotonic() - started


def _reads_after_a_restart(target: Target) -> int:
    """Restart the flavor's mock from its database; every GET operation about every entity must answer."""
    started = time.monotonic()
    with run_mock(target.flavor, db=target.db) as restarted, httpx.Client(base_url=restarted.base_url) as client:
        again = Target(target.flavor, target.db, restarted, client, target.document, target.shapes, target.credentials)
        assert_reads_answer(again, {}, "a restart", every=True)
    target.seconds += time.monotonic() - started
    return again.reads


@pytest.mark.parametrize(("flavor", "op"), CASES, ids=[f"{f} {op.method} {op.wire_path}" for f, op in CASES])
def test_hostile_input_gets_no_5xx_and_every_read_still_answers(
    targets: dict[str, Target], flavor: str, op: Operation
) -> None:
    _attack(targets[flavor], op)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_entity_reads_back_after_a_restart(targets: dict[str, Target], flavor: str) -> None:
    """Before the deletes take entities away: whatever the hostile writes left is read back from the database."""
    targets[flavor].restart_reads += _reads_after_a_restart(targets[flavor])


@pytest.mark.parametrize(("flavor", "op"), DELETES, ids=[f"{f} {op.method} {op.wire_path}" for f, op in DELETES])
def test_hostile_deletes_get_no_5xx_and_every_read_still_answers(
    targets: dict[str, Target], flavor: str, op: Operation
) -> None:
    _attack(targets[flavor], op)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_the_hostile_run_saw_no_5xx_and_reads_back_after_a_restart(targets: dict[str, Target], flavor: str) -> None:
    """The figures (reports/hostile/hostile-<flavor>.md), and a last restart after the deletes."""
    target = targets[flavor]
    target.restart_reads += _reads_after_a_restart(target)
    ran = target.ran
    lines = [
        f"# Hostile input to the {flavor} mock",
        "",
        f"- {sum(target.tried.values())} hostile requests to {len(target.tried)} of {len(ran)} operations "
        f"({EXAMPLES} examples each), {sum(target.server_errors.values())} answered 5xx",
        f"- {sum(target.accepted.values())} writes accepted (2xx), each followed by every GET operation: "
        f"{target.reads} reads; {target.restart_reads} reads of every entity after restarts from the database",
        f"- {target.seconds:.1f} s for this flavor",
        "",
        "| operation | hostile inputs | writes accepted | 5xx | statuses |",
        "|---|---:|---:|---:|---|",
    ]
    for label in ran:
        statuses = ", ".join(f"{k}×{v}" for k, v in sorted(target.statuses.get(label, Counter()).items()))
        accepted = target.accepted[label] if label.split()[0] in WRITES else "—"
        lines.append(f"| `{label}` | {target.tried[label]} | {accepted} | {target.server_errors[label]} | {statuses} |")
    report = REPO / "reports" / "hostile" / f"hostile-{flavor}.md"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:6]))
    assert sum(target.server_errors.values()) == 0
    untried = [label for label in ran if target.tried[label] == 0]
    assert untried == [], f"operations no hostile input reached: {untried}"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_body_past_the_limit_is_refused_unread_and_the_mock_answers_on(flavor: str) -> None:
    """A body larger than MAX_BODY, declared (Content-Length) or streamed (chunked), gets 413 in JSM's error model."""
    from jsm_openapi.mock.app import MAX_BODY

    with run_mock(flavor) as mock, httpx.Client(base_url=mock.base_url, headers=mock.admin.basic_headers) as client:
        url = "/rest/servicedeskapi/organization"
        declared = client.post(url, content=b"x" * (MAX_BODY + 1), headers={"Content-Type": "application/json"})
        chunks = (b"[" + b" " * (1 << 20) for _ in range(MAX_BODY // (1 << 20) + 1))  # no Content-Length
        streamed = client.post(url, content=chunks, headers={"Content-Type": "application/json"})
        for answer in (declared, streamed):
            assert answer.status_code == 413, answer.text[:200]
            assert "larger than 10 MB" in answer.json()["errorMessage"]
        assert client.post(url, json={"name": "after a huge body"}).status_code == 201
