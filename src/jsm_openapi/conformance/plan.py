"""The GitHub Actions matrix of a night: one job per site, or per shard of a site that has `shards = n`.

Each entry names the site, its shard (`i/n`, or empty), the GitHub environment holding its secrets, the names of
at most three secrets to export (the sites file's credential variables: in the workflow a secret of the site's
environment has the variable's name) and the artefact its part is uploaded as.
"""

from __future__ import annotations

import json
from typing import Any

from .runner import jobs_for
from .sites import Site

MAX_SECRETS = 3  # user + api_token/password (or one token), and the URL when it is kept in a secret


def matrix(sites: list[Site]) -> list[dict[str, Any]]:
    entries = []
    for job in jobs_for(sites):
        names = job.site.secret_names
        assert len(names) <= MAX_SECRETS
        names += [""] * (MAX_SECRETS - len(names))
        slug = job.shard.slug if job.shard else "all"
        entries.append(
            {
                "site": job.site.name,
                "shard": str(job.shard) if job.shard else "",
                "environment": job.site.environment,
                "secret_1": names[0],
                "secret_2": names[1],
                "secret_3": names[2],
                "artifact": f"conformance-part-{job.site.name}-{slug}",
            }
        )
    return entries


def github_output(sites: list[Site], seed: int) -> str:
    """Lines for $GITHUB_OUTPUT: `matrix` (JSON, one line) and `seed`."""
    return f"matrix={json.dumps(matrix(sites), separators=(',', ':'))}\nseed={seed}\n"
