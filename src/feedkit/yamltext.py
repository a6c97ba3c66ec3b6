"""YAML helpers: fast loading with libyaml, and locating a key's line for error messages."""

from __future__ import annotations

import functools
import re
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
    """The document in `text`, exactly as the safe `Loader` builds it (or raises).

    Front matter is nearly always a few ``key: value`` lines of one-line scalars, which
    `_load_simple` reads in a few microseconds where the full loader takes ~25 (a cold run
    reads every post); it leaves anything else, and anything it is unsure of, to the latter.
    """
    data = _load_simple(text)
    return yaml.load(text, Loader=Loader) if data is None else data  # safe: no arbitrary objects


_LOADER = Loader("")  # its own resolver and constructors give plain scalars their types
_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp")}
_INDICATORS = frozenset(" -?:,[]{}#&*!|>'\"%@`")  # cannot (or not always) start a plain scalar
_KEY_START = _INDICATORS | {"."}  # "..." at column 0 ends the document
_MAX_KEY = 128  # YAML allows a key on one line up to 1024 characters
_MAX_CACHED = 256  # remember lines up to this long: "layout: post", "tags: news" recur
# Characters YAML refuses, or reads as white space or a line break (tab, CR, NEL, LS, PS), BOM
_UNSAFE = re.compile(
    "[^\n -~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_FALLBACK: Any = object()


def _load_simple(text: str) -> dict[str, Any] | None:
    """A mapping of ``key: value`` lines at column 0, with distinct plain keys and one-line
    values that need no unescaping; None if `text` is anything else, or anything unsure."""
    if _UNSAFE.search(text):
        return None
    data: dict[str, Any] = {}
    for line in text.split("\n"):
        if not line:
            continue
        entry = (_cached_line if len(line) <= _MAX_CACHED else _parse_line)(line)
        if entry is None or entry[0] in data:
            return None  # not simple, or a repeated key (the full loader raises DuplicateKey)
        key, value = entry
        data[key] = list(value) if type(value) is tuple else value  # cached lines: immutable
    return data or None


def _parse_line(line: str) -> tuple[str, Any] | None:
    """The key and value of a ``key: value`` (or ``key:``) line, or None."""
    line = line.rstrip(" ")
    key, sep, value = line.partition(": ")
    if not sep and line.endswith(":"):
        key, sep = line[:-1], ":"  # an empty value: null
    if not (sep and 0 < len(key) <= _MAX_KEY and _is_plain_key(key)):
        return None
    value = _scalar(value.lstrip(" "))
    return None if value is _FALLBACK else (key, value)


_cached_line = functools.lru_cache(maxsize=4096)(_parse_line)  # values are all immutable


@functools.lru_cache(maxsize=1024)
def _is_plain_key(key: str) -> bool:
    """Whether `key` is a plain scalar that YAML reads as this very string."""
    return (
        key[0] not in _KEY_START
        and ":" not in key
        and " #" not in key
        and not key.endswith(" ")
        and _LOADER.resolve(yaml.ScalarNode, key, (True, False)) == _STR
    )


def _scalar(value: str) -> Any:
    """The value of a one-line scalar, or _FALLBACK if it is not a simple one."""
    first = value[:1]
    if first == "[":
        return _flow_sequence(value)
    if first in ("'", '"'):
        inner = value[1:-1]
        closed = len(value) > 1 and value[-1] == first and first not in inner
        return inner if closed and not (first == '"' and "\\" in inner) else _FALLBACK
    if first in _INDICATORS or ": " in value or " #" in value or value.endswith(":"):
        return _FALLBACK
    tag = _LOADER.resolve(yaml.ScalarNode, value, (True, False))
    if tag == _STR:
        return value
    if tag not in _SCALAR_TAGS:
        return _FALLBACK  # "<<", "="
    try:
        return _LOADER.yaml_constructors[tag](_LOADER, yaml.ScalarNode(tag, value))
    except Exception:  # 2022-02-30: the full loader raises it, and load.py says where
        return _FALLBACK


def _flow_sequence(value: str) -> tuple[Any, ...] | Any:
    """``[a, b]``, a one-line flow sequence of plain scalars (``tags: [新闻, 财经]``), as a
    tuple; _FALLBACK for anything else (quotes, nesting, comments, empty or "key: value"
    items, a trailing comma)."""
    inner = value[1:-1]
    if value[-1:] != "]" or any(c in inner for c in "[]{}'\"#:"):
        return _FALLBACK
    if not inner.strip(" "):
        return ()
    texts = [item.strip(" ") for item in inner.split(",")]
    items = [_scalar(text) if text else _FALLBACK for text in texts]
    return _FALLBACK if any(item is _FALLBACK for item in items) else tuple(items)


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
