"""The manifest: the files feedkit wrote in the output folder, so it deletes only its own.

When a category or tag loses its last post, its feeds are removed; any file in the output
folder that the manifest does not list (a README, a hand-made feed, an image) is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

MANIFEST_NAME = ".feedkit-manifest.json"


def read(out_dir: Path) -> set[str]:
    """Names listed by the manifest in `out_dir` (none if there is no readable manifest)."""
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        return set()
    return {name for name in files if isinstance(name, str) and _is_safe(name)}


def _is_safe(name: str) -> bool:
    parts = name.split("/")
    return not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def render(names: Iterable[str]) -> bytes:
    document = {"generator": "feedkit", "files": sorted(set(names))}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
