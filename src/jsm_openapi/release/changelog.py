"""A generated package's CHANGELOG.md: the Python API diff since the last release, with the document-level drift
summary beside it (pins compared with `jsm_openapi.drift`, overlays and other inputs by digest), then the released
entries from the ledger."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..fetch import Fetcher
    from ..sources import Flavor
    from .apidiff import ApiChange, ApiDiff
    from .versions import Ledger, Release

LIMIT = 200  # changes listed per section; the rest are counted (`jsm-openapi release diff` lists them all)


def package_changelog(
    flavor: Flavor, release: Release, ledger: Ledger | None, stamp: dict[str, Any], fetcher: Fetcher | None
) -> str:
    lines = [
        f"# Changelog of {flavor.project}",
        "",
        "The version follows the inputs (pinned documents, overlays, generator): a breaking change to the Python API "
        "moves the major part, any other API change the minor part, any other input change the patch part.",
        "",
    ]
    if release.bump not in {"same", "first"} or ledger is None:
        lines += entry(flavor, release, ledger, stamp, fetcher)
    history = entries_of(ledger.history) if ledger else ""
    text = "\n".join(lines).rstrip("\n") + "\n"
    return text + ("\n" + history if history else "")


def entries_of(changelog: str) -> str:
    """The released entries of a changelog (from its first `## ` heading on)."""
    match = re.search(r"(?m)^## ", changelog)
    return changelog[match.start() :].rstrip("\n") + "\n" if match else ""


def entry(
    flavor: Flavor, release: Release, ledger: Ledger | None, stamp: dict[str, Any], fetcher: Fetcher | None
) -> list[str]:
    lines = [f"## {release.version}", ""]
    if ledger is None:
        return [*lines, f"First release (inputs stamp `{stamp['stamp'][:12]}`).", ""]
    lines += [
        f"From {ledger.version} (inputs stamp `{ledger.stamp[:12]}`) to inputs stamp `{stamp['stamp'][:12]}`: "
        f"{release.bump} release.",
        "",
    ]
    if release.diff is not None:
        lines += api_section(release.diff)
    lines += inputs_section(flavor, ledger, stamp, fetcher)
    return lines


def api_section(diff: ApiDiff) -> list[str]:
    lines = [
        f"### Python API: {len(diff.breaking)} breaking, {len(diff.non_breaking)} non-breaking",
        "",
    ]
    if not diff.changes:
        return [*lines, "No change a user's code can see.", ""]
    for title, changes in (("Breaking", diff.breaking), ("Non-breaking", diff.non_breaking)):
        if not changes:
            continue
        lines += [f"{title}:", ""]
        lines += [f"- {describe(change)}" for change in changes[:LIMIT]]
        if len(changes) > LIMIT:
            lines.append(f"- … and {len(changes) - LIMIT} more (`jsm-openapi release diff` lists them all)")
        lines.append("")
    return lines


def describe(change: ApiChange) -> str:
    """One change as a changelog line: what, where, old → new, why (and its fingerprint)."""
    if change.change == "renamed":
        text = f"renamed {change.what} `{change.old}` → `{change.new}`"
    elif change.change == "added":
        text = f"added {change.what} `{change.path}`" + (f": `{change.new}`" if change.new else "")
    elif change.change == "removed":
        text = f"removed {change.what} `{change.path}`"
    else:
        text = f"changed {change.what} `{change.path}`: `{change.old}` → `{change.new}`"
    return f"{text} ({change.reason}) [{change.fingerprint}]"


def inputs_section(flavor: Flavor, ledger: Ledger, stamp: dict[str, Any], fetcher: Fetcher | None) -> list[str]:
    lines = ["### Documents and overlays", ""]
    before = {d.get("name"): d for d in ledger.inputs.get("documents", [])}
    for pin in flavor.documents:
        old = before.get(pin.name)
        if old is None:
            lines.append(f"- {pin.name}: new document {pin.version} (`{pin.sha256[:12]}`)")
        elif old.get("sha256") != pin.sha256:
            lines.append(
                f"- {pin.name}: {old.get('version')} (`{str(old.get('sha256'))[:12]}`) → {pin.version} "
                f"(`{pin.sha256[:12]}`): {_drift(pin, old, fetcher)}"
            )
    for name in sorted(set(before) - {pin.name for pin in flavor.documents}):
        lines.append(f"- {name}: no longer built from")
    old_overlays: dict[str, str] = ledger.inputs.get("overlays", {})
    new_overlays: dict[str, str] = stamp.get("overlays", {})
    for label, names in (
        ("added", sorted(set(new_overlays) - set(old_overlays))),
        ("removed", sorted(set(old_overlays) - set(new_overlays))),
        ("changed", sorted(n for n in set(new_overlays) & set(old_overlays) if new_overlays[n] != old_overlays[n])),
    ):
        if names:
            lines.append(f"- overlays {label}: " + ", ".join(f"`{n}`" for n in names))
    other_before = ledger.inputs.get("other", {})
    others = sorted(
        key
        for key, value in stamp.items()
        if key not in {"documents", "overlays", "stamp"} and value is not None and other_before.get(key) != value
    )
    if others:
        lines.append("- other inputs changed: " + ", ".join(_INPUT_NAMES.get(key, key) for key in others))
    if len(lines) == 2:
        lines.append("- no document or overlay changed")
    return [*lines, ""]


_INPUT_NAMES = {
    "generator_config": "the generator configuration",
    "templates": "the generator templates",
    "allowlist": "the accepted generator warnings",
    "toolchain": "the generator toolchain",
    "jsm_openapi": "jsm-openapi's pipeline code",
}


def _drift(pin: Any, old: dict[str, Any], fetcher: Fetcher | None) -> str:
    """The drift summary of one re-pinned document (drift's own comparison and counts), or why there is none."""
    from dataclasses import replace

    from ..drift.inputs import load_pinned
    from ..drift.render.common import API_SEVERITIES, TITLES, headline
    from ..drift.rules import Severity
    from ..drift.run import compare_loaded
    from ..errors import JsmOpenapiError

    if fetcher is None:
        return "drift not computed"
    try:
        previous = load_pinned(replace(pin, sha256=str(old.get("sha256"))), fetcher)
        comparison = compare_loaded(previous, load_pinned(pin, fetcher))
    except JsmOpenapiError as exc:
        return f"the previous document is not at hand ({exc.message}); `jsm-openapi drift OLD NEW` compares them"
    top = "; ".join(
        f"{line.changes[0].rule}"
        + (f" ×{len(line.changes)}" if len(line.changes) > 1 else f" at {line.changes[0].where()}")
        for line in headline([comparison.raw], limit=5)
    )
    counts = comparison.raw.counts()  # the raw documents' layer (a): what the re-pin brings in
    api = " · ".join(f"{counts[s]} {TITLES[s].lower()}" for s in API_SEVERITIES)
    summary = f"{api} API change(s); {counts[Severity.INFO]} documentation/metadata edit(s)"
    return summary + (f" — {top}" if top else "")
