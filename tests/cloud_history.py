"""Real JSM Cloud copies of the upstream mirror, by the day they were retrieved (the drift tests' history)."""

from __future__ import annotations

from pathlib import Path

from jsm_openapi.fetch import MirrorIndex

SHA = {
    "2022-04-28": "5680024b8714cc64a82f243e54280126bf67dcc9478dcf99951d3dc5bf74f281",
    "2022-07-24": "897915608e37e8fd686c751f8cb51235e2690ff796cc22d6dc0ea9e658b9fde7",
    "2024-09-28": "321ecc15da0ab2666e0b2670f056b476a5b0065b30d08444a98feea43a2273bb",
    "2025-09-17": "6c4ac90e818c143ec31c218c5e3ec6e9fa2d0ebda6f463cdc00bc1b785ff862a",
}


def dated_copies(mirror: Path) -> dict[str, Path]:
    """Each dated copy's file in the mirror (found by sha256); fails naming the mirror when one is missing."""
    index = MirrorIndex(mirror)
    found = {day: index.lookup(sha) for day, sha in SHA.items()}
    missing = [day for day, path in found.items() if path is None]
    assert not missing, f"mirror {mirror} lacks the JSM Cloud copies of {', '.join(missing)}"
    return {day: path for day, path in found.items() if path is not None}
