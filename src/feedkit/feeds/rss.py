"""RSS 2.0 with content:encoded, dc:creator and an atom:link to itself."""

from __future__ import annotations

from ..model import Feed
from ..site import Site
from .common import build


def render_rss(feed: Feed, site: Site) -> bytes:
    data: bytes = build(feed, site, "rss").rss_str(pretty=True)
    return data
