"""One writer per feed format; each turns a `Feed` into the bytes of a file."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Feed
from ..site import Site
from .atom import render_atom
from .common import EXTENSIONS, feed_url
from .jsonfeed import render_json
from .rss import render_rss

Writer = Callable[[Feed, Site], bytes]

WRITERS: dict[str, Writer] = {"rss": render_rss, "atom": render_atom, "json": render_json}

__all__ = [
    "EXTENSIONS",
    "WRITERS",
    "Writer",
    "feed_url",
    "render_atom",
    "render_json",
    "render_rss",
]
