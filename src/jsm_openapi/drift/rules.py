"""The drift rule catalogue: every kind of change, with a stable id and a severity judged from the client's side.

Severities say what a change does to a caller of the generated Python client, from two angles:
the client already deployed (generated from the old document) talking to a server that now behaves like the new one,
and the caller's code after the client is regenerated from the new document.

- breaking: some caller fails for sure (an import, a call signature, a model attribute, a status the client parses);
- potential: a caller may fail, depending on data or on how it uses the client;
- non-breaking: nothing a caller does stops working;
- info: documentation or vendor metadata only (descriptions, examples, tags, `x-atlassian-*`); kept apart from API
  changes and never counted by `--fail-on`.

`docs/drift-rules.md` is generated from this catalogue (`jsm-openapi drift --rules`); a test keeps them equal.
Rule ids are stable: never rename one, add a new id instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """Ordered: a threshold keeps every change whose severity is at least as high."""

    INFO = 0
    NON_BREAKING = 1
    POTENTIAL = 2
    BREAKING = 3

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        for severity, label in _LABELS.items():
            if text in (label, severity.name.lower(), severity.name.lower().replace("_", "-")):
                return severity
        raise ValueError(f"unknown severity {text!r}")


_LABELS = {
    Severity.INFO: "info",
    Severity.NON_BREAKING: "non-breaking",
    Severity.POTENTIAL: "potential",
    Severity.BREAKING: "breaking",
}

FAIL_ON: dict[str, Severity] = {
    "breaking": Severity.BREAKING,
    "potential": Severity.POTENTIAL,
    "any": Severity.NON_BREAKING,
}


def fail_on_name(threshold: Severity) -> str:
    """The `--fail-on` word for a threshold (`any` for non-breaking)."""
    return next((name for name, value in FAIL_ON.items() if value == threshold), threshold.label)


B, P, N, D = Severity.BREAKING, Severity.POTENTIAL, Severity.NON_BREAKING, Severity.INFO


@dataclass(frozen=True)
class Rule:
    """One kind of change: its id, severity, group, what it means and why it has that severity."""

    id: str
    severity: Severity
    group: str
    summary: str
    why: str


# (id, severity, summary, why) per group, in the order reports list them within one severity.
_CATALOGUE: dict[str, list[tuple[str, Severity, str, str]]] = {
    "operation": [
        (
            "operation-removed",
            B,
            "An operation (method + path) is gone.",
            "Its generated function disappears (ImportError after regenerating) and the server answers 404.",
        ),
        (
            "operation-path-changed",
            B,
            "An operation moved to another path (same operationId).",
            "The deployed client calls the old path; callers of path-based helpers break.",
        ),
        (
            "operation-id-changed",
            B,
            "An operation's operationId changed.",
            "The generated module and function are named after it: `create_attachment` becomes "
            "`create_comment_with_attachment`, so every import of the old name fails after regenerating "
            "(unless an overlay pins the name).",
        ),
        (
            "operation-became-experimental",
            P,
            "An operation is now marked `x-experimental`.",
            "Cloud refuses experimental operations without `X-ExperimentalApi: opt-in`, which the deployed client "
            "only sends for operations it knows are experimental.",
        ),
        (
            "operation-deprecated",
            N,
            "An operation is now deprecated.",
            "Nothing fails yet; removal usually follows, so move callers off it.",
        ),
        ("operation-added", N, "A new operation.", "New function after regenerating; nothing existing changes."),
        (
            "operation-no-longer-experimental",
            N,
            "An operation lost its `x-experimental` flag.",
            "The opt-in header is still accepted; the operation is now stable.",
        ),
        ("operation-undeprecated", N, "An operation is no longer deprecated.", "Nothing a caller does changes."),
    ],
    "parameter": [
        (
            "parameter-removed",
            B,
            "A parameter is gone.",
            "The generated function loses the keyword argument: callers passing it get a TypeError.",
        ),
        (
            "required-parameter-added",
            B,
            "A new required parameter.",
            "A new required argument of the generated function (calls fail); the deployed client never sends it.",
        ),
        (
            "parameter-became-required",
            B,
            "An optional parameter became required.",
            "Callers that left it out must now pass it; the server rejects requests without it.",
        ),
        (
            "parameter-type-stringified",
            P,
            "A path or query parameter changed between scalar types (string, integer, number, boolean), or a header "
            "parameter became a number or a boolean.",
            "The generated code turns the value into text (`quote(str(value))` in the path, httpx in the query "
            "string, `str()` for headers): a value of the old type still goes out the same; only a type checker "
            "notices, and the server may refuse a value it no longer parses.",
        ),
        (
            "parameter-renamed",
            P,
            "A path parameter has a new name (same position in the path).",
            "The wire request is the same, but the generated argument is renamed: keyword callers break.",
        ),
        (
            "parameter-serialization-changed",
            P,
            "A parameter's style, explode or content changed.",
            "The client serializes the value differently (e.g. repeated keys vs comma-separated).",
        ),
        (
            "parameter-became-required-with-default",
            N,
            "An optional parameter became required, with a default.",
            "The generated argument keeps a default (`start: int = 0`): existing calls still work, and the client "
            "now always sends the default.",
        ),
        (
            "required-parameter-with-default-added",
            N,
            "A new required parameter with a default.",
            "The generated function gains a keyword argument with that default: existing calls still work; the "
            "deployed client never sends it, which the server's default covers.",
        ),
        ("parameter-added", N, "A new optional parameter.", "A new keyword argument with a default."),
        ("parameter-became-optional", N, "A required parameter became optional.", "Existing calls still work."),
        ("parameter-deprecated", N, "A parameter is now deprecated.", "Nothing fails yet."),
    ],
    "request-body": [
        (
            "request-body-removed",
            B,
            "An operation no longer takes a request body.",
            "The generated function loses its `body` argument.",
        ),
        (
            "required-request-body-added",
            B,
            "An operation now requires a request body.",
            "The generated function gains a required `body` argument.",
        ),
        (
            "request-body-became-required",
            B,
            "An optional request body became required.",
            "Callers that sent none are rejected.",
        ),
        (
            "request-media-type-removed",
            B,
            "A request content type is no longer accepted.",
            "The generated body type changes (e.g. JSON model to multipart form); callers sending it are refused.",
        ),
        (
            "request-body-added",
            N,
            "An operation accepts a new optional request body.",
            "A new optional argument.",
        ),
        ("request-body-became-optional", N, "A required request body became optional.", "Existing calls still work."),
        ("request-media-type-added", N, "A new request content type.", "Existing calls still work."),
    ],
    "response": [
        (
            "success-status-changed",
            B,
            "A success status code changed (e.g. 200 became 201).",
            "The generated `_parse_response` only parses declared statuses: `.parsed` becomes None, or "
            "UnexpectedStatus is raised when `raise_on_unexpected_status` is on.",
        ),
        (
            "success-response-removed",
            B,
            "A success response is gone.",
            "Its status is no longer parsed; `.parsed` becomes None or UnexpectedStatus is raised.",
        ),
        (
            "success-media-type-changed",
            B,
            "A success response's content type changed or was removed.",
            "The generated parser reads the body as something else (e.g. a model becomes bytes).",
        ),
        (
            "success-response-added",
            P,
            "A new success status.",
            "The deployed client does not parse it (`.parsed` is None); after regenerating, `.parsed` may be a union.",
        ),
        (
            "error-response-removed",
            P,
            "An error response is no longer declared.",
            "Callers that inspected its parsed body now get None (or UnexpectedStatus).",
        ),
        (
            "error-media-type-changed",
            P,
            "An error response's content type changed or was removed.",
            "The parsed error body changes type.",
        ),
        (
            "response-header-removed",
            P,
            "A response header is no longer declared.",
            "Callers reading it may find it missing.",
        ),
        (
            "error-response-added",
            N,
            "A new error status (4xx/5xx/default).",
            "The deployed client never asked for it; the regenerated one parses it.",
        ),
        ("response-media-type-added", N, "A response has a new content type.", "Existing parsing is unchanged."),
        ("response-header-added", N, "A new response header.", "Nothing a caller does changes."),
    ],
}

# Schema rules exist twice: for what the client sends (request bodies and parameters) and what it reads (responses).
# (suffix, request severity, response severity, summary, why for requests, why for responses)
_SCHEMA: list[tuple[str, Severity, Severity, str, str, str]] = [
    (
        "type-changed",
        B,
        B,
        "A schema's type changed (e.g. string to array, object to string).",
        "The argument or model field takes another Python type; the server rejects the old one.",
        "The generated model parses another type: the deployed client fails on the new data.",
    ),
    (
        "property-removed",
        B,
        B,
        "An object property is gone.",
        "The model's constructor loses the keyword: callers passing it get a TypeError.",
        "The model loses the attribute: callers reading it get AttributeError after regenerating.",
    ),
    (
        "required-property-added",
        B,
        N,
        "A new property that is required.",
        "A new required constructor argument; the server rejects bodies without it.",
        "A new attribute that is always present.",
    ),
    (
        "property-became-required",
        B,
        N,
        "An optional property became required.",
        "Callers that left it out must now set it.",
        "The attribute is no longer `Unset`; reading code keeps working.",
    ),
    (
        "enum-value-removed",
        B,
        P,
        "A value was removed from an enum.",
        "The generated Enum loses the member callers pass; the server refuses the value.",
        "The generated Enum loses a member callers may compare against.",
    ),
    (
        "enum-added",
        B,
        P,
        "A schema is now restricted to an enum.",
        "The field becomes an Enum type: plain strings no longer serialize; other values are refused.",
        "The field becomes an Enum: values outside it fail to parse.",
    ),
    (
        "schema-ref-changed",
        B,
        P,
        "A schema now points at another component (or inline schema).",
        "The generated model class callers construct is renamed.",
        "The generated model class is renamed; code that imports it breaks.",
    ),
    (
        "enum-value-added",
        N,
        P,
        "A new enum value.",
        "Callers may send it after regenerating.",
        "The deployed client has no member for it: this project's open enums parse it as an unknown member "
        "(a strict enum raises ValueError); code that handles every member misses it.",
    ),
    (
        "property-became-optional",
        N,
        P,
        "A required property became optional.",
        "Callers may leave it out.",
        "The attribute may now be `Unset`: code that used it as always present can fail.",
    ),
    (
        "nullable-added",
        N,
        P,
        "A schema now allows null.",
        "Callers may send null.",
        "The attribute may be None: code that used it as always set can fail.",
    ),
    (
        "nullable-removed",
        P,
        N,
        "A schema no longer allows null.",
        "Callers sending null are refused.",
        "The attribute is never None; reading code keeps working.",
    ),
    (
        "format-changed",
        P,
        P,
        "A schema's format changed (e.g. int32 to int64, none to date-time).",
        "The argument may be serialized differently.",
        "The generated model may parse the value differently (e.g. a str becomes a datetime).",
    ),
    (
        "enum-removed",
        N,
        P,
        "A schema is no longer restricted to an enum.",
        "Any value may be sent.",
        "The field becomes a plain value: code using Enum members' attributes can fail.",
    ),
    (
        "constraint-tightened",
        P,
        N,
        "A validation constraint was added or tightened (maxLength, pattern, additionalProperties: false, ...).",
        "Values the server accepted may now be refused.",
        "The generated client does not validate responses.",
    ),
    (
        "additional-properties-changed",
        P,
        P,
        "`additionalProperties` changed between a schema and a boolean (a map became a closed or open object).",
        "The generated model changes shape (a map of values or an object with extra fields).",
        "The generated model changes shape (a map of values or an object with extra fields).",
    ),
    (
        "default-changed",
        P,
        N,
        "A default value changed or was removed.",
        "A caller that relied on the default now gets another behaviour.",
        "Only the documented default changed.",
    ),
    (
        "composition-changed",
        P,
        P,
        "oneOf / anyOf / allOf / not changed.",
        "The generated union or merged model changes.",
        "The generated union or merged model changes.",
    ),
    (
        "discriminator-changed",
        P,
        P,
        "A discriminator changed.",
        "Union members are chosen differently.",
        "Union members are parsed differently.",
    ),
    (
        "schema-keyword-changed",
        P,
        P,
        "Another schema keyword changed (one this catalogue has no rule for).",
        "Unknown effect: review it.",
        "Unknown effect: review it.",
    ),
    (
        "default-added",
        N,
        N,
        "A default value is now documented where there was none.",
        "The generated argument or field gains that default; callers that pass a value are unaffected, and the "
        "client now sends the default the server applied anyway.",
        "Only the documentation changed: the generated client does not fill in response defaults.",
    ),
    (
        "property-added",
        N,
        N,
        "A new optional property.",
        "A new optional constructor argument.",
        "A new attribute; the deployed client keeps it in `additional_properties`.",
    ),
    (
        "constraint-loosened",
        N,
        N,
        "A validation constraint was removed or loosened.",
        "More values are accepted.",
        "The generated client does not validate responses.",
    ),
    (
        "read-write-changed",
        N,
        N,
        "readOnly / writeOnly changed.",
        "The generated model keeps the field either way.",
        "The generated model keeps the field either way.",
    ),
    (
        "property-deprecated",
        N,
        N,
        "A property is now deprecated (or no longer).",
        "Nothing fails yet.",
        "Nothing fails yet.",
    ),
]

_TAIL: dict[str, list[tuple[str, Severity, str, str]]] = {
    "document": [
        (
            "servers-changed",
            P,
            "The servers (base URL) changed.",
            "Callers pass the base URL themselves, but a new path prefix moves every operation.",
        ),
        (
            "security-scheme-removed",
            P,
            "A security scheme is gone.",
            "Callers authenticating that way may be refused.",
        ),
        (
            "security-scheme-changed",
            P,
            "A security scheme changed (type, flows, URLs) or lost OAuth scopes.",
            "Callers' credentials may no longer fit.",
        ),
        (
            "openapi-version-changed",
            P,
            "The OpenAPI version of the document changed.",
            "The generator may read the document differently.",
        ),
        (
            "component-renamed",
            B,
            "A component schema was renamed: removed and added with the same structure, the `$ref`s following it.",
            "The generated model class is renamed (`CmdbWorkspaceDTO` becomes `InsightWorkspaceDTO`): every "
            "`from jsm_cloud.models import CmdbWorkspaceDTO` fails after regenerating. Reported once, with every "
            "operation that reaches it, instead of a removal, an addition and each `$ref` that followed.",
        ),
        (
            "component-schema-removed",
            P,
            "A component schema is gone.",
            "Its generated model class disappears; code that imports it breaks.",
        ),
        ("security-scheme-added", N, "A new security scheme.", "Existing credentials keep working."),
        ("security-scopes-added", N, "A security scheme offers new OAuth scopes.", "Existing tokens keep working."),
        ("component-schema-added", N, "A new component schema.", "A new model class after regenerating."),
        (
            "security-requirements-changed",
            N,
            "Operations' security requirements (schemes, OAuth scopes) changed: one change per scheme and scope "
            "family (e.g. classic `read:servicedesk-request` → granular `…:jira-service-management`), with a count.",
            "The generated client sends whatever credentials it is given and ignores scopes; check that an OAuth "
            "app still holds the scopes it needs.",
        ),
    ],
    "documentation": [
        (
            "description-changed",
            D,
            "A description or summary changed.",
            "Documentation only (it lands in docstrings).",
        ),
        ("example-changed", D, "An example changed.", "Documentation only."),
        ("title-changed", D, "A title changed.", "Documentation only."),
        ("tags-changed", D, "Tags changed.", "Documentation only (grouping in docs; the generator ignores them)."),
        ("info-changed", D, "The document's info (version, contact, licence, ...) changed.", "Metadata only."),
        ("external-docs-changed", D, "externalDocs changed.", "Documentation only."),
        (
            "item-default-changed",
            D,
            'The default of an array\'s items changed (e.g. none → "").',
            "openapi-python-client ignores defaults inside `items`: no generated code changes.",
        ),
        (
            "extension-changed",
            D,
            "A vendor extension (`x-...`, other than `x-experimental`) changed.",
            "Metadata the generated client does not read (e.g. `x-atlassian-oauth2-scopes`).",
        ),
    ],
    "overlay": [
        (
            "flavor-merge-failed",
            B,
            "The flavor's documents no longer merge once the new document replaces the pinned one.",
            "`jsm-openapi patch` fails before any overlay runs (a duplicated operation, a component clash).",
        ),
        (
            "overlay-action-no-match",
            B,
            "An overlay action's target matches nothing in the new document.",
            "The strict build (`jsm-openapi patch`) fails: fix the target, or remove the action if the gap is gone.",
        ),
        (
            "patched-document-broken",
            B,
            "The new copy with the overlays applied cannot be read as a document (e.g. a `$ref` an overlay adds "
            "points at a component the new copy renamed).",
            "The generator fails on the patched document, so no client can be built from the new copy as it is.",
        ),
        (
            "overlay-action-failed",
            B,
            "An overlay action cannot be applied to the new document (e.g. incompatible merge).",
            "The build fails.",
        ),
        (
            "overlay-action-not-needed",
            N,
            "An overlay action still matches but changes nothing: Atlassian fixed the gap upstream.",
            "The build still works; remove the action when moving the pin.",
        ),
    ],
}


def _build() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for group, entries in _CATALOGUE.items():
        for rule_id, severity, summary, why in entries:
            rules[rule_id] = Rule(rule_id, severity, group, summary, why)
    for suffix, on_request, on_response, summary, why_request, why_response in _SCHEMA:
        for direction, severity, why in (("request", on_request, why_request), ("response", on_response, why_response)):
            rule_id = f"{direction}-{suffix}"
            rules[rule_id] = Rule(rule_id, severity, f"{direction}-schema", summary, why)
    for group, entries in _TAIL.items():
        for rule_id, severity, summary, why in entries:
            rules[rule_id] = Rule(rule_id, severity, group, summary, why)
    return rules


RULES: dict[str, Rule] = _build()
ORDER: dict[str, int] = {rule_id: position for position, rule_id in enumerate(RULES)}


def catalogue_markdown() -> str:
    """The rule catalogue as Markdown tables, one per group (the body of docs/drift-rules.md)."""
    lines: list[str] = []
    group = None
    for item in sorted(RULES.values(), key=lambda r: (list(_GROUP_ORDER).index(r.group), -r.severity, ORDER[r.id])):
        if item.group != group:
            group = item.group
            lines += ["", f"### {_GROUP_ORDER[group]}", "", "| id | severity | change | why, from the client's side |"]
            lines.append("|---|---|---|---|")
        lines.append(f"| `{item.id}` | {item.severity.label} | {item.summary} | {item.why} |")
    return "\n".join(lines).lstrip("\n") + "\n"


_GROUP_ORDER = {
    "operation": "Operations",
    "parameter": "Parameters",
    "request-body": "Request bodies",
    "response": "Responses",
    "request-schema": "Request schemas (bodies and parameters: what the client sends)",
    "response-schema": "Response schemas (what the client reads)",
    "document": "Document, components and security",
    "documentation": "Documentation and metadata (info: never an API change)",
    "overlay": "Overlay health (the project's overlays on the new document)",
}
