"""Security requirement changes, grouped: one change per scheme and scope family, listing the operations it covers.

One OAuth scope migration touches every operation (Cloud moved 63 operations from classic scopes such as
`read:servicedesk-request` to granular ones such as `read:request:jira-service-management` and back): reported per
operation it drowned the alert. A scope's family is its product for granular scopes (`action:resource:product`, e.g.
`jira-service-management`) and `classic` for the two-part ones; a scheme with no scopes (basic auth) is `no scopes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..documents import Json
from ..pointers import join
from .collect import Draft
from .model import OperationRef

NOT_REQUIRED = "not required"
NO_SCOPES = "no scopes"
CLASSIC = "classic"
COMBINATION = "*"  # the schemes' scopes are the same; only how they combine (A or B vs A and B) changed


def requirements(security: Json) -> set[tuple[str, ...]]:
    """Security requirements as a set of alternatives, each `scheme:scope` sorted (order never matters)."""
    result: set[tuple[str, ...]] = set()
    for requirement in security or []:
        if isinstance(requirement, dict):
            result.add(
                tuple(sorted(f"{name}:{scope}" for name, scopes in requirement.items() for scope in (scopes or [""])))
            )
    return result


def show_requirements(alternatives: set[tuple[str, ...]]) -> str:
    if not alternatives:
        return "none"
    return " | ".join(" + ".join(item.rstrip(":") for item in r) or "anonymous" for r in sorted(alternatives))


def _by_scheme(alternatives: set[tuple[str, ...]]) -> dict[str, set[str]]:
    schemes: dict[str, set[str]] = {}
    for alternative in alternatives:
        for item in alternative:
            scheme, _, scope = item.partition(":")
            schemes.setdefault(scheme, set())
            if scope:
                schemes[scheme].add(scope)
    return schemes


def scope_family(scope: str) -> str:
    parts = scope.split(":")
    return parts[-1] if len(parts) >= 3 else CLASSIC


def families(scopes: set[str] | None) -> tuple[str, ...]:
    if scopes is None:
        return (NOT_REQUIRED,)
    if not scopes:
        return (NO_SCOPES,)
    return tuple(sorted({scope_family(s) for s in scopes}, key=lambda f: (f != CLASSIC, f)))


def show_families(names: tuple[str, ...]) -> str:
    if names in ((NOT_REQUIRED,), (NO_SCOPES,)):
        return names[0]
    classic = CLASSIC in names
    granular = [n for n in names if n != CLASSIC]
    shown = ["classic scopes"] if classic else []
    if granular:
        shown.append(f"granular scopes ({', '.join(granular)})")
    return " + ".join(shown)


@dataclass
class _Group:
    scheme: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    operations: list[OperationRef] = field(default_factory=list)
    old_scopes: set[str] = field(default_factory=set)
    new_scopes: set[str] = field(default_factory=set)
    example: str = ""


@dataclass
class SecurityChanges:
    """Collects each operation's requirement change, then reports them grouped."""

    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _Group] = field(default_factory=dict)

    def add(self, operation: OperationRef, before: set[tuple[str, ...]], after: set[tuple[str, ...]]) -> None:
        if before == after:
            return
        old, new = _by_scheme(before), _by_scheme(after)
        name = operation.operation_id or f"{operation.method.upper()} {operation.path}"
        example = f"{name}: {show_requirements(before)} → {show_requirements(after)}"
        touched = False
        for scheme in sorted(set(old) | set(new)):
            was, now = old.get(scheme), new.get(scheme)
            if was == now:
                continue
            touched = True
            group = self._group((scheme, families(was), families(now)), example)
            group.old_scopes |= was or set()
            group.new_scopes |= now or set()
            if operation not in group.operations:
                group.operations.append(operation)
        if not touched:  # same scopes per scheme, combined differently
            group = self._group((COMBINATION, (COMBINATION,), (COMBINATION,)), example)
            if operation not in group.operations:
                group.operations.append(operation)

    def _group(self, key: tuple[str, tuple[str, ...], tuple[str, ...]], example: str) -> _Group:
        return self.groups.setdefault(key, _Group(*key, example=example))

    def drafts(self, scheme_names: set[str]) -> list[tuple[Draft, list[OperationRef]]]:
        """One `security-requirements-changed` per (scheme, old families, new families), with its operations."""
        result = []
        for (scheme, before, after), group in sorted(self.groups.items()):
            count = len(group.operations)
            if scheme == COMBINATION:
                what = "how security schemes combine changed"
            elif before == after:
                what = f"security `{scheme}`: scopes changed within {show_families(before)}"
            else:
                what = f"security `{scheme}`: {show_families(before)} → {show_families(after)}"
            message = f"{what}, on {count} operation(s); e.g. {group.example}"
            pointer = join("#/components/securitySchemes", scheme) if scheme in scheme_names else "#/security"
            subject = f"#/security/{scheme}/{'+'.join(before)}→{'+'.join(after)}"
            draft = Draft(
                "security-requirements-changed",
                message,
                pointer,
                subject,
                old=sorted(group.old_scopes),
                new=sorted(group.new_scopes),
            )
            result.append((draft, list(group.operations)))
        return result
