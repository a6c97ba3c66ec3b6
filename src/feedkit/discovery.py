"""Discovery pages: an OPML list of every feed, and small HTML pages that show how to subscribe.

The pages are static files written beside the feeds. They link to each other with relative URLs,
so they work on any static server, and to the feeds with the feeds' own absolute URLs, which are
what a reader should subscribe to. The same feed set always gives the same bytes.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote

from .feeds.common import feed_url
from .model import Feed, FeedSet, Post
from .render import xml_text
from .site import Site

__all__ = ["discovery_pages"]

GROUPS = (("site", "Site"), ("category", "Categories"), ("tag", "Tags"))
FORMATS = (
    ("rss", "RSS", "application/rss+xml"),
    ("atom", "Atom", "application/atom+xml"),
    ("json", "JSON Feed", "application/feed+json"),
)
OPML_DOCS = "http://opml.org/spec2.opml"
CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;"
    "max-width:60rem;margin:0 auto;padding:1rem;line-height:1.5;color:#222;background:#fff}"
    "a{color:#0645ad}table{border-collapse:collapse;width:100%;table-layout:fixed}"
    "th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top;"
    "overflow-wrap:anywhere}th:nth-child(1){width:36%}th:nth-child(2){width:10%}"
    "th:nth-child(3){width:24%}th:nth-child(2),td.n{text-align:right}time{color:#555}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.75rem;"
    "font-size:.85rem}"
    ".url{overflow-wrap:anywhere}ol.posts li{margin-bottom:1rem}ol.posts p{margin:.25rem 0}"
)


def discovery_pages(feedset: FeedSet, site: Site) -> dict[str, bytes]:
    """Every discovery file, keyed by its path relative to the output folder."""
    pages = site_pages(feedset, site)
    for feed in feedset.feeds:
        pages[f"{feed.stem}.html"] = feed_page(feed, site)
    return pages


def site_pages(feedset: FeedSet, site: Site) -> dict[str, bytes]:
    """index.opml and index.html: they need every feed's title, count and date, no content."""
    return {"index.opml": _opml(feedset, site), "index.html": _index(feedset, site).encode()}


def feed_page(feed: Feed, site: Site) -> bytes:
    """The page of one feed (written with the feed, since it shows its posts' summaries)."""
    return _feed_page(feed, site).encode()


# OPML


