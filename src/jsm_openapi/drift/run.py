"""Drift runs: two documents, or a pin against the newest upstream copy (in layers, with a proposed pin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import InputError
from ..urls import display_url
from .code_layer import code_layer
from .code_layer import not_computed as code_not_computed
from .diff import compare_documents
from .inputs import Loaded, load, load_latest, load_pinned
from .model import CLIENT, DEFAULT_GATE, RAW, TITLES, Comparison, Finding, Layer
from .recency import judge, name_date
from .rules import Severity

if TYPE_CHECKING:
    from datetime import date

    import httpx

    from ..fetch import Fetcher
    from ..project import Project
    from ..sources import Flavor, Pin, Sources

Progress = Callable[[str], None]
NO_CLIENT = (
    "needs a flavor and its overlays: give `--flavor cloud|server` with OLD NEW, or compare a pin "
    "(`drift --pin NAME --latest FILE`)"
)


def raw_layer(old: Loaded, new: Loaded) -> Layer:
    """Layer (a): the raw documents compared (identical bytes short-cut to no change)."""
    changes: list[Finding] = []
    if old.info.sha256 != new.info.sha256:
        changes = list(
            compare_documents(old.document, new.document, old_label=old.info.label, new_label=new.info.label)
        )
    return Layer(RAW, TITLES[RAW], "raw documents: the old copy vs the new one", changes=changes)


def compare_loaded(old: Loaded, new: Loaded) -> Comparison:
    """`drift OLD NEW`: the raw layer; the client and code layers need a pin's flavor (said, not guessed)."""
    raw = raw_layer(old, new)
    client = Layer(CLIENT, TITLES[CLIENT], "patched documents (pin + overlays)", not_computed=NO_CLIENT)
    comparison = Comparison(old=old.info, new=new.info, layers=[raw, client, code_layer(None)])
    if raw.changes:
        recency = judge(old.info, new.info, raw.changes)
        if recency.older:
            comparison.warnings.append(recency.sentence("NEW", "OLD") + ": were OLD and NEW swapped?")
    return comparison


def compare_sources(old: str, new: str, *, client: httpx.Client | None = None) -> Comparison:
    """`jsm-openapi drift OLD NEW`: two files or URLs (HTML pages with an embedded document included)."""
    return compare_loaded(load(old, client=client), load(new, client=client))


def compare_in_flavor(
    project: Project,
    sources: Sources,
    flavor_name: str,
    old: Loaded,
    new: Loaded,
    *,
    fetcher: Fetcher,
    code: bool = True,
    progress: Progress | None = None,
) -> Comparison:
    """`drift OLD NEW --flavor NAME`: (a), then (b) and (c) with OLD and NEW in place of the flavor's document
    (the flavor's other documents stay pinned; its overlays apply to both)."""
    from .patched import client_side

    say = progress or (lambda _message: None)
    flavor = sources.flavor(flavor_name)
    pin = document_of(flavor, old, new)
    comparison = compare_loaded(old, new)
    comparison.layers = [comparison.raw]
    if comparison.identical:
        return comparison
    say(f"{flavor.name}: applying the overlays to both copies and comparing what the client sees")
    side = client_side(
        project,
        flavor,
        pin,
        new_document=new.document,
        old_document=old.document,
        fetcher=fetcher,
        raw=comparison.raw.changes,
    )
    if code:
        say(f"{flavor.name}: regenerating {flavor.package} from each patched document and comparing its Python API")
    comparison.layers += [side.layer, code_layer(side.context, wanted=code)]
    return comparison


def document_of(flavor: Flavor, old: Loaded, new: Loaded) -> Pin:
    """Which of a flavor's documents OLD and NEW are: its only one, else the pin OLD is (by sha256), else the pin
    their file names start with."""
    if len(flavor.documents) == 1:
        return flavor.documents[0]
    by_digest = [pin for pin in flavor.documents if pin.sha256 in (old.info.sha256, new.info.sha256)]
    if len(by_digest) == 1:
        return by_digest[0]
    named = [pin for pin in flavor.documents if any(info.label.startswith(pin.name) for info in (old.info, new.info))]
    if len(named) == 1:
        return named[0]
    names = ", ".join(pin.name for pin in flavor.documents)
    raise InputError(
        f"flavor {flavor.name} is built from {len(flavor.documents)} documents ({names}): which one are "
        f"{old.info.label} and {new.info.label}?",
        hint=f"name a file after its pin (e.g. {flavor.documents[-1].name}-NEW.json), or compare the pin: "
        f"`jsm-openapi drift --pin {flavor.documents[-1].name} --latest NEW`",
    )


def compare_pin(
    project: Project,
    sources: Sources,
    pin: Pin,
    fetcher: Fetcher,
    *,
    latest: str | None = None,
    client: httpx.Client | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    code: bool = True,
) -> Comparison:
    """A pin against its newest upstream copy, in layers per flavor, with a proposed pin when it is really newer.
    `code` computes layer (c) (it regenerates each flavor's package: seconds for Cloud, up to a minute for Server)."""
    from datetime import date

    from .patched import client_sides
    from .proposal import proposed_pin

    say = progress or (lambda _message: None)
    say(f"{pin.name}: loading the pinned document")
    pinned = load_pinned(pin, fetcher)
    say(f"{pin.name}: fetching the latest from {display_url(latest or pin.url)}")
    newest = load_latest(pin, latest, client=client)
    say(f"{pin.name}: comparing the raw documents")
    raw = raw_layer(pinned, newest)
    comparison = Comparison(old=pinned.info, new=newest.info, layers=[raw], pin=pin.name)
    if comparison.identical:
        return comparison
    flavors = sources.flavors_of(pin)
    if not flavors:
        tracked = f"{pin.name} is tracked for drift only (no flavor, no overlays, no generated package)"
        comparison.layers += [
            Layer(CLIENT, TITLES[CLIENT], "patched documents", not_computed=tracked),
            code_not_computed(tracked),
        ]
    else:
        say(f"{pin.name}: applying the overlays to both copies and comparing what the client sees")
        sides = client_sides(project, sources, pin, new_document=newest.document, fetcher=fetcher, raw=raw.changes)
        comparison.layers += [side.layer for side in sides]
        if code:
            say(f"{pin.name}: regenerating each flavor's package and comparing its Python API")
        comparison.layers += [code_layer(side.context, wanted=code) for side in sides]
    recency = judge(pinned.info, newest.info, raw.changes, old_date=pin.retrieved)
    if recency.older:
        sentence = recency.sentence(f"the latest copy {newest.info.label}", f"the pin (retrieved {pin.retrieved})")
        comparison.warnings.append(f"{sentence}: not proposed as a new pin")
        comparison.not_proposed = f"{sentence}; a pin never moves back"
        return comparison
    comparison.proposed_pin = proposed_pin(
        sources,
        pin,
        newest.info,
        retrieved=name_date(newest.info.label) or today or date.today(),
        summary=_summary(comparison),
    )
    return comparison


def _summary(comparison: Comparison) -> str:
    layers = comparison.judged(DEFAULT_GATE)
    counts = dict.fromkeys(Severity, 0)
    for layer in layers:
        for finding in [*layer.api_changes(), *layer.health]:
            counts[finding.severity] += 1
    shown = ", ".join(f"{counts[s]} {s.label}" for s in (Severity.BREAKING, Severity.POTENTIAL, Severity.NON_BREAKING))
    where = " and ".join(f"({layer.letter})" for layer in layers if layer.letter)
    return f"{shown} finding(s) in {where}" if where else f"{shown} finding(s)"
