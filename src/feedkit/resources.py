"""Locate the JSON Schemas shipped with feedkit (in the wheel, or the repo root if editable)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_CANDIDATES = (_HERE / "schemas", _HERE.parent.parent / "schemas")


def schema_path(name: str) -> Path:
    for folder in _CANDIDATES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"feedkit schema {name!r} is not installed")


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy each call: validators may modify the dict they are given (fastjsonschema
    does), and the schema's text is also part of the cache fingerprint."""
    data: dict[str, Any] = json.loads(_schema_text(name))
    return data


@cache
def _schema_text(name: str) -> str:
    return schema_path(name).read_text(encoding="utf-8")
