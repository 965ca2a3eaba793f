"""Nightly conformance across sites: a sites file, one contract run per site (or shard), results merged, compared
with the previous night, a report across sites, and alerts on what is new.

- `sites`: the sites file (`conformance.toml`) and its validation;
- `runner`: one contract run per site and shard (a `pytest contract_tests` process each), written as a *part*;
- `parts`: parts read back and merged, shards into sites (`model` holds what a night knows);
- `observed`: observed deviations (JSON Lines written by the facade's `validate="warn"`) as deviations of a site;
- `history`: tonight against the previous night: new, still failing, fixed, unchecked;
- `alerts`: which alert issues to open, comment on or close; `plan`: the GitHub Actions matrix;
- `render`: the Markdown and the self-contained HTML report (sites × operations).
"""
