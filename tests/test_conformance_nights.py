"""Nightly conformance end to end: three mock JSM sites (Cloud, DC, and a DC with a deliberate defect) run from a
sites file as live sites (GET only, each with its own credentials read from the variables the file names), night
after night, with the alert plan carried out on a stand-in issue tracker the way the workflow's `gh` calls do.

- night 1: the defect's deviations are new; exactly one alert opens; JUnit, summary and result per site;
- night 2 (two of the sites): the defect is gone from the DC site (its deviations are fixed, the alert closes), a
  new one appears on the Cloud site (exactly one new alert); an observed-deviation file given for the site that did
  not run joins its report;
- night 3 (the Cloud site, now in 2 shards): its deviations are still failing, nothing opens or closes, and the
  shards merge into the same result as night 2's unsharded run of the same site with the same seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jsm_openapi.conformance.alerts import parse_marker
from jsm_openapi.mock import Defect, RunningMock, run_mock

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SEED = "20251123"
GET_SERVICEDESKS = "GET /rest/servicedeskapi/servicedesk"


@dataclass
class Tracker:
    """Issues as `gh` would keep them; `apply` does what the workflow's alert step does with the plan."""

    issues: dict[int, dict[str, Any]] = field(default_factory=dict)

    def open_issues(self, path: Path) -> Path:
        data = [{"number": n, "body": i["body"]} for n, i in self.issues.items() if i["open"]]
        path.write_text(json.dumps(data))
        return path

    def apply(self, out: Path) -> dict[str, Any]:
        plan = json.loads((out / "alert-plan.json").read_text())
        for item in plan["close"]:
            self.issues[item["number"]]["open"] = False
            self.issues[item["number"]]["comments"].append(item["comment"])
        for item in plan["comment"]:
            self.issues[item["number"]]["comments"].append(item["comment"])
        if (out / "alert-issue.md").exists():
            number = len(self.issues) + 1
            title = (out / "alert-title.txt").read_text().strip()
            self.issues[number] = {"title": title, "body": (out / "alert-issue.md").read_text(), "open": True}
            self.issues[number]["comments"] = []
        return dict(plan)


@dataclass
class Night:
    code: int
    output: str
    report: dict[str, Any]
    plan: dict[str, Any]
    opened: list[int]

    def site(self, name: str) -> dict[str, Any]:
        return next(site for site in self.report["sites"] if site["name"] == name)


@dataclass
class World:
    folder: Path
    sites_file: Path
    env: dict[str, str]
    mocks: dict[str, RunningMock]
    tracker: Tracker = field(default_factory=Tracker)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "jsm_openapi", *args]
        return subprocess.run(command, cwd=REPO, env=self.env, capture_output=True, text=True, check=False, timeout=900)

    def night(self, out: Path, *args: str) -> Night:
        run = self.cli("conformance", "run", "--sites", str(self.sites_file), "--out", str(out), "--seed", SEED, *args)
        assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-5000:]
        issues = self.tracker.open_issues(out / "open-issues.json")
        alert = self.cli(
            "conformance",
            "alert",
            "--report",
            str(out / "conformance.json"),
            "--open-issues",
            str(issues),
            "--out",
            str(out),
        )
        assert alert.returncode == 0, alert.stderr
        before = set(self.tracker.issues)
        plan = self.tracker.apply(out)
        report = json.loads((out / "conformance.json").read_text())
        for name in ("alert-issue.md", "alert-title.txt"):
            (out / name).unlink(missing_ok=True)  # the workflow's workspace is fresh every night
        opened = sorted(set(self.tracker.issues) - before)
        return Night(run.returncode, run.stdout + run.stderr, report, plan, opened)


