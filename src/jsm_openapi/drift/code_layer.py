"""Layer (c), what breaks in user code: the Python API of the package regenerated from each side, compared.

The comparison itself comes from a provider (the releases work: a griffe-based diff of the two generated packages,
returning classified changes with fingerprints). A provider is any callable taking a `CodeContext` and returning the
layer; `register_provider` installs one. Without a provider, or without the patched documents a provider needs (two
bare documents, a pin tracked for drift only), the layer says "not computed" and why, and `--fail-on` judges the
layers that were computed.

A provider returns `Layer(CODE, TITLE, basis, changes=[CodeChange(...), ...])`, or `not_computed(context, reason)`
when it cannot run (e.g. the generator failed); it must not raise for a document it cannot generate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..documents import Json
from .model import CODE, TITLES, Layer

TITLE = TITLES[CODE]
NO_PROVIDER = (
    "no Python API comparison is installed yet (the regenerated package's API diff comes with the releases work); "
    "layers (a) and (b) are complete"
)
NO_FLAVOR = "needs the patched documents of a flavor: compare a pin (`drift --pin NAME --latest FILE`)"


@dataclass(frozen=True)
class CodeContext:
    """What a provider gets: one flavor's patched documents on both sides and the package generated from them."""

    flavor: str
    package: str  # the import name of the generated package (jsm_cloud)
    old_document: Json  # the patched document the current package was generated from
    new_document: Json  # the patched document with the new upstream copy in place of the pinned one


Provider = Callable[[CodeContext], Layer]
_provider: Provider | None = None


def register_provider(provider: Provider | None) -> Provider | None:
    """Install the provider of layer (c) (None removes it); returns the previous one."""
    global _provider  # one process-wide provider, set once by whoever wires layer (c)
    previous, _provider = _provider, provider
    return previous


def basis(context: CodeContext) -> str:
    return f"the Python API of {context.package} regenerated from each patched document ({context.flavor})"


def not_computed(reason: str, *, where: str = "the regenerated package's Python API") -> Layer:
    return Layer(CODE, TITLE, where, not_computed=reason)


def code_layer(context: CodeContext | None) -> Layer:
    """Layer (c) for one flavor, or "not computed" and why."""
    if context is None:
        return not_computed(NO_FLAVOR)
    if _provider is None:
        return not_computed(NO_PROVIDER, where=basis(context))
    return _provider(context)
