"""A YAML loader for JSON values: PyYAML's safe loader, made strict, and a check of the node graph before anything
is built from it (so an alias bomb costs its size on disk, never its expansion).

Refused, each at its line and column: duplicate keys; keys that are not text (lists, mappings; `on:`, `~:`, `1.5:`
read as booleans, null and numbers: quote them); tags JSON has not (binary, sets, timestamps, merge keys); NaN and
infinities; integers past MAX_INT_DIGITS; lone surrogates; recursive aliases; nesting past MAX_DEPTH; more than
MAX_VALUES values once aliases are expanded. Integer keys are kept as written (`200:` is "200"), dates as text.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from .document_limits import INT_BOUND, LONE_SURROGATE, MAX_DEPTH, MAX_INT_DIGITS, MAX_VALUES

_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_JSON_TAGS = {
    yaml.ScalarNode: {_STR, _INT, _FLOAT, "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"},
    yaml.SequenceNode: {"tag:yaml.org,2002:seq"},
    yaml.MappingNode: {"tag:yaml.org,2002:map"},
}
_KEY_KINDS = {"tag:yaml.org,2002:bool": "a boolean", "tag:yaml.org,2002:null": "null", _FLOAT: "a number"}


def _marked(node: yaml.Node, problem: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_node(node: yaml.Node) -> None:
    """One node holds a JSON value: a JSON tag, text keys, no lone surrogate (each refusal points at the node)."""
    if node.tag == "tag:yaml.org,2002:merge":
        raise _marked(node, "YAML merge keys (<<) are not supported: write the keys out (aliases are fine)")
    if node.tag not in _JSON_TAGS.get(type(node), ()):
        raise _marked(node, f"the tag {node.tag} has no JSON form")
    if isinstance(node, yaml.ScalarNode) and LONE_SURROGATE.search(node.value):
        raise _marked(node, "a lone surrogate (\\ud800-\\udfff) is not text: JSON cannot hold it")
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                kind = "a mapping" if isinstance(key, yaml.MappingNode) else "a list"
                raise _marked(key, f"a key must be text, this one is {kind}")
            if key.tag in _KEY_KINDS:
                raise _marked(key, f"the key {key.value!r} reads as {_KEY_KINDS[key.tag]}: quote it")


def check_yaml_graph(root: yaml.Node) -> None:
    """Refuse, before anything is built, a YAML node graph that is no bounded JSON value: recursive aliases, nesting
    deeper than MAX_DEPTH, more than MAX_VALUES values once aliases are expanded, keys or tags JSON does not have.

    Iterative and memoized per node, so an alias bomb costs its size on disk, not its expansion.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) → (values, depth) once expanded
    open_nodes: set[int] = set()  # the nodes whose subtree is being walked: the current node's ancestors
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            below = [sizes[id(child)] for child in _children(node)]
            values = 1 + sum(size[0] for size in below)
            depth = 1 + max((size[1] for size in below), default=0)
            if depth > MAX_DEPTH:
                raise _marked(node, f"nested more than {MAX_DEPTH} levels deep")
            if values > MAX_VALUES:
                raise _marked(
                    node, f"expands to more than {MAX_VALUES:,} values (an alias repeats all it points at, each time)"
                )
            sizes[key] = (values, depth)
        elif key in open_nodes:
            raise _marked(node, "an alias points at a node that contains it: a recursive structure has no JSON form")
        elif key not in sizes:
            _check_node(node)
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def strict_loader(base: type[yaml.SafeLoader] | None = None) -> type[yaml.SafeLoader]:
    """A safe YAML loader for JSON values: no duplicate keys, dates kept as text, integer keys kept as written
    (`200:` is "200"), no NaN or infinity, integers of at most MAX_INT_DIGITS digits. Over libyaml's parser when
    PyYAML has it (`base`: another SafeLoader, e.g. the pure-Python one)."""
    parent: type[yaml.SafeLoader] = base if base is not None else getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(parent):  # type: ignore[valid-type,misc]
        pass

    StrictLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in parent.yaml_implicit_resolvers.items()
    }

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if key_node.tag == _INT else loader.construct_object(key_node, deep=deep)
            if key in mapping:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (line {mark.line + 1}, column {mark.column + 1})", mark
                )
            mapping[key] = loader.construct_object(value_node, deep=deep)
        return mapping

    def construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
        digits = len(node.value.lstrip("+-").replace("_", ""))
        value = loader.construct_yaml_int(node) if digits <= MAX_INT_DIGITS else INT_BOUND
        if abs(value) >= INT_BOUND:
            raise _marked(node, f"an integer of more than {MAX_INT_DIGITS:,} digits")
        return int(value)

    def construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
        value = float(loader.construct_yaml_float(node))
        if not math.isfinite(value):
            raise _marked(node, f"{node.value} (NaN or infinity) has no JSON form: use a finite number or text")
        return value

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    StrictLoader.add_constructor(_INT, construct_int)
    StrictLoader.add_constructor(_FLOAT, construct_float)
    return StrictLoader
