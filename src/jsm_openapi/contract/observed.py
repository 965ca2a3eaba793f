"""The contract suite's observed deviations: every answer of a live (or mock) run held to the patched document with
the facade's validator, each distinct deviation written to `reports/contract/observed-<target>-<flavor>.jsonl` in
the format `jsm.Client(..., deviations_file=...)` writes (`jsm.deviations`), so `jsm-openapi drift --observed`
turns a nightly run into alerts. Records hold shapes, never values (and no URL or credential)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from jsm.deviations import DeviationLog
from jsm.validation import Answer, ResponseSchemas, find_deviations


class ObservedRecorder:
    """Checks answers by operation label and status; appends each distinct deviation once."""

    def __init__(self, path: Path, *, flavor: str, site_info: Callable[[], Mapping[str, Any] | None]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # one run, one file
        self.path = path
        self.flavor = flavor
        self.package = f"jsm_{flavor}"
        self.schemas = ResponseSchemas.of(self.package)
        self.log = DeviationLog(path, source="jsm-openapi contract suite")
        self._site_info = site_info
        self._site: tuple[str | None, str | None] | None = None
        self._seen: set[tuple[Any, ...]] = set()
        self.recorded = 0

    def record(self, label: str, status: int, headers: Mapping[str, Any], content: bytes) -> None:
        if label not in self.schemas.operations:
            return
        content_type = headers.get("Content-Type") or headers.get("content-type") or ""
        if isinstance(content_type, list):
            content_type = content_type[0] if content_type else ""
        deviations, _ = find_deviations(self.schemas, Answer(self.flavor, label, status, str(content_type), content))
        for deviation in deviations:
            if deviation.key in self._seen:
                continue
            self._seen.add(deviation.key)
            version, platform = self._versions()
            self.log.append(replace(deviation, site_version=version, platform_version=platform, document=self._doc()))
            self.recorded += 1

    def _versions(self) -> tuple[str | None, str | None]:
        if self._site is None:
            info = self._site_info() or {}
            version, platform = info.get("version"), info.get("platformVersion")
            self._site = (
                str(version)[:64] if isinstance(version, str) else None,
                str(platform)[:64] if isinstance(platform, str) else None,
            )
        return self._site

    def _doc(self) -> dict[str, str]:
        import importlib

        provenance = getattr(importlib.import_module(f"{self.package}._provenance"), "PROVENANCE", {})
        return {"package": self.package, "patched_sha256": str(provenance.get("patched_sha256", ""))}
