"""Atom 1.0 (RFC 4287): content type="html", published and updated on every entry."""

from __future__ import annotations

from ..model import Feed
from ..site import Site
from .common import build


def render_atom(feed: Feed, site: Site) -> bytes:
    data: bytes = build(feed, site, "atom").atom_str(pretty=True)
    return data
