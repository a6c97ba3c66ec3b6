"""YAML helpers: fast loading with libyaml, and locating a key's line for error messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

try:  # libyaml is ~10x faster than the pure-Python loader; PyYAML wheels ship it
    Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - only on builds without libyaml
    Loader = yaml.SafeLoader


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)  # CSafeLoader: no arbitrary objects


def node_line(text: str, path: Sequence[str | int]) -> int | None:
    """0-based line of the node at `path` (key for mappings, item for lists), or None.

    Only called on the error path, so composing the document a second time costs nothing
    in the common case.
    """
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError:
        return None
    line: int | None = node.start_mark.line if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            pair = next((p for p in node.value if p[0].value == step), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                return line
            node = node.value[step]
            line = node.start_mark.line
        else:
            return line
    return line


def failing_scalar(text: str) -> tuple[int, str] | None:
    """0-based line and text of the first value the safe constructor cannot build.

    Loading reports such failures (``date: 2022-02-30``, ``!!int abc``) without a position;
    composing the document keeps every node's mark, so each scalar is built alone to find it.
    """
    try:
        root = yaml.compose(text, Loader=Loader)
    except (yaml.YAMLError, RecursionError):
        return None
    constructor = yaml.constructor.SafeConstructor()
    pending = [root] if root is not None else []
    while pending:
        node = pending.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node, deep=True)
            except Exception:
                return node.start_mark.line, str(node.value)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in node.value for item in pair)
    return None
