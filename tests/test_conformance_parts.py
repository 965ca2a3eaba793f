"""The pieces of nightly conformance on their own: the sites file (validation, secrets never in it nor echoed), the
shard split, each run's environment, parts merged, history states, alert plans, the matrix, observed files, and a
report that escapes whatever a hostile site puts into it. The whole night against mock sites is in
test_conformance_nights.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from cli_in_process import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loopback import json_reply
from markdown_it import MarkdownIt
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from jsm_openapi.conformance.alerts import OpenIssue, marker, parse_marker, plan_alerts
from jsm_openapi.conformance.history import compare_site, load_previous, night_report
from jsm_openapi.conformance.model import (
    CONTRACT,
    ERROR,
    INCOMPLETE,
    OBSERVED,
    RAN,
    Deviation,
    NightReport,
    OperationCell,
    SiteRun,
)
from jsm_openapi.conformance.observed import read_observed
from jsm_openapi.conformance.parts import Part, load_part, merge_site
from jsm_openapi.conformance.plan import github_output, matrix
from jsm_openapi.conformance.render import html_page, markdown
from jsm_openapi.conformance.runner import Job, child_command, child_environment, run_jobs
from jsm_openapi.conformance.sites import Site, load_sites
from jsm_openapi.contract.findings import FindingLog, fingerprint, general_pointer, wire_operation
from jsm_openapi.contract.shard import Shard, parse_shard
from jsm_openapi.errors import InputError

REPO = Path(__file__).resolve().parents[1]
NOW = "2025-11-23T03:17:00Z"


def sites_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conformance.toml"
    path.write_text(text, encoding="utf-8")
    return path


LIVE = """
[[site]]
name = "acme"
base_url = "https://acme.atlassian.net"
credentials = { user = "ACME_USER", api_token = "ACME_TOKEN" }
"""

# --- the sites file ------------------------------------------------------------------------------------------------


def test_the_example_sites_file_is_valid() -> None:
    sites = load_sites(REPO / "conformance.example.toml")
    assert sites.names == ["acme-cloud", "acme-dc10", "acme-dc5", "mock-dc"]
    dc10 = sites.site("acme-dc10")
    assert (dc10.shards, dc10.budget, dc10.flavor, dc10.access) == (2, 4000, "detect", "read-only")
    assert sites.site("acme-cloud").access == "writes in sandbox desk SBX"
    assert sites.site("acme-dc5").secret_names == ["ACME_DC5_PASSWORD", "ACME_DC5_USER", "ACME_DC5_URL"]
    assert sites.site("mock-dc").defects == ("integer-ids",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LIVE + "flavour = 'cloud'\n", "[[site]] #1 (acme): unknown key 'flavour'"),
        (LIVE + LIVE, "[[site]] #2: the name 'acme' is already used by [[site]] #1"),
        (LIVE.replace('"acme"', '"Acme Cloud"'), "[[site]] #1: name must be"),
        (LIVE + "flavor = 'dc'\n", "(acme): flavor must be one of server, cloud, detect"),
        (LIVE + "shards = 0\n", "(acme): shards must be a whole number from 1 to 64"),
        (LIVE + "rate = -1\n", "(acme): rate must be a number"),
        (LIVE.replace('api_token = "ACME_TOKEN"', 'pat = "ACME_PAT"'), "credentials must be user + api_token"),
        (LIVE.replace("credentials", "#"), "(acme): credentials is missing"),
        (LIVE.replace("https://acme.atlassian.net", "ftp://acme"), "(acme): base_url must be an http(s) URL"),
        ('[[site]]\nname = "m"\ntarget = "mock"\n', "(m): a mock site needs flavor server or cloud"),
        ('[[site]]\nname = "m"\ntarget = "mock"\nflavor = "cloud"\nbase_url = "https://x"\n', "does not apply"),
        ('[[site]]\nname = "m"\ntarget = "mock"\nflavor = "cloud"\ndefects = ["nope"]\n', "unknown mock defect"),
        (LIVE + "defects = ['integer-ids']\n", "defects apply only to mock sites"),
        (LIVE + "base_url_env = 'ACME_URL'\n", "give base_url, or base_url_env"),
        ("[defaults]\nbudgett = 3\n" + LIVE, "[defaults]: unknown key 'budgett'"),
        ("[[site]\n", "invalid TOML"),
        ("[defaults]\n", "no [[site]] table"),
    ],
)
def test_a_mistake_in_the_sites_file_names_the_file_the_site_and_the_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = sites_file(tmp_path, text)
    with pytest.raises(InputError) as raised:
        load_sites(path)
    assert str(path) in raised.value.message and expected in raised.value.message


SECRETS = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda s: not re.fullmatch(r"[A-Z][A-Z0-9_]{0,99}", s)
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=SECRETS)
def test_a_secret_pasted_as_a_credential_is_refused_and_never_repeated(tmp_path: Path, secret: str) -> None:
    escaped = json.dumps(secret, ensure_ascii=False)  # a TOML basic string takes JSON's escapes
    path = sites_file(tmp_path, LIVE.replace('"ACME_TOKEN"', escaped))
    with pytest.raises(InputError) as raised:
        load_sites(path)
    text = f"{raised.value.message} {raised.value.hint}"
    assert "credentials.api_token must be the name of an environment variable" in text
    if len(secret.strip()) >= 4:
        assert secret not in text


def test_a_url_carrying_a_password_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = sites_file(tmp_path, LIVE.replace("https://acme", "https://me:hunter2secret@acme"))
    with pytest.raises(InputError) as raised:
        load_sites(path)
    assert "carries credentials" in raised.value.message and "hunter2secret" not in str(raised.value)


def test_the_cli_reports_a_bad_sites_file_with_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sites_file(tmp_path, LIVE + "flavour = 'cloud'\n")
    code, _, err = run(capsys, "conformance", "run", "--sites", str(path), "--out", str(tmp_path / "out"))
    assert code == 3 and "unknown key 'flavour'" in err and str(path) in err
    assert not (tmp_path / "out").exists(), "nothing written"
    code, _, err = run(capsys, "conformance", "run", "--sites", str(path.with_name("none.toml")))
    assert code == 3 and "does not exist" in err


# --- shards --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "1/65", "-1/2", "2", "1/2/3", "½"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_shard(text)
    assert "--shard" in raised.value.message


class Labelled:
    def __init__(self, label: str) -> None:
        self.label = label


@given(labels=st.sets(st.text(min_size=1, max_size=30), max_size=80), count=st.integers(1, 12), data=st.data())
def test_shards_split_the_operations_exactly_once_evenly_and_in_any_order(
    labels: set[str], count: int, data: st.DataObject
) -> None:
    items = [Labelled(label) for label in labels]
    shuffled = data.draw(st.permutations(items))
    chosen = [{x.label for x in Shard(i, count).select(items)} for i in range(1, count + 1)]
    again = [{x.label for x in Shard(i, count).select(shuffled)} for i in range(1, count + 1)]
    assert chosen == again, "the split depends on the labels only"
    assert set().union(*chosen) == labels and sum(map(len, chosen)) == len(labels)
    assert max(map(len, chosen)) - min(map(len, chosen)) <= 1
    nodeid = data.draw(st.text(max_size=40))
    assert sum(Shard(i, count).owns_unlabelled(nodeid) for i in range(1, count + 1)) == 1


# --- each run's environment and command ----------------------------------------------------------------------------


def two_sites(tmp_path: Path) -> list[Site]:
    text = (
        LIVE
        + """