SITES = """
[defaults]
examples = 1
rate = 1000

[[site]]
name = "cloud-a"
base_url = "{a}"
credentials = {{ user = "CLOUD_A_USER", api_token = "CLOUD_A_API_TOKEN" }}
shards = {shards}

[[site]]
name = "dc-b"
base_url = "{b}"
flavor = "server"
credentials = {{ user = "DC_B_USER", password = "DC_B_PASSWORD" }}
observed = ["observed/dc-b-*.jsonl"]

[[site]]
name = "dc-c"
base_url = "{c}"
credentials = {{ pat = "DC_C_PAT" }}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ExitStack() as stack:
        mocks = {
            "cloud-a": stack.enter_context(run_mock("cloud")),
            "dc-b": stack.enter_context(run_mock("server")),
            "dc-c": stack.enter_context(run_mock("server", defects={Defect.INTEGER_IDS})),
        }
        folder = tmp_path_factory.mktemp("conformance")
        urls = {
            key: mock.base_url for key, mock in (("a", mocks["cloud-a"]), ("b", mocks["dc-b"]), ("c", mocks["dc-c"]))
        }
        sites_file = folder / "conformance.toml"
        sites_file.write_text(SITES.format(shards=1, **urls))
        (folder / "sharded.toml").write_text(SITES.format(shards=2, **urls))
        (folder / "observed").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("JSM_") or k == "JSM_SPEC_MIRROR"}
        env |= {
            "JSM_OPENAPI_ROOT": str(REPO),
            "CLOUD_A_USER": mocks["cloud-a"].admin.login,
            "CLOUD_A_API_TOKEN": mocks["cloud-a"].admin.password,
            "DC_B_USER": mocks["dc-b"].admin.login,
            "DC_B_PASSWORD": mocks["dc-b"].admin.password,
            "DC_C_PAT": mocks["dc-c"].admin.token,
        }
        yield World(folder, sites_file, env, mocks)


@pytest.fixture(scope="module")
def nights(world: World) -> list[Night]:
    """Three nights in a row, in one folder (each compares with the report the one before left there)."""
    out = world.folder / "out"
    first = world.night(out, "--jobs", "2")
    world.mocks["dc-c"].defects.clear()  # the DC site is fixed …
    world.mocks["cloud-a"].defects.add(Defect.INTEGER_IDS)  # … and the Cloud site breaks
    (world.folder / "observed" / "dc-b-1.jsonl").write_text(json.dumps(OBSERVED) + "\n")
    second = world.night(out, "--site", "cloud-a", "--site", "dc-c", "--jobs", "2")
    world.sites_file = world.folder / "sharded.toml"  # the same sites, cloud-a now in 2 shards
    third = world.night(out, "--site", "cloud-a", "--jobs", "2")
    return [first, second, third]


OBSERVED = {  # one record as the facade's validate="warn" writes it (format jsm-observed-deviation, version 1)
    "format": "jsm-observed-deviation",
    "version": 1,
    "observed_at": "2025-11-22T10:00:00Z",
    "source": "jsm-client 0.2.0",
    "flavor": "server",
    "site": {"version": "10.3.0", "platform_version": "10.3.0"},
    "document": {"package": "jsm_server", "patched_sha256": "0" * 64},
    "operation": "GET /servicedeskapi/request/{issueIdOrKey}/sla",
    "status": 200,
    "pointer": "/values/0/ongoingCycle/breachTime",
    "path": "/values/*/ongoingCycle/breachTime",
    "keyword": "type",
    "expected": "object",
    "seen": {"type": "string", "length": 29},
    "schema": "#/components/schemas/SlaInformationOngoingCycleDTO/properties/breachTime/type",
}


def fingerprints(site: dict[str, Any], key: str = "deviations") -> set[str]:
    return {d["fingerprint"] for d in site[key]}


def test_night_one_reports_the_defect_as_new_and_opens_exactly_one_alert(nights: list[Night], world: World) -> None:
    night = nights[0]
    assert night.code == 1, "deviations found: exit 1 (--fail-on any)"
    a, b, c = (night.site(name) for name in ("cloud-a", "dc-b", "dc-c"))
    assert (a["flavor"], b["flavor"], c["flavor"]) == ("cloud", "server", "server"), "detected or given"
    assert a["jsm_version"] == "1001.0.0" and c["jsm_version"] == "11.3.0", "each site's version from /info"
    assert a["status"] == b["status"] == c["status"] == "ran"
    assert not a["deviations"] and not b["deviations"]
    assert c["deviations"] and all(d["state"] == "new" for d in c["deviations"])
    ids = [d for d in c["deviations"] if d["operation"] == GET_SERVICEDESKS and d["pointer"] == "/values/*/id"]
    assert len(ids) == 1 and ids[0]["summary"] == "expected string, seen integer"
    assert ids[0]["check"] == "response_schema_conformance" and ids[0]["detail"] == "type"
    # one alert, listing every new deviation of the one site that has them
    assert night.opened == [1]
    issue = world.tracker.issues[1]
    assert "dc-c" in issue["title"] and "cloud-a" not in issue["title"]
    assert parse_marker(issue["body"]) == {("dc-c", fp) for fp in fingerprints(c)}
    # JUnit, summary and result per site, as a single-site run writes them
    sites = world.folder / "out" / "sites"
    for name, flavor in (("cloud-a", "cloud"), ("dc-b", "server"), ("dc-c", "server")):
        for report in (f"junit-live-{flavor}.xml", f"summary-live-{flavor}.md", f"result-live-{flavor}.json"):
            assert (sites / name / "all" / report).is_file(), (name, report)
    log = (sites / "dc-c" / "all" / "pytest.log").read_text()
    assert world.env["DC_C_PAT"] not in log and world.env["CLOUD_A_API_TOKEN"] not in log


def test_night_two_reports_the_fix_closes_the_alert_and_opens_one_for_the_new_defect(
    nights: list[Night], world: World
) -> None:
    first, second = nights[0], nights[1]
    c, a, b = second.site("dc-c"), second.site("cloud-a"), second.site("dc-b")
    assert not c["deviations"], "the defect is gone"
    assert fingerprints(c, "fixed") == fingerprints(first.site("dc-c")), "every earlier deviation is reported fixed"
    assert all(d["state"] == "fixed" for d in c["fixed"])
    assert a["deviations"] and all(d["state"] == "new" for d in a["deviations"])
    assert second.report["totals"]["fixed"] == len(c["fixed"]) and second.report["previous"]
    # the first alert closes (every deviation fixed), exactly one new alert opens, for the Cloud site
    assert [item["number"] for item in second.plan["close"]] == [1]
    assert world.tracker.issues[1]["open"] is False
    assert second.opened == [2]
    assert "cloud-a" in world.tracker.issues[2]["title"] and "dc-c" not in world.tracker.issues[2]["title"]
    assert parse_marker(world.tracker.issues[2]["body"]) == {
        (site["name"], d["fingerprint"]) for site in second.report["sites"] for d in site["deviations"]
    }, "the one alert tracks every new deviation of the night (the observed one on dc-b too)"
    # dc-b did not run tonight, but the observed-deviation file given for it joins its report (traffic, not a run)
    assert b["status"] == "not run" and b["flavor"] == "server", "what it was when it last ran"
    observed = [d for d in b["deviations"] if d["sources"] == ["observed"]]
    assert len(observed) == 1 and len(b["deviations"]) == 1
    assert observed[0]["operation"] == "GET /rest/servicedeskapi/request/{issueIdOrKey}/sla"
    assert observed[0]["pointer"] == "/values/*/ongoingCycle/breachTime" and observed[0]["state"] == "new"
    assert b["observed_files"] == ["dc-b-1.jsonl"]


def test_night_three_in_two_shards_keeps_the_alert_open_and_opens_nothing(nights: list[Night], world: World) -> None:
    second, third = nights[1], nights[2]
    a = third.site("cloud-a")
    assert a["shards"] == 2 and a["shards_ran"] == [1, 2] and a["status"] == "ran"
    assert a["deviations"] and all(d["state"] == "still" for d in a["deviations"])
    assert fingerprints(a) == fingerprints(second.site("cloud-a"))
    assert third.site("dc-b")["status"] == third.site("dc-c")["status"] == "not run"
    assert [d["state"] for d in third.site("dc-b")["deviations"]] == ["still"], "traffic is read every night"
    assert third.opened == [] and third.plan["close"] == [] and third.plan["comment"] == []
    assert world.tracker.issues[2]["open"] is True


def test_two_shards_merge_into_the_same_result_as_one_unsharded_run(nights: list[Night], world: World) -> None:
    """Night 3 ran cloud-a in 2 shards, night 2 unsharded, with the same seed on the same (unchanged) site."""

    def essentials(site: dict[str, Any]) -> Any:
        cells = {
            c["operation"]: (c["requests"], c["statuses"], c["outcome"], sorted(c["deviations"]))
            for c in site["operations"]
        }
        devs = {
            d["fingerprint"]: (d["operation"], d["check"], d["pointer"], d["detail"], d["tests"], d["count"])
            for d in site["deviations"]
        }
        return cells, devs, sorted(site["completed_tests"])

    sharded, whole = essentials(nights[2].site("cloud-a")), essentials(nights[1].site("cloud-a"))
    assert sharded[0] == whole[0], "every operation: same requests, status codes, outcome and deviations"
    assert sharded[1] == whole[1], "the same deviations, found by the same tests"
    assert sharded[2] == whole[2], "the same tests ran"
    # each operation ran in exactly one shard, and together the shards ran them all
    folder = world.folder / "out" / "sites" / "cloud-a"
    scopes = []
    for slug in ("1of2", "2of2"):
        result = json.loads(next((folder / slug).glob("result-*.json")).read_text())
        scopes.append({o["wire"] for o in result["operations"] if o["in_scope"]})
    assert scopes[0] and scopes[1] and not scopes[0] & scopes[1]
    assert scopes[0] | scopes[1] == set(sharded[0])


def test_the_report_across_sites_shows_every_site_version_and_state(nights: list[Night], world: World) -> None:
    out = world.folder / "out"
    markdown = (out / "conformance.md").read_text()
    page = (out / "conformance.html").read_text()
    assert "## Operations × sites" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith(f"| `{GET_SERVICEDESKS}` |"))
    assert row.count("❌") == 1 and row.count("⚪") == 2, "night 3 ran only cloud-a: still failing; others not run"
    assert "JSM 1001.0.0" in markdown and "JSM 11.3.0" in markdown
    assert 'class="c-failing"' in page and 'http-equiv="Content-Security-Policy"' in page
    for fetching in ("<script", "<link", "<img", "src=", "href=", "url("):
        assert fetching not in page, f"the page is self-contained: {fetching}"
