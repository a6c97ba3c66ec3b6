"""YAML helpers: fast loading with libyaml, and locating a key's line for error messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

try:  # libyaml is ~10x faster than the pure-Python loader; PyYAML wheels ship it
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - only on builds without libyaml
    _Base = yaml.SafeLoader

_MERGE = "tag:yaml.org,2002:merge"


class DuplicateKey(yaml.constructor.ConstructorError):
    """A mapping names the same key twice (lines are 0-based, within the front matter)."""

    def __init__(self, key: str, first_line: int, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key {key!r}", mark)
        self.key, self.first_line = key, first_line


class Loader(_Base):  # type: ignore[misc]
    """The safe loader, refusing a key given twice in one mapping.

    YAML (and Jekyll) silently keep the last value, so the first one the author wrote is lost.
    Keys brought in by a merge (``<<: *base``) may still be overridden, as YAML intends.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[str, yaml.Node] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                continue
            first = seen.setdefault(key_node.value, key_node)
            if first is not key_node:
                raise DuplicateKey(key_node.value, first.start_mark.line, key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)  # a safe loader: no arbitrary objects


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


def failing_scalar(text: str) -> tuple[int, str, str] | None:
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
            except Exception:  # any failure here is the answer we look for
                return node.start_mark.line, str(node.value), str(node.tag).rsplit(":", 1)[-1]
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in node.value for item in pair)
    return None