def _opml(feedset: FeedSet, site: Site) -> bytes:
    """An OPML 2.0 subscription list: one folder per kind of feed, Atom URLs to subscribe to."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = xml_text(site.title)
    if site.author and site.author.name:
        ET.SubElement(head, "ownerName").text = xml_text(site.author.name)
    ET.SubElement(head, "docs").text = OPML_DOCS
    body = ET.SubElement(root, "body")
    for kind, label in GROUPS:
        feeds = _of_kind(feedset, kind)
        if feeds or kind == "site":  # the site group keeps <body> non-empty, as OPML requires
            group = ET.SubElement(body, "outline", text=label, title=label)
            for feed in feeds:
                ET.SubElement(group, "outline", _outline(feed, site))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _outline(feed: Feed, site: Site) -> dict[str, str]:
    title = xml_text(feed.title)
    attributes = {"type": "rss", "text": title, "title": title}
    attributes["xmlUrl"] = feed_url(site, feed, "atom")
    attributes["htmlUrl"] = site.home_url
    if site.description:
        attributes["description"] = xml_text(site.description)
    if site.lang:
        attributes["language"] = site.lang
    return attributes


# HTML


def _index(feedset: FeedSet, site: Site) -> str:
    """The page for people: every feed with its size, latest date and subscribe links."""
    site_feeds = _of_kind(feedset, "site")
    head = [_alternates(feed, site) for feed in site_feeds]
    head.append('<link rel="outline" type="text/x-opml" href="index.opml">')
    body = [f"<header><h1>{_e(site.title)}</h1>"]
    if site.description:
        body.append(f"<p>{_e(site.description)}</p>")
    body.append(
        '<p>Every feed as an OPML list, to import into a feed reader: <a href="index.opml" '
        'type="text/x-opml">index.opml</a></p></header>'
    )
    for kind, label in GROUPS:
        feeds = _of_kind(feedset, kind)
        if feeds:
            body.append(_table(kind, label, feeds, site))
    if site_feeds:
        body.append(_layout_snippet(site_feeds[0], site))
    return _page(site, f"{site.title} · feeds", "\n".join(head), "\n".join(body))


def _table(kind: str, label: str, feeds: list[Feed], site: Site) -> str:
    rows = "\n".join(_row(feed, site) for feed in feeds)
    return (
        f'<section id="{kind}"><h2>{label}</h2>\n<table>\n<thead><tr><th>Feed</th>'
        f"<th>Posts</th><th>Latest</th><th>Subscribe</th></tr></thead>\n<tbody>\n{rows}\n"
        "</tbody></table></section>"
    )


def _row(feed: Feed, site: Site) -> str:
    subscribe = " · ".join(
        f'<a href="{_e(feed_url(site, feed, fmt))}" type="{mime}">{name}</a>'
        for fmt, name, mime in FORMATS
    )
    return (
        f'<tr><td><a href="{_href(feed.stem + ".html")}">{_e(_label(feed))}</a></td>'
        f'<td class="n">{feed.total}</td><td>{_latest(feed)}</td><td>{subscribe}</td></tr>'
    )


def _layout_snippet(feed: Feed, site: Site) -> str:
    return (
        '<section id="layout"><h2>For your site’s layout</h2>\n'
        "<p>Paste these lines into the <code>&lt;head&gt;</code> of your pages, so that "
        "browsers and feed readers find the feeds:</p>\n"
        f"<pre><code>{_e(_alternates(feed, site))}</code></pre></section>"
    )


def _feed_page(feed: Feed, site: Site) -> str:
    """One feed: its title, its three addresses and its latest posts."""
    up = "../" * feed.stem.count("/")
    shown = f", the newest {len(feed.posts)} in the feed" if len(feed.posts) < feed.total else ""
    body = [
        f'<nav><a href="{up}index.html">All feeds of {_e(site.title)}</a></nav>',
        f"<h1>{_e(feed.title)}</h1>",
        f"<p>{_count(feed.total)}; latest {_latest(feed)}.</p>",
        "<h2>Subscribe</h2>\n<p>Copy one of these addresses into your feed reader:</p>",
        _subscribe_list(feed, site),
        f"<h2>Latest posts{shown}</h2>",
        '<ol class="posts">',
        *(_item(post) for post in feed.posts),
        "</ol>",
    ]
    return _page(site, feed.title, _alternates(feed, site), "\n".join(body))


def _subscribe_list(feed: Feed, site: Site) -> str:
    items = []
    for fmt, name, mime in FORMATS:
        url = _e(feed_url(site, feed, fmt))
        items.append(f'<li>{name}: <a class="url" href="{url}" type="{mime}">{url}</a></li>')
    return '<ul class="subscribe">\n' + "\n".join(items) + "\n</ul>"


def _item(post: Post) -> str:
    summary = f"\n<p>{_e(post.summary)}</p>" if post.summary else ""
    return f'<li><a href="{_e(post.url)}">{_e(post.title)}</a><br>{_time(post.date)}{summary}</li>'


def _page(site: Site, title: str, head: str, body: str) -> str:
    lang = f' lang="{_e(site.lang)}"' if site.lang else ""
    return (
        f"<!DOCTYPE html>\n<html{lang}>\n<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n{head}\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _alternates(feed: Feed, site: Site) -> str:
    """`<link rel="alternate">` tags for the three formats of `feed`, one a line."""
    return "\n".join(
        f'<link rel="alternate" type="{mime}" title="{_e(f"{feed.title} ({name})")}" '
        f'href="{_e(feed_url(site, feed, fmt))}">'
        for fmt, name, mime in FORMATS
    )


# Small helpers


def _of_kind(feedset: FeedSet, kind: str) -> list[Feed]:
    return [feed for feed in feedset.feeds if feed.kind == kind]


def _label(feed: Feed) -> str:
    return feed.name or feed.title


def _count(posts: int) -> str:
    return f"{posts} post" if posts == 1 else f"{posts} posts"


def _latest(feed: Feed) -> str:
    if not feed.posts:
        return "never"
    return _time(max(post.date for post in feed.posts))


def _time(when: datetime) -> str:
    shown = when.isoformat(sep=" ", timespec="minutes")
    return f'<time datetime="{when.isoformat()}">{shown}</time>'


def _href(path: str) -> str:
    """A relative link to `path`: everything but letters, digits, `-._~` and `/` encoded."""
    return quote(path, safe="/")


def _e(text: str) -> str:
    """Text made safe for HTML content and quoted attributes."""
    return html.escape(xml_text(text), quote=True)
