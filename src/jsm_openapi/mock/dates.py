"""Time: the clock, and JSM's `DateDTO {iso8601, jira, friendly, epochMillis}` (UTC, offsets without a colon)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ..errors import InputError


def now_ms() -> int:
    return int(time.time() * 1000)


def date_dto(epoch_ms: int) -> dict[str, Any]:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return {
        "iso8601": moment.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "jira": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + moment.strftime("%z"),
        "friendly": moment.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": epoch_ms,
    }


def jira_datetime(epoch_ms: int) -> str:
    """The platform API's date-time: `2025-01-06T09:00:00.000+0000`."""
    return str(date_dto(epoch_ms)["jira"])


def duration_dto(millis: int) -> dict[str, Any]:
    minutes = abs(millis) // 60000
    hours, mins = divmod(minutes, 60)
    sign = "-" if millis < 0 else ""
    return {"millis": millis, "friendly": f"{sign}{hours}h {mins}m"}


def parse_iso(value: object, *, where: str) -> int:
    """An ISO 8601 date-time (or a YAML timestamp) → epoch ms; InputError naming `where` otherwise."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return int(moment.timestamp() * 1000)
    raise InputError(f"{where}: {value!r} is not an ISO 8601 date-time", hint="write e.g. 2025-01-06T09:00:00Z")