[[site]]
name = "dc"
base_url = "https://jira.example.com"
flavor = "server"
credentials = { pat = "DC_PAT" }
sandbox_service_desk = "SBX"
shards = 4
budget = 1001
rate = 2
"""
    )
    return list(load_sites(sites_file(tmp_path, text)).sites)


def test_a_run_gets_its_own_site_credentials_and_no_other(tmp_path: Path) -> None:
    acme, dc = two_sites(tmp_path)
    env = {
        "PATH": "/usr/bin",
        "ACME_USER": "ann@acme.example",
        "ACME_TOKEN": "acme-token-value",
        "DC_PAT": "dc-pat-value",
        "JSM_PAT": "stale",
        "JSM_CONTRACT_TARGET": "prism",
        "JSM_BASE_URL": "https://elsewhere",
    }
    child, redactor = child_environment(dc, [acme, dc], env)
    assert child["JSM_PAT"] == "dc-pat-value" and child["JSM_BASE_URL"] == "https://jira.example.com"
    assert child["PATH"] == "/usr/bin"
    for absent in ("ACME_USER", "ACME_TOKEN", "DC_PAT", "JSM_USER", "JSM_API_TOKEN", "JSM_CONTRACT_TARGET"):
        assert absent not in child, absent
    assert "acme-token-value" not in child.values()
    assert redactor.text("Bearer dc-pat-value") == "Bearer [REDACTED]"
    child, redactor = child_environment(acme, [acme, dc], env)
    assert (child["JSM_USER"], child["JSM_API_TOKEN"]) == ("ann@acme.example", "acme-token-value")
    assert "DC_PAT" not in child and "JSM_PAT" not in child
    with pytest.raises(InputError) as raised:
        child_environment(dc, [acme, dc], {"PATH": "/usr/bin"})
    assert "DC_PAT (credentials.pat) is not set" in raised.value.message


def test_a_shard_gets_its_share_of_the_budget_and_rate_and_writes_go_to_the_sandbox(tmp_path: Path) -> None:
    _, dc = two_sites(tmp_path)
    command = child_command(Job(dc, Shard(3, 4)), 42, tmp_path / "r")
    text = " ".join(command)
    assert "--budget 251 --rate 0.5" in text and "--shard 3/4" in text and "--seed 42" in text
    assert "--allow-writes --sandbox-service-desk SBX" in text and "--flavor server" in text
    mock = Site(name="m", target="mock", flavor="cloud", defects=("integer-ids", "no-last-page"))
    text = " ".join(child_command(Job(mock), 1, tmp_path / "r"))
    assert "--target mock" in text and "--mock-defect integer-ids,no-last-page" in text and "--budget" not in text
    detect = Site(name="d", base_url="https://x.example", credentials={"pat": "P"})
    assert "--flavor" not in child_command(Job(detect), 1, tmp_path / "r")


def test_a_site_whose_credentials_are_missing_becomes_a_failed_part_without_a_run(tmp_path: Path) -> None:
    acme, _ = two_sites(tmp_path)
    parts = run_jobs([Job(acme)], [acme], seed=7, out=tmp_path / "out", root=REPO, env={"PATH": "/usr/bin"})
    assert len(parts) == 1 and not parts[0].ran and parts[0].exit_code == 3
    assert "ACME_USER" in (parts[0].error or "") or "ACME_TOKEN" in (parts[0].error or "")
    assert json.loads((tmp_path / "out" / "sites" / "acme" / "all" / "part.json").read_text())["exit_code"] == 3


def test_the_matrix_has_a_job_per_shard_with_its_environment_and_secret_names(tmp_path: Path) -> None:
    acme, dc = two_sites(tmp_path)
    entries = matrix([acme, dc])
    assert [(e["site"], e["shard"]) for e in entries] == [("acme", ""), *[("dc", f"{i}/4") for i in range(1, 5)]]
    assert (entries[0]["secret_1"], entries[0]["secret_2"], entries[0]["secret_3"]) == ("ACME_TOKEN", "ACME_USER", "")
    assert entries[1]["environment"] == "dc" and entries[1]["artifact"] == "conformance-part-dc-1of4"
    lines = github_output([acme], 9).splitlines()
    assert lines[1] == "seed=9" and json.loads(lines[0].removeprefix("matrix="))[0]["site"] == "acme"


# --- parts, shards merged, history ---------------------------------------------------------------------------------


def result(
    shard: str | None, operations: dict[str, str], deviations: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    """A contract result as `jsm_openapi.contract.result` writes it (only what merging reads)."""
    return {
        "format": "jsm-contract-result",
        "version": 1,
        "flavor": "cloud",
        "site": {"version": "1001.0.0", "platform_version": None},
        "seed": 5,
        "examples": 1,
        "shard": shard,
        "requests_sent": 10,
        "duration": 1.0,
        "stopped": extra.get("stopped"),
        "completed_tests": [f"test_operation[{op}]" for op in operations],
        "operations": [
            {"wire": op, "operation": op, "in_scope": True, "requests": 2, "statuses": {"200": 2}, "outcome": outcome}
            for op, outcome in operations.items()
        ],
        "deviations": [
            {
                "fingerprint": fingerprint(op, "response_schema_conformance", pointer, "type"),
                "operation": op,
                "check": "response_schema_conformance",
                "code": "ST108",
                "pointer": pointer,
                "detail": "type",
                "summary": "expected string, seen integer",
                "status": 200,
                "test": f"test_operation[{op}]",
                "count": 1,
            }
            for op, pointer in deviations
        ],
    }


A, B, C = "GET /rest/servicedeskapi/a", "GET /rest/servicedeskapi/b", "GET /rest/servicedeskapi/c"


def part(shard: str | None, res: dict[str, Any] | None, seed: int = 5, code: int = 1) -> Part:
    return Part("acme", {}, parse_shard(shard), seed, code, None if res else "boom", 1.0, res)


def test_shards_merge_into_one_site_and_gaps_are_reported() -> None:
    one = part("1/2", result("1/2", {A: "failed", C: "passed"}, [(A, "/id")]))
    two = part("2/2", result("2/2", {B: "failed"}, [(B, "/values/*/id")]))
    site = merge_site("acme", [two, one], None)
    assert site.status == RAN and site.shards_ran == [1, 2] and site.requests_sent == 20
    assert set(site.operations) == {A, B, C} and site.operations[A].deviations
    assert [d.operation for d in site.deviations] == [A, B] and site.complete
    alone = merge_site("acme", [one], None)
    assert alone.status == INCOMPLETE and "shard(s) 2 of 2 missing" in alone.errors[0], "a part knows its n"
    partial = merge_site("acme", [one, part("2/2", None, code=8)], None)
    assert partial.status == INCOMPLETE and "shard 2/2 did not complete (exit 8)" in partial.errors[0]
    assert not partial.complete
    assert merge_site("acme", [one, two, part("2/2", result("2/2", {}, []))], None).status == ERROR
    assert "different seeds" in merge_site("acme", [one, part("2/2", result("2/2", {}, []), seed=6)], None).errors[0]


def deviation(op: str, pointer: str = "/id", source: str = CONTRACT, test: str | None = None) -> Deviation:
    return Deviation(
        fingerprint=fingerprint(op, "response_schema_conformance", pointer, "type"),
        operation=op,
        check="response_schema_conformance",
        code="ST108",
        pointer=pointer,
        detail="type",
        summary="expected string, seen integer",
        tests=[test or f"test_operation[{op}]"] if source == CONTRACT else [],
        sources=[source],
        first_seen="2025-11-20T03:00:00Z",
    )


def test_history_new_still_fixed_and_unchecked() -> None:
    before = SiteRun(name="acme", status=RAN, deviations=[deviation(A), deviation(B), deviation(C)])
    tonight = SiteRun(
        name="acme",
        status=INCOMPLETE,
        operations={op: OperationCell(op, op, outcome="passed") for op in (A, B)},
        completed_tests=[f"test_operation[{A}]", f"test_operation[{B}]"],
        deviations=[deviation(A), deviation(A, "/name")],
    )
    compare_site(tonight, before, NOW)
    states = {(d.operation, d.pointer): d.state for d in tonight.deviations}
    assert states == {(A, "/id"): "still", (A, "/name"): "new"}
    assert tonight.deviations[0].first_seen == "2025-11-20T03:00:00Z", "still failing since the first night"
    assert [d.operation for d in tonight.fixed] == [B], "its test ran and it is gone"
    assert [d.operation for d in tonight.unchecked] == [C], "its shard did not run: not fixed, not forgotten"
    later = SiteRun(name="acme", status=RAN, deviations=[deviation(C)], completed_tests=[f"test_operation[{C}]"])
    compare_site(later, tonight, NOW)
    assert [d.state for d in later.deviations] == ["still"], "an unchecked deviation seen again is not new"


def test_observed_deviations_need_the_site_files_to_count_as_fixed() -> None:
    seen = deviation(A, source=OBSERVED)
    without = SiteRun(name="acme", status=RAN)
    compare_site(without, SiteRun(name="acme", deviations=[seen]), NOW)
    assert without.unchecked and not without.fixed
    read = SiteRun(name="acme", status="not run", observed_files=["x.jsonl"])
    compare_site(read, SiteRun(name="acme", deviations=[seen]), NOW)
    assert read.fixed and not read.unchecked


# --- alerts --------------------------------------------------------------------------------------------------------


def night(*sites: SiteRun) -> NightReport:
    return NightReport(generated_at=NOW, sites=list(sites), run_url="https://ci.example/run/1")


def test_one_alert_for_all_new_deviations_none_for_those_already_alerted() -> None:
    a = SiteRun(name="acme", status=RAN, deviations=[deviation(A), deviation(B)])
    b = SiteRun(name="dc", status=RAN, deviations=[deviation(C)])
    report = night(a, b)
    plan = plan_alerts(report, [])
    assert plan.open is not None and not plan.close and not plan.comment
    title, body = plan.open
    assert title == "Conformance: 3 new deviation(s) on acme, dc (2025-11-23)"
    assert parse_marker(body) == {
        ("acme", a.deviations[0].fingerprint),
        ("acme", a.deviations[1].fingerprint),
        ("dc", b.deviations[0].fingerprint),
    }
    assert plan_alerts(report, [OpenIssue(7, body)]).open is None, "already alerted (the history was lost)"


def test_an_alert_closes_when_all_its_deviations_are_fixed_and_not_before() -> None:
    fixed, failing, unknown = deviation(A), deviation(B), deviation(C)
    for d, state in ((fixed, "fixed"), (failing, "still"), (unknown, "unchecked")):
        d.state = state
    issue = OpenIssue(3, "text\n" + marker({("acme", fixed.fingerprint), ("acme", failing.fingerprint)}))
    site = SiteRun(name="acme", status=RAN, deviations=[failing], fixed=[fixed], unchecked=[unknown])
    plan = plan_alerts(night(site), [issue])
    assert plan.close == [] and plan.comment and plan.comment[0][0] == 3 and "Still failing: 1" in plan.comment[0][1]
    waiting = OpenIssue(4, marker({("acme", fixed.fingerprint), ("acme", unknown.fingerprint)}))
    assert plan_alerts(night(site), [waiting]).close == [], "an unchecked deviation keeps its alert open"
    done = OpenIssue(5, marker({("acme", fixed.fingerprint)}))
    assert [n for n, _ in plan_alerts(night(site), [done]).close] == [5]
    absent = OpenIssue(6, marker({("gone", fixed.fingerprint)}))
    assert plan_alerts(night(site), [absent]).close == [], "a site not in tonight's report is not checked"


@given(st.text(max_size=300))
def test_a_marker_yields_only_site_names_and_fingerprints(noise: str) -> None:
    keys = parse_marker(noise + marker({("acme", "0123456789abcdef")}) + noise)
    assert ("acme", "0123456789abcdef") in keys
    assert all(re.fullmatch(r"[a-z0-9-]{1,40}", s) and re.fullmatch(r"[0-9a-f]{16}", f) for s, f in keys)


# --- observed deviations -------------------------------------------------------------------------------------------

RECORD = {
    "format": "jsm-observed-deviation",
    "version": 1,
    "observed_at": "2025-11-22T10:00:00Z",
    "flavor": "server",
    "operation": "GET /servicedeskapi/servicedesk",
    "status": 200,
    "pointer": "/values/3/id",
    "path": "/values/*/id",
    "keyword": "type",
    "expected": "string",
    "seen": {"type": "integer"},
}


def test_an_observed_deviation_shares_the_contract_runs_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "seen.jsonl"
    path.write_text(json.dumps(RECORD) + "\n\n" + json.dumps(RECORD | {"flavor": "cloud"}) + "\n")
    found = read_observed([path], "server")
    assert len(found) == 1, "one record of the site's flavor (the cloud one is another site's)"
    wire = wire_operation("server", "GET /servicedeskapi/servicedesk")
    assert found[0].operation == "GET /rest/servicedeskapi/servicedesk"
    assert found[0].fingerprint == fingerprint(
        wire, "response_schema_conformance", general_pointer(["values", 3, "id"]), "type"
    )
    assert found[0].summary == "expected string, seen integer" and found[0].sources == [OBSERVED]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("not json", "not a JSON record"),
        (json.dumps(RECORD | {"version": 2}), "record version 2 is written by a newer client"),
        (json.dumps(RECORD | {"path": "/values/*/ann@example.com"}), "generalized"),
        (json.dumps(RECORD | {"status": 99}), "HTTP status"),
        (json.dumps(RECORD | {"seen": {"type": "x" * 100}}), "shape"),
        (json.dumps(RECORD | {"observed_at": "yesterday"}), "ISO 8601"),
    ],
)
def test_a_malformed_observed_line_names_the_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "seen.jsonl"
    path.write_text(json.dumps(RECORD) + "\n" + line + "\n")
    with pytest.raises(InputError) as raised:
        read_observed([path], None)
    assert f"{path}:2" in raised.value.message and expected in raised.value.message


# --- the report escapes what a site sends --------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "@everyone #1 [x](http://e)",
            "`| a | b |`",
            "</td></tr></table><h1>x",
            "&amp; &lt;",
            "\u2028\x00\x1b[31m",
        ]
    ),
    st.text(max_size=80),
)
ALLOWED_HTML = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "p",
    "span",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "b",
    "br",
    "ul",
    "li",
    "div",
}
MARKDOWN_TAGS = {"h1", "h2", "p", "strong", "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li"}
ALLOWED_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "class", "title"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def hostile_report(text: str) -> NightReport:
    bad = deviation(A + "/" + text[:20])
    bad.pointer, bad.summary, bad.detail = "/" + text, text, text
    site = SiteRun(
        name="acme",
        status=ERROR,
        flavor=text,
        jsm_version=text,
        platform_version=text,
        errors=[text],
        config={"where": text, "access": text},
        operations={bad.operation: OperationCell(bad.operation, text, statuses={text: 1}, outcome="failed")},
        deviations=[bad],
    )
    return NightReport(generated_at=NOW, sites=[site], run_url=text, previous=text)


@settings(max_examples=60)
@given(HOSTILE)
def test_the_html_report_shows_hostile_text_as_text(text: str) -> None:
    page = html_page(hostile_report(text))
    parser = Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_HTML, tag
        assert {name for name, _ in attrs} <= ALLOWED_ATTRIBUTES, (tag, attrs)
    assert sum(tag == "meta" and ("http-equiv", "Content-Security-Policy") in attrs for tag, attrs in parser.tags) == 1


@settings(max_examples=60)
@given(HOSTILE)
def test_the_markdown_report_keeps_hostile_text_in_code(text: str) -> None:
    rendered = MarkdownIt("commonmark").enable("table").render(markdown(hostile_report(text)))
    parser = Tags()
    parser.feed(rendered)
    assert {tag for tag, _ in parser.tags} <= MARKDOWN_TAGS
    outside = re.sub(r"<code>.*?</code>", "", rendered, flags=re.DOTALL)
    assert "@" not in outside, "a mention only inside code, where GitHub does not link it"
    plan = plan_alerts(hostile_report(text), [])
    assert plan.open is not None
    body = MarkdownIt("commonmark").enable("table").render(plan.open[1])
    assert not re.search(r"<(?!/?(p|table|thead|tbody|tr|th|td|code)>)", body.replace("<!-- ", ""))


def test_the_report_of_a_real_night_is_one_self_contained_page() -> None:
    report = night_report(
        [SiteRun(name="acme", status=RAN, flavor="cloud", jsm_version="1001.0.0", deviations=[deviation(A)])],
        [],
        None,
        now=NOW,
    )
    page = html_page(report)
    assert page.startswith("<!doctype html>") and "JSM 1001.0.0" in page and "c-new" in page


# --- findings from real check failures -----------------------------------------------------------------------------

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/servicedeskapi/thing": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "values": {
                                            "type": "array",
                                            "items": {"type": "object", "properties": {"id": {"type": "string"}}},
                                        }
                                    },
                                }
                            }
                        },
                    }
                }
            }
        }
    },
}


def test_check_failures_become_findings_without_the_answers_values(loopback: Any) -> None:
    secret_value = "ann.private@example.com"
    answers = iter(
        [
            json_reply(200, {"values": [{"id": "1"}, {"id": 2}], secret_value: 1, "errorMessages": [secret_value]}),
            json_reply(418, {"x": secret_value}),
        ]
    )
    loopback.handler = lambda _request: next(answers)
    operation = schemathesis.openapi.from_dict(DOCUMENT)["/servicedeskapi/thing"]["GET"]
    log = FindingLog()
    for _ in range(2):
        case = operation.Case()
        response = case.call(base_url=loopback.url)
        with pytest.raises(FailureGroup) as raised:
            case.validate_response(response, checks=[response_schema_conformance, status_code_conformance])
        log.record(operation.label, raised.value.exceptions, response.status_code)
    log.settle("test_operation[GET /servicedeskapi/thing]", "GET /servicedeskapi/thing", "failed")
    found = [f.as_json("server") for f in log.deviations()]
    places = {(f["check"], f["pointer"], f["detail"]) for f in found}
    assert ("response_schema_conformance", "/values/*/id", "type") in places, "an index becomes *"
    assert ("response_schema_conformance", "/errorMessages", "additionalProperties") in places
    assert ("response_schema_conformance", "/*", "additionalProperties") in places, "a key that is not a name: *"
    assert ("status_code_conformance", "", "418") in places
    assert all(f["operation"] == "GET /rest/servicedeskapi/thing" for f in found), "Server's wire path"
    assert secret_value not in json.dumps(found), "no value of the answer in a finding"
    ids = next(f for f in found if f["pointer"] == "/values/*/id")
    assert ids["summary"] == "expected string, seen integer" and ids["code"] == "ST108"


# --- damaged or hostile files: a clear error or a result, never a crash --------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)


def mutated(value: Any, data: st.DataObject) -> Any:
    """`value` with one node somewhere replaced by arbitrary JSON."""
    if isinstance(value, dict) and value and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(value)))
        return {**value, key: mutated(value[key], data)}
    if isinstance(value, list) and value and data.draw(st.booleans()):
        index = data.draw(st.integers(0, len(value) - 1))
        return [*value[:index], mutated(value[index], data), *value[index + 1 :]]
    return data.draw(JSON)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_previous_report_is_an_input_error_or_a_report(data: st.DataObject) -> None:
    site = SiteRun(
        name="acme",
        status=RAN,
        flavor="cloud",
        operations={A: OperationCell(A, A, 1, {"200": 1}, "failed", [deviation(A).fingerprint])},
        deviations=[deviation(A)],
        unchecked=[deviation(B)],
    )
    good = night(site).as_json()
    try:
        report = NightReport.from_json(mutated(good, data), "previous.json")
    except InputError:
        return
    tonight = SiteRun(name="acme", status=RAN, deviations=[deviation(A)])
    for before in report.sites:
        compare_site(tonight, before, NOW)
    html_page(report), markdown(report), plan_alerts(report, [])


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_part_is_an_input_error_or_a_site_with_an_error(tmp_path: Path, data: st.DataObject) -> None:
    good = part("1/1", result("1/1", {A: "failed"}, [(A, "/id")]))
    text = mutated(good.as_json(), data)
    path = tmp_path / "part.json"
    path.write_text(json.dumps(text))
    try:
        loaded = load_part(path)
    except InputError:
        return
    site = merge_site("acme", [loaded], None)
    assert site.status in (RAN, ERROR, INCOMPLETE)
    html_page(night(site)), markdown(night(site))


def test_a_report_nested_too_deep_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "conformance.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError) as raised:
        load_previous(path)
    assert str(path) in raised.value.message and "RecursionError" in raised.value.message
    with pytest.raises(InputError):
        load_part(path)


TOML_VALUES = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
SITE_KEYS = st.sampled_from(
    ["name", "target", "base_url", "base_url_env", "flavor", "credentials", "sandbox_service_desk", "environment",
     "observed", "defects", "operations", "examples", "budget", "rate", "shards", "other"]
)  # fmt: skip


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sites=st.lists(st.dictionaries(SITE_KEYS, TOML_VALUES, max_size=8), min_size=1, max_size=3))
def test_any_sites_file_is_valid_or_an_input_error_naming_it(tmp_path: Path, sites: list[dict[str, Any]]) -> None:
    import tomli_w

    path = tmp_path / "conformance.toml"
    path.write_text(tomli_w.dumps({"site": sites}))
    try:
        loaded = load_sites(path)
    except InputError as exc:
        assert str(path) in exc.message
        return
    for site in loaded.sites:
        assert re.fullmatch(r"[a-z0-9-]{1,40}", site.name) and site.target in ("live", "mock")
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in site.secret_names)
