"""Feeds assembled from per-post fragments, byte for byte what the whole-document writers give.

Serialising an item costs far more than joining strings, and a post appears in several feeds
(the site, its category, its tag) and in every run after it is published. So each post's RSS
``<item>``, Atom ``<entry>`` and JSON Feed item is serialised once, by the same writers, cut out
of a one-item document, and cached; a feed is then its head (built by feedgen) plus the joined
fragments. Pretty-printing indents an element by its depth alone, so the bytes are identical;
tests compare both ways on every feed.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from ..model import Feed, Post
from ..site import Site
from .common import build, fill_entry, new_entry, serialise
from .jsonfeed import item_json, render_json

FORMATS = ("rss", "atom", "json")
_ATOM = "http://www.w3.org/2005/Atom"
_RSS_NAMESPACES = {  # what feedgen's RSS root declares with the dc extension loaded
    "dc": "http://purl.org/dc/elements/1.1/",
    "atom": _ATOM,
    "content": "http://purl.org/rss/1.0/modules/content/",
}
# Where items sit in each pretty-printed document: (opening line, closing line, end of head).
_XML = {
    "rss": ("    <item>\n", "    </item>\n", "  </channel>\n"),
    "atom": ("  <entry>\n", "  </entry>\n", "</feed>\n"),
}


def post_fragments(post: Post, site: Site) -> dict[str, str]:
    """The post serialised as an item of each format, exactly as it appears inside a feed.

    The entry is built by feedgen as for a whole feed, then serialised inside a bare root that
    declares the namespaces feedgen's root declares, so nesting and prefixes are the same.
    """
    entry = new_entry()
    fill_entry(entry, post)
    rss = etree.Element("rss", version="2.0", nsmap=_RSS_NAMESPACES)
    etree.SubElement(rss, "channel").append(entry.rss_entry())
    atom = etree.Element("feed", xmlns=_ATOM)
    atom.append(entry.atom_entry())
    return {
        "rss": _cut(_pretty(rss), "rss"),
        "atom": _cut(_pretty(atom), "atom"),
        "json": _indent(item_json(post)),
    }


def _pretty(root: etree._Element) -> str:
    data: bytes = etree.tostring(root, pretty_print=True, encoding="UTF-8")
    return data.decode("utf-8")


def assemble(feed: Feed, site: Site, fmt: str, fragments: list[str]) -> bytes:
    """A whole feed document from its head and its posts' fragments (in feed order)."""
    if fmt == "json":
        return _assemble_json(feed, site, fragments)
    head = _document(feed, site, fmt, entries=False)
    end = _XML[fmt][2]
    at = head.rindex(end)
    return (head[:at] + "".join(fragments) + head[at:]).encode("utf-8")


def _document(feed: Feed, site: Site, fmt: str, *, entries: bool = True) -> str:
    return serialise(build(feed, site, fmt, entries=entries), feed, site, fmt).decode("utf-8")


def _cut(document: str, fmt: str) -> str:
    opening, closing, _end = _XML[fmt]
    start = document.index(opening)
    return document[start : document.index(closing, start) + len(closing)]


def _indent(item: str) -> str:
    """A JSON item as it sits in the items array: four more spaces on every line.

    Safe line by line: JSON strings never hold a raw newline.
    """
    return "\n".join("    " + line for line in item.split("\n"))


def _assemble_json(feed: Feed, site: Site, fragments: list[str]) -> bytes:
    head = render_json(replace(feed, posts=()), site).decode("utf-8")
    if not fragments:
        return head.encode("utf-8")
    empty = '  "items": []\n}\n'
    assert head.endswith(empty)
    items = '  "items": [\n' + ",\n".join(fragments) + "\n  ]\n}\n"
    return (head[: -len(empty)] + items).encode("utf-8")
