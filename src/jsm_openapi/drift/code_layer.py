"""Layer (c), what breaks in user code: the Python API of the package regenerated from each side, compared.

The comparison comes from a provider: a callable taking a `CodeContext` and returning the layer. The default one,
`drift.python_api`, generates the flavor's package from each patched document with the real generator and compares
the two Python APIs with the releases' griffe-based diff (`jsm_openapi.release.compare_api`); `register_provider`
installs another (tests use a stand-in). Without the patched documents a provider needs (two bare documents without
`--flavor`, a pin tracked for drift only), or when the run did not ask for it (`--no-code`), the layer says "not
computed" and why, and `--fail-on` judges the layers that were computed.

A provider returns `Layer(CODE, TITLE, basis, changes=[CodeChange(...), ...])`, or `not_computed(reason)` when it
cannot run (the generator is not installed, the project cannot generate the flavor); it must not raise for a
document it cannot generate. A `JsmOpenapiError` it raises anyway becomes "not computed" with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..documents import Json
from ..errors import JsmOpenapiError
from .model import CODE, TITLES, Layer

if TYPE_CHECKING:
    from ..project import Project
    from ..sources import Flavor

TITLE = TITLES[CODE]
NO_FLAVOR = (
    "needs the patched documents of a flavor: give `--flavor cloud|server` with OLD NEW, or compare a pin "
    "(`drift --pin NAME --latest FILE`)"
)
NOT_ASKED = (
    "not asked for (`--no-code`): `--code` regenerates the package from both patched documents and compares their "
    "Python APIs (seconds for Cloud, up to a minute for Server)"
)


@dataclass(frozen=True)
class CodeContext:
    """What a provider gets: one flavor's patched documents on both sides and the package generated from them.

    `project` and `definition` (the flavor's `[flavor.NAME]` of sources.toml) say where the generator's
    configuration, templates and the packages in place live; a provider that needs them says so when they are None.
    """

    flavor: str
    package: str  # the import name of the generated package (jsm_cloud)
    old_document: Json  # the patched document of the old side (the pinned copy + overlays)
    new_document: Json  # the patched document with the new upstream copy in place of the pinned one
    project: Project | None = None
    definition: Flavor | None = None


Provider = Callable[[CodeContext], Layer]
_provider: Provider | None = None


def register_provider(provider: Provider | None) -> Provider | None:
    """Install the provider of layer (c) (None restores the default, `drift.python_api`); returns the previous one."""
    global _provider  # one process-wide provider, set once by whoever wires layer (c)
    previous, _provider = _provider, provider
    return previous


def basis(context: CodeContext) -> str:
    return f"the Python API of {context.package} regenerated from each patched document ({context.flavor})"


def not_computed(reason: str, *, where: str = "the regenerated package's Python API") -> Layer:
    return Layer(CODE, TITLE, where, not_computed=reason)


def code_layer(context: CodeContext | None, *, wanted: bool = True) -> Layer:
    """Layer (c) for one flavor, or "not computed" and why."""
    if context is None:
        return not_computed(NO_FLAVOR)
    if not wanted:
        return not_computed(NOT_ASKED, where=basis(context))
    provider = _provider
    if provider is None:
        from .python_api import python_api_layer  # the generator and griffe: imported only when (c) is computed

        provider = python_api_layer
    try:
        return provider(context)
    except JsmOpenapiError as exc:
        return not_computed(exc.message, where=basis(context))
