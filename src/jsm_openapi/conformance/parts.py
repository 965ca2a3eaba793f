"""Parts: one contract run of one site (or one shard of it), as `part.json`; read back and merged into sites.

A part (format `jsm-conformance-part`, version 1) holds the site's name and configuration, the shard, the seed, the
run's exit code, an error when it could not run, and the contract run's result (`result-*.json`). The workflow
uploads each job's part as an artefact; the final job merges them. Merging a site's shards keeps each operation
from the shard that had it in scope, and unions the deviations (by fingerprint) and the tests that ran.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contract.shard import Shard, parse_shard
from ..documents import write_atomic
from ..errors import InputError, JsmOpenapiError
from .model import CONTRACT, ERROR, INCOMPLETE, NOT_RUN, RAN, Deviation, OperationCell, SiteRun, read_json
from .sites import NAME, Site

PART_FORMAT = "jsm-conformance-part"
PART_VERSION = 1
PART_FILE = "part.json"
RAN_CODES = (0, 1, 5)  # pytest: passed, failures, nothing collected (an empty shard) — the run itself completed


@dataclass
class Part:
    site: str
    config: dict[str, Any]
    shard: Shard | None
    seed: int
    exit_code: int
    error: str | None
    wall_time: float
    result: dict[str, Any] | None
    path: Path | None = None

    @property
    def ran(self) -> bool:
        return self.result is not None and self.exit_code in RAN_CODES

    def as_json(self) -> dict[str, Any]:
        return {
            "format": PART_FORMAT,
            "version": PART_VERSION,
            "site": self.site,
            "config": self.config,
            "shard": str(self.shard) if self.shard else None,
            "seed": self.seed,
            "exit_code": self.exit_code,
            "error": self.error,
            "wall_time": round(self.wall_time, 3),
            "result": self.result,
        }

    def write(self, directory: Path) -> Path:
        path = directory / PART_FILE
        write_atomic(path, (json.dumps(self.as_json(), indent=1, ensure_ascii=False) + "\n").encode())
        return path


def failed_part(site: Site, shard: Shard | None, seed: int, error: JsmOpenapiError) -> Part:
    """A part for a run that could not start (a missing credential variable, …)."""
    hint = f" ({error.hint})" if error.hint else ""
    return Part(site.name, site.describe(), shard, seed, int(error.exit_code), error.message + hint, 0.0, None)


def load_part(path: Path) -> Part:
    where = str(path)
    data = read_json(path, "conformance part", "the artefact is damaged: rerun its job")
    if not isinstance(data, dict) or data.get("format") != PART_FORMAT or data.get("version") != PART_VERSION:
        raise InputError(f"{where} is not a conformance part (version {PART_VERSION})", hint="rerun the site's job")
    site = data.get("site")
    if not isinstance(site, str) or not NAME.match(site):
        raise InputError(f"{where}: the part names no valid site", hint="rerun the site's job")
    result = data.get("result")
    if result is not None and (not isinstance(result, dict) or result.get("format") != "jsm-contract-result"):
        raise InputError(f"{where}: the part's result is not a contract result", hint="rerun the site's job")
    seed, code, wall = data.get("seed"), data.get("exit_code"), data.get("wall_time", 0.0)
    numbers = (seed, code, wall)
    if any(isinstance(n, bool) for n in numbers) or not isinstance(seed, int) or not isinstance(code, int):
        raise InputError(f"{where}: seed and exit_code must be whole numbers", hint="rerun the site's job")
    if not isinstance(wall, int | float):
        raise InputError(f"{where}: wall_time must be a number of seconds", hint="rerun the site's job")
    config, shard = data.get("config"), data.get("shard")
    if shard is not None and not isinstance(shard, str):
        raise InputError(f"{where}: shard must be i/n or null", hint="rerun the site's job")
    return Part(
        site=site,
        config=config if isinstance(config, dict) else {},
        shard=parse_shard(shard),
        seed=seed,
        exit_code=code,
        error=str(data["error"]) if data.get("error") else None,
        wall_time=float(wall),
        result=result,
        path=path,
    )


def find_parts(folders: list[Path]) -> list[Part]:
    """Every part.json under the folders (artefacts downloaded side by side), in a stable order."""
    paths: list[Path] = []
    for folder in folders:
        if folder.is_file() and folder.name == PART_FILE:
            paths.append(folder)
        elif folder.is_dir():
            paths.extend(sorted(folder.rglob(PART_FILE)))
        else:
            raise InputError(f"parts folder {folder} does not exist", hint="give the folder the artefacts went to")
    return [load_part(path) for path in sorted(set(paths))]


def merge_site(name: str, parts: list[Part], site: Site | None) -> SiteRun:
    """One site's parts (its shards, or one unsharded run) as one SiteRun."""
    config = site.describe() if site is not None else (parts[0].config if parts else {})
    run = SiteRun(name=name, config=config, shards=site.shards if site is not None else 1)
    if not parts:
        run.status = NOT_RUN
        return run
    counts = {part.shard.count if part.shard else 1 for part in parts}
    if len(counts) > 1:
        run.status = ERROR
        run.errors.append(f"the parts disagree on the number of shards ({sorted(counts)}): rerun the site")
        return run
    run.shards = counts.pop()
    seen: Counter[int] = Counter(part.shard.index if part.shard else 1 for part in parts)
    twice = sorted(index for index, count in seen.items() if count > 1)
    if twice:
        run.status = ERROR
        paths = ", ".join(str(p.path) for p in parts if (p.shard.index if p.shard else 1) in twice)
        run.errors.append(f"shard {twice[0]} appears more than once ({paths}): keep one run per shard")
        return run
    seeds = {part.seed for part in parts}
    if len(seeds) > 1:
        run.status = ERROR
        run.errors.append(f"the shards ran with different seeds {sorted(seeds)}: one night runs every shard alike")
        return run
    run.seed = seeds.pop()
    deviations: dict[str, Deviation] = {}
    completed: set[str] = set()
    for part in sorted(parts, key=lambda p: p.shard.index if p.shard else 1):
        index = part.shard.index if part.shard else 1
        if not part.ran or part.result is None:
            label = f"shard {part.shard}" if part.shard else "the run"
            run.errors.append(f"{label} did not complete (exit {part.exit_code}): {part.error or 'no result'}")
            continue
        try:
            _absorb(run, part.result, deviations, completed)
        except (InputError, ValueError, TypeError, AttributeError) as exc:
            what = exc.message if isinstance(exc, InputError) else type(exc).__name__
            run.errors.append(f"{part.path or 'a part'}: its result is malformed ({what}): rerun the job")
            continue
        run.shards_ran.append(index)
    run.shards_ran.sort()
    if not run.shards_ran:
        run.status = ERROR
    elif len(run.shards_ran) < run.shards:
        missing = sorted(set(range(1, run.shards + 1)) - set(run.shards_ran))
        run.status = INCOMPLETE
        run.errors.append(
            f"shard(s) {', '.join(map(str, missing))} of {run.shards} missing: their operations are unchecked"
        )
    else:
        run.status = RAN
    run.deviations = sorted(deviations.values(), key=lambda d: (d.operation, d.check, d.pointer, d.detail))
    run.completed_tests = sorted(completed)
    for deviation in run.deviations:
        cell = run.operations.get(deviation.operation)
        if cell is not None and deviation.fingerprint not in cell.deviations:
            cell.deviations.append(deviation.fingerprint)
    return run


