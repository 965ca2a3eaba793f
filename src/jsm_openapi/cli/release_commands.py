"""`release record`, `release diff`: the release ledger of the generated packages and their Python API diff."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .app import HelpFormatter, add_flavor_option, command, flavors_of, out, project

RELEASE_HELP = "Versions of the generated packages: record a release, diff two versions' Python API."
DIFF_FORMATS = ("text", "markdown", "json")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("release", help=RELEASE_HELP, description=RELEASE_HELP, formatter_class=HelpFormatter)
    group.set_defaults(group_parser=group)
    subcommands = group.add_subparsers(title="commands", metavar="COMMAND")

    parser = command(subcommands, "record", record)
    add_flavor_option(parser)

    parser = command(subcommands, "diff", diff)
    parser.add_argument(
        "old", type=Path, metavar="OLD", help="The previous version: a package or project folder, or an api.txt."
    )
    parser.add_argument(
        "new", type=Path, metavar="NEW", help="The new version: a package or project folder, or an api.txt."
    )
    parser.add_argument("--format", dest="fmt", choices=DIFF_FORMATS, default="text", help="text, markdown or json.")
    parser.add_argument(
        "--fail-on-breaking",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="Exit 1 when a change is breaking.",
    )


def record(args: argparse.Namespace) -> None:
    """Write generated/releases/<package>/ (version, input stamp, API snapshot, changelog) from the packages in
    place: run it on the commit you tag as a release, and commit the ledger with it."""
    from ..generate import output_dir
    from ..release.versions import ledger_dir
    from ..release.versions import record as record_release
    from ..sources import load_sources

    proj = project()
    sources = load_sources(proj.sources_file)
    for name in flavors_of(args.flavor):
        flavor_ = sources.flavor(name)
        version, changed = record_release(proj, flavor_, output_dir(proj, flavor_))
        where = ledger_dir(proj, flavor_).relative_to(proj.root)
        out.print(f"{flavor_.project} {version}: {'recorded in' if changed else 'already recorded in'} {where}")


def diff(args: argparse.Namespace) -> int:
    """The Python API diff of two versions of a generated package: what a user's code sees added, removed,
    renamed or changed, each breaking or not, with stable fingerprints."""
    from ..errors import ExitCode
    from ..release.apidiff import compare_api
    from ..release.changelog import api_section, describe

    result = compare_api(args.old, args.new)
    if args.fmt == "json":
        out.print(json.dumps(result.as_json(), indent=2))
    elif args.fmt == "markdown":
        out.print("\n".join(api_section(result)))
    else:
        out.print(
            f"{result.package}: {len(result.breaking)} breaking, {len(result.non_breaking)} non-breaking "
            f"(bump: {result.bump})"
        )
        for change in result.changes:
            out.print(f"  {'BREAKING' if change.breaking else 'ok      '} {describe(change)}")
    if args.fail_on_breaking and result.breaking:
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)
