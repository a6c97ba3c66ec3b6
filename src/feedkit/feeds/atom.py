"""Atom 1.0 (RFC 4287): content type="html", published and updated on every entry."""

from __future__ import annotations

from ..model import Feed
from ..site import Site
from .common import build, serialise


def render_atom(feed: Feed, site: Site) -> bytes:
    return serialise(build(feed, site, "atom"), feed, site, "atom")