def _absorb(run: SiteRun, result: dict[str, Any], deviations: dict[str, Deviation], completed: set[str]) -> None:
    flavor = result.get("flavor")
    if isinstance(flavor, str) and run.flavor is None:
        run.flavor = flavor
    given = result.get("site")
    facts: dict[str, Any] = given if isinstance(given, dict) else {}
    run.jsm_version = run.jsm_version or _text(facts.get("version"))
    run.platform_version = run.platform_version or _text(facts.get("platform_version"))
    run.examples = result.get("examples") if isinstance(result.get("examples"), int) else run.examples
    run.requests_sent += int(result.get("requests_sent") or 0)
    run.duration += float(result.get("duration") or 0.0)
    if result.get("stopped") and run.stopped is None:
        run.stopped = str(result["stopped"])
    for entry in result.get("operations") or []:
        if not isinstance(entry, dict) or not entry.get("in_scope") or not isinstance(entry.get("wire"), str):
            continue  # requests outside the shard's scope (discovery) belong to the shard that owns the operation
        run.operations[entry["wire"]] = OperationCell(
            operation=entry["wire"],
            label=str(entry.get("operation") or entry["wire"]),
            requests=int(entry.get("requests") or 0),
            statuses={str(k): int(v) for k, v in (entry.get("statuses") or {}).items()},
            outcome=str(entry.get("outcome") or "not run"),
        )
    completed.update(str(t) for t in result.get("completed_tests") or [])
    for data in result.get("deviations") or []:
        incoming = Deviation.from_json(data, "a contract result")
        incoming.tests = [str(data.get("test"))] if data.get("test") else []
        incoming.sources = [CONTRACT]
        known = deviations.get(incoming.fingerprint)
        if known is None:
            deviations[incoming.fingerprint] = incoming
        else:
            known.count += incoming.count
            known.tests = sorted(set(known.tests) | set(incoming.tests))


def _text(value: Any) -> str | None:
    return str(value)[:64] if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def merge_parts(parts: list[Part], sites: list[Site] | None) -> list[SiteRun]:
    """Every site: the sites file's (in its order, parts or not) and any other site a part names."""
    by_site: dict[str, list[Part]] = {}
    for part in parts:
        by_site.setdefault(part.site, []).append(part)
    known = {site.name: site for site in sites or []}
    names = list(known) + sorted(name for name in by_site if name not in known)
    return [merge_site(name, by_site.get(name, []), known.get(name)) for name in names]
