"""Mock seeds whose service desks' ids, project ids and project keys are chosen by a test (to make them collide).

`desk_seed(path, desks)` writes the default seed with its desks renumbered: the first two are the default seed's
(ITS and HR, with their request types, queues and requests), each further one a bare desk with one request type
(id 100, 101, ...: `extra_request_type(n)`). Each desk is given as (id, project id, project key); request keys follow
their desk's key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

from jsm_openapi.mock import DEFAULT_SEED
from jsm_openapi.mock.seed import load_seed


class Desk(NamedTuple):
    id: int
    project_id: int
    key: str
    name: str = ""


def extra_request_type(index: int) -> int:
    """The id of the request type of the `index`th desk beyond the default seed's."""
    return 100 + index


def desk_seed(path: Path, desks: list[Desk]) -> Path:
    seed: dict[str, Any] = load_seed(DEFAULT_SEED)
    originals = seed["servicedesks"]
    assert len(desks) >= len(originals), "give at least as many desks as the default seed has"
    renumbered: dict[int, Desk] = {}
    keys: dict[str, str] = {}
    for spec, desk in zip(originals, desks, strict=False):
        renumbered[spec["id"]] = desk
        keys[spec["projectKey"]] = desk.key
        spec.update(id=desk.id, projectId=desk.project_id, projectKey=desk.key)
        if desk.name:
            spec["projectName"] = desk.name
    summary = {"fieldId": "summary", "name": "Summary", "required": True, "schema": {"type": "string"}}
    for index, desk in enumerate(desks[len(originals) :]):
        originals.append(
            {
                "id": desk.id,
                "projectId": desk.project_id,
                "projectKey": desk.key,
                "projectName": desk.name or f"Desk {desk.key}",
                "requestTypes": [{"id": extra_request_type(index), "name": "Ask", "fields": [summary]}],
            }
        )
    for request in seed.get("requests", []):
        request["serviceDesk"] = renumbered[request["serviceDesk"]].id
        old_key, _, number = request["key"].rpartition("-")
        request["key"] = f"{keys[old_key]}-{number}"
    path.write_text(yaml.safe_dump(seed, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
