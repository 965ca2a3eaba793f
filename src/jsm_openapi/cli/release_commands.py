"""`release record`, `release diff`: the release ledger of the generated packages and their Python API diff."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .app import FlavorChoice, FlavorOption, app, flavors_of, out, project

release_app = typer.Typer(
    help="Versions of the generated packages: record a release, diff two versions' Python API.",
    no_args_is_help=True,
)
app.add_typer(release_app, name="release")


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@release_app.command("record")
def record(flavor: FlavorOption = FlavorChoice.all) -> None:
    """Write generated/releases/<package>/ (version, input stamp, API snapshot, changelog) from the packages in
    place: run it on the commit you tag as a release, and commit the ledger with it."""
    from ..generate import output_dir
    from ..release.versions import ledger_dir
    from ..release.versions import record as record_release
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    for name in flavors_of(flavor):
        flavor_ = sources.flavor(name)
        version, changed = record_release(proj, flavor_, output_dir(proj, flavor_))
        where = ledger_dir(proj, flavor_).relative_to(proj.root)
        out.print(f"{flavor_.project} {version}: {'recorded in' if changed else 'already recorded in'} {where}")


@release_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The previous version: a package or project folder, or an api.txt.")],
    new: Annotated[Path, typer.Argument(help="The new version: a package or project folder, or an api.txt.")],
    fmt: Annotated[DiffFormat, typer.Option("--format", help="text, markdown or json.")] = DiffFormat.text,
    fail_on_breaking: Annotated[bool, typer.Option(help="Exit 1 when a change is breaking.")] = False,
) -> None:
    """The Python API diff of two versions of a generated package: what a user's code sees added, removed,
    renamed or changed, each breaking or not, with stable fingerprints."""
    from ..errors import ExitCode
    from ..release.apidiff import compare_api
    from ..release.changelog import api_section, describe

    result = compare_api(old, new)
    if fmt is DiffFormat.json:
        out.print(json.dumps(result.as_json(), indent=2), markup=False)
    elif fmt is DiffFormat.markdown:
        out.print("\n".join(api_section(result)), markup=False)
    else:
        out.print(
            f"{result.package}: {len(result.breaking)} breaking, {len(result.non_breaking)} non-breaking "
            f"(bump: {result.bump})",
            markup=False,
        )
        for change in result.changes:
            out.print(f"  {'BREAKING' if change.breaking else 'ok      '} {describe(change)}", markup=False)
    if fail_on_breaking and result.breaking:
        raise typer.Exit(int(ExitCode.FINDINGS))
