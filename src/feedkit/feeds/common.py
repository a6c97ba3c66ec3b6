"""What the three writers share: feed URLs, and a feedgen document for RSS and Atom."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import datetime
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from ..model import Feed, Post
from ..render import xml_text
from ..site import Site
from ..urls import encode_path

GENERATOR = "feedkit"
ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
EXTENSIONS = {"rss": "rss", "atom": "atom", "json": "json"}


def feed_url(site: Site, feed: Feed, fmt: str) -> str:
    """Where `feed` is served in format `fmt` (non-ASCII names percent-encoded)."""
    return site.feeds_url + encode_path(f"{feed.stem}.{EXTENSIONS[fmt]}")


def feed_updated(feed: Feed, site: Site) -> datetime:
    """The newest change among the feed's posts: a rebuild never moves it."""
    if feed.posts:
        return max(post.updated for post in feed.posts)
    return datetime(1970, 1, 1, tzinfo=site.timezone)


def build(feed: Feed, site: Site, fmt: str, *, entries: bool = True) -> FeedGenerator:
    """A feedgen document for `feed`; `fmt` picks which self link it carries.

    With ``entries=False`` it holds the feed's head only (its dates still come from the posts).
    """
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(feed_url(site, feed, "atom") if fmt == "atom" else site.home_url)
    fg.title(xml_text(feed.title))
    fg.subtitle(xml_text(site.description or feed.title))
    author = site.author
    fg.author({"name": xml_text(author.name if author and author.name else site.title)})
    # feedgen uses the last link as the RSS channel <link>, so self comes first.
    fg.link(href=feed_url(site, feed, fmt), rel="self")
    if site.hub:
        fg.link(href=site.hub, rel="hub")
    for rel, page in history_links(feed):
        fg.link(href=feed_url(site, replace(feed, page=page), fmt), rel=rel)
    fg.link(href=site.home_url, rel="alternate")
    if site.lang:
        fg.language(site.lang)
    fg.generator(GENERATOR)
    updated = feed_updated(feed, site)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    for post in feed.posts if entries else ():
        _entry(fg, post)
    return fg


def history_links(feed: Feed) -> list[tuple[str, int]]:
    """RFC 5005 links of a feed document: (rel, page), page 0 being the subscription feed."""
    if feed.page == 0:
        return [("prev-archive", feed.pages)] if feed.pages else []
    links = [("current", 0)]
    if feed.page > 1:
        links.append(("prev-archive", feed.page - 1))
    if feed.page < feed.pages:
        links.append(("next-archive", feed.page + 1))
    return links


def serialise(generator: FeedGenerator, feed: Feed, site: Site, fmt: str) -> bytes:
    """The document as feedgen writes it, plus what feedgen leaves out.

    feedgen puts only the ``self`` link into RSS, so the hub and archive links (atom:link) are
    added to the tree it built, after the self link; RFC 5005's ``fh:archive`` and
    ``fh:complete`` markers are added to both formats.
    """
    create = generator._create_rss if fmt == "rss" else generator._create_atom
    root, document = create()
    parent = root.find("channel") if fmt == "rss" else root
    if fmt == "rss":
        _add_rss_links(parent, generator)
    marker = "archive" if feed.page else "complete" if feed.complete else None
    if marker:
        position = parent.find("lastBuildDate" if fmt == "rss" else "updated")
        position.addnext(etree.Element(f"{{{HISTORY_NS}}}{marker}", nsmap={"fh": HISTORY_NS}))
    result: bytes = etree.tostring(
        document, pretty_print=True, encoding="UTF-8", xml_declaration=True
    )
    return result


def _add_rss_links(channel: Any, generator: FeedGenerator) -> None:
    anchor = channel.find(f"{{{ATOM_NS}}}link")
    for link in generator.link():
        if link.get("rel") not in ("self", "alternate"):
            element = etree.Element(f"{{{ATOM_NS}}}link", href=link["href"], rel=link["rel"])
            anchor.addnext(element)
            anchor = element


def _entry(fg: FeedGenerator, post: Post) -> None:
    fill_entry(fg.add_entry(order="append"), post)


def new_entry() -> FeedEntry:
    """A feedgen entry with the extensions feeds use, not attached to any feed."""
    entry = _ENTRIES.add_entry(order="append")
    _ENTRIES.remove_entry(entry)
    return entry


def fill_entry(entry: FeedEntry, post: Post) -> None:
    """Set every field of a feed entry from a post (one code path for RSS and Atom)."""
    entry.id(post.id)
    entry.guid(post.id, permalink=post.id == post.url)
    entry.title(xml_text(post.title))
    entry.link(href=post.url, rel="alternate")
    entry.published(post.date)
    entry.updated(post.updated)
    for name in (*post.categories, *post.tags):
        entry.category(term=xml_text(name))
    if post.author and post.author.name:
        entry.author({"name": xml_text(post.author.name)})
        entry.dc.dc_creator(xml_text(post.author.name))
    entry.summary(post.summary or None)
    if post.summary:
        # RSS readers render <description> as HTML, so the plain-text summary is escaped as
        # HTML too (Atom's <summary> is typed text and needs no such care). feedgen has no
        # setter for the RSS description alone.
        entry._FeedEntry__rss_description = html.escape(post.summary, quote=False)
    entry.content(post.content_html, type="html")


# Creates entries with the dc extension registered, as add_entry does for a feed.
_ENTRIES = FeedGenerator()
_ENTRIES.load_extension("dc", atom=False, rss=True)
