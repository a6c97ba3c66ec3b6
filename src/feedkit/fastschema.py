"""A JSON Schema restated so that fastjsonschema compiles it to cheap code for valid documents.

fastjsonschema compiles each ``oneOf`` branch to a try block, and every branch a value does
not take raises (and formats) an exception: a five-key post raised eight and took ~12 µs.
When each branch of a ``oneOf`` requires its own JSON type, a value can satisfy at most one,
so the ``oneOf`` holds exactly when the value's type is one of theirs and the keywords of the
branch owning that type hold. Keywords such as minLength (strings only) or properties (objects
only) can therefore sit side by side in one schema with the union of the types: it accepts
and rejects the same documents, and compiles to a few isinstance checks.

Used for the fast check only; jsonschema explains problems with the schema as written.
"""

from __future__ import annotations

import copy
from typing import Any

# Keywords that constrain values of a single JSON type and ignore every other value; they
# take no account of sibling keywords outside this set, so they can move between schemas.
_OWNER = {
    "minLength": "string",
    "maxLength": "string",
    "pattern": "string",
    "items": "array",
    "properties": "object",
    "required": "object",
}
_ANNOTATIONS = frozenset({"description", "title", "$comment"})
# Pairwise disjoint ("integer" overlaps "number": a oneOf using it is left as it is).
_TYPES = frozenset({"null", "boolean", "string", "number", "array", "object"})
_LOCAL = "#/$defs/"
_MAX_DEPTH = 32  # $refs are followed: a recursive definition stops being simplified here


def simplify(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with each type-disjoint ``oneOf`` merged into one schema; `schema` is not
    modified, and the result shares nothing with it (fastjsonschema may modify its input).

    Written for feedkit's own schema: ``#/$defs/`` references are read from the root, which
    an embedded ``$id`` (not used there) would make wrong.
    """
    root = copy.deepcopy(schema)
    simplified: dict[str, Any] = _simplify(root, root, 0)
    return simplified


def _simplify(node: Any, root: dict[str, Any], depth: int) -> Any:
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return node
    out = dict(node)
    for key in ("properties", "$defs"):
        if isinstance(node.get(key), dict):
            out[key] = {k: _simplify(v, root, depth + 1) for k, v in node[key].items()}
    if "items" in node:
        out["items"] = _simplify(node["items"], root, depth + 1)
    branches = node.get("oneOf")
    if isinstance(branches, list) and branches and set(node) - _ANNOTATIONS == {"oneOf"}:
        merged = _merge([_simplify(_target(b, root), root, depth + 1) for b in branches])
        if merged is not None:
            return merged
    return out


def _target(branch: Any, root: dict[str, Any]) -> Any:
    """What a branch that is only ``{"$ref": "#/$defs/name"}`` refers to (else the branch)."""
    if not isinstance(branch, dict) or set(branch) - _ANNOTATIONS != {"$ref"}:
        return branch
    ref = branch["$ref"]
    name = ref[len(_LOCAL) :] if isinstance(ref, str) and ref.startswith(_LOCAL) else ""
    definitions = root.get("$defs")
    if not name or any(c in name for c in "/~%") or not isinstance(definitions, dict):
        return branch
    return definitions.get(name, branch)


def _merge(branches: list[Any]) -> dict[str, Any] | None:
    """One schema for a ``oneOf`` of `branches`, or None if they are not type-disjoint."""
    types: list[str] = []
    merged: dict[str, Any] = {}
    for branch in branches:
        own = _types(branch)
        if not own or set(own) & set(types):
            return None
        for key, value in branch.items():
            if key == "type" or key in _ANNOTATIONS:
                continue
            if _OWNER.get(key) not in own or key in merged:
                return None
            merged[key] = value
        types += own
    return {"type": types, **merged}


def _types(branch: Any) -> list[str] | None:
    """The JSON types a branch requires, if it names only types that _TYPES can tell apart."""
    own = branch.get("type") if isinstance(branch, dict) else None
    own = [own] if isinstance(own, str) else own
    if isinstance(own, list) and all(isinstance(t, str) and t in _TYPES for t in own):
        return own
    return None
