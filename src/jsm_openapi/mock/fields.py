"""Request type fields: checking a submitted value against the field's Jira schema type."""

from __future__ import annotations

import re
from typing import Any

from .errors import bad_request

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # used with fullmatch


def check_value(field: dict[str, Any], value: Any) -> Any:
    """A submitted field value checked against the field's type, normalised for storage; 400 when it does not fit."""
    kind = field["schema"]["type"]
    label = f"{field['name']} ({field['fieldId']})"
    options = {o["id"]: o for o in field.get("options", [])}
    by_value = {o["value"].lower(): o for o in field.get("options", [])}

    def option(item: Any) -> dict[str, str]:
        if isinstance(item, dict) and str(item.get("id")) in options:
            return dict(options[str(item["id"])])
        if isinstance(item, dict) and str(item.get("value", "")).lower() in by_value:
            return dict(by_value[str(item["value"]).lower()])
        if isinstance(item, str) and (item in options or item.lower() in by_value):
            return dict(options.get(item) or by_value[item.lower()])
        valid = ", ".join(f"{o['value']} ({o['id']})" for o in options.values())
        raise bad_request(
            f"{label}: {item!r} is not a valid option; valid: {valid}.",
            "sd.request.error.field.option",
            field["fieldId"],
        )

    if kind == "string":
        if not isinstance(value, str):
            raise bad_request(f"{label} must be text.", "sd.request.error.field.type", field["fieldId"])
        return value
    if kind == "option":
        return option(value)
    if kind == "array":
        if not isinstance(value, list):
            raise bad_request(f"{label} must be a list.", "sd.request.error.field.type", field["fieldId"])
        return [option(v) for v in value]
    if kind == "date":
        if not isinstance(value, str) or not DATE.fullmatch(value):
            raise bad_request(f"{label} must be a date as YYYY-MM-DD.", "sd.request.error.field.date", field["fieldId"])
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad_request(f"{label} must be a number.", "sd.request.error.field.type", field["fieldId"])
        return value
    return value
