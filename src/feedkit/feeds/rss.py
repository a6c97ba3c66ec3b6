"""RSS 2.0 with content:encoded, dc:creator and an atom:link to itself."""

from __future__ import annotations

from ..model import Feed
from ..site import Site
from .common import build, serialise


def render_rss(feed: Feed, site: Site) -> bytes:
    return serialise(build(feed, site, "rss"), feed, site, "rss")
