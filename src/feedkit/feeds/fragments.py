"""Feeds assembled from per-post fragments, byte for byte what the whole-document writers give.

Serialising an item costs far more than joining strings, and a post appears in several feeds
(the site, its category, its tag) and in every run after it is published. So each post's RSS
``<item>``, Atom ``<entry>`` and JSON Feed item is serialised once and cached; a feed is then
its head (built by feedgen) plus the joined fragments.

The fragments are written directly as strings: building a feedgen entry and pretty-printing it
with lxml cost several times more than the text itself. The RSS and Atom writers here follow
feedgen's entry writers for exactly the fields `fill_entry` sets (element order, attributes,
prefixes, dates, empty fields) and lxml's pretty-printer (indentation by depth, escaping); the
JSON item follows ``json.dumps``. feedgen stays the reference: `post_fragments_reference` cuts
the same fragments out of documents feedgen and lxml write, and tests compare the two on
arbitrary posts, as well as every assembled feed with the whole document the writers give.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import datetime

from lxml import etree

from ..model import Feed, Item, Post
from ..render import xml_text
from ..site import Site
from .common import build, fill_entry, new_entry, serialise
from .jsonfeed import item_fragment, item_json, render_json

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
# What lxml refuses to serialise, as xml_text drops it (lone surrogates fail to encode there).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LXML_REFUSAL = (
    "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
)
# RFC 822 names, as feedgen writes them (it formats dates in the C locale).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def post_fragments(post: Post, site: Site) -> dict[str, str]:
    """The post serialised as an item of each format, exactly as it appears inside a feed.

    Same text as `post_fragments_reference`, and the same refusals (ValueError) for a post
    feedgen or lxml cannot write.
    """
    title = xml_text(post.title)
    _check(post, title)
    # What both XML formats share, cleaned as fill_entry cleans it; the content escaped once.
    title, content = _text(title), _text(post.content_html)
    names = [xml_text(name) for name in (*post.categories, *post.tags)]
    author = xml_text(post.author.name) if post.author and post.author.name else None
    return {
        "rss": _rss_item(post, title, content, names, author),
        "atom": _atom_entry(post, title, content, names, author),
        "json": item_fragment(post),
    }


def _check(post: Post, title: str) -> None:
    """What makes feedgen (required fields, naive dates) or lxml (non-XML characters) fail."""
    if not post.id or not title:
        raise ValueError("Required fields not set")
    if post.date.tzinfo is None or post.updated.tzinfo is None:
        raise ValueError("Datetime object has no timezone info")
    for value in (post.id, post.url, post.summary, post.content_html):
        if _NOT_XML.search(value):
            raise ValueError(_LXML_REFUSAL)


def _rss_item(post: Post, title: str, content: str, names: list[str], author: str | None) -> str:
    """feedgen's ``rss_entry`` with the dc extension, pretty-printed inside ``<channel>``.

    Without a summary the content is the description, as feedgen does; the guid is a
    permalink when the id is the URL, and there is no ``<link>`` without a URL. (`_check` has
    made sure of a title and an id.)
    """
    lines = ["    <item>\n", f"      <title>{title}</title>\n"]
    if post.url:
        lines.append(f"      <link>{_text(post.url)}</link>\n")
    if post.summary:
        description = _text(html.escape(post.summary, quote=False))
        lines.append(f"      <description>{description}</description>\n")
        lines.append(f"      <content:encoded>{content}</content:encoded>\n")
    else:
        lines.append(f"      <description>{content}</description>\n")
    permalink = "true" if post.id == post.url else "false"
    lines.append(f'      <guid isPermaLink="{permalink}">{_text(post.id)}</guid>\n')
    lines.extend(f"      <category>{_text(name)}</category>\n" for name in names)
    lines.append(f"      <pubDate>{_rfc822(post.date)}</pubDate>\n")
    if author is not None:  # even when empty: feedgen keeps an empty dc:creator
        lines.append(f"      <dc:creator>{_text(author)}</dc:creator>\n")
    lines.append("    </item>\n")
    return "".join(lines)


def _atom_entry(post: Post, title: str, content: str, names: list[str], author: str | None) -> str:
    """feedgen's ``atom_entry``, pretty-printed inside ``<feed>``.

    The link carries no rel: feedgen reads it from the element it has just made (a shadowed
    name), not from the link given. An author whose name is empty is left out.
    """
    lines = [
        "  <entry>\n",
        f"    <id>{_text(post.id)}</id>\n",
        f"    <title>{title}</title>\n",
        f"    <updated>{post.updated.isoformat()}</updated>\n",
    ]
    if author:
        lines.append(f"    <author>\n      <name>{_text(author)}</name>\n    </author>\n")
    if content:
        lines.append(f'    <content type="html">{content}</content>\n')
    else:  # feedgen sets no text at all, so the element is empty
        lines.append('    <content type="html"/>\n')
    lines.append(f'    <link href="{_attribute(post.url)}"/>\n')
    if post.summary:
        lines.append(f"    <summary>{_text(post.summary)}</summary>\n")
    lines.extend(f'    <category term="{_attribute(name)}"/>\n' for name in names)
    lines.append(f"    <published>{post.date.isoformat()}</published>\n")
    lines.append("  </entry>\n")
    return "".join(lines)


def _text(value: str) -> str:
    """Text content escaped as libxml2 writes it: a carriage return too, else it would be lost."""
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _attribute(value: str) -> str:
    """An attribute value escaped as libxml2 writes it: quotes and whitespace characters too."""
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _rfc822(when: datetime) -> str:
    """feedgen's ``formatRFC2822`` without switching the process's locale to C."""
    day, month = _DAYS[when.weekday()], _MONTHS[when.month - 1]
    return when.strftime(f"{day}, %d {month} %Y %H:%M:%S %z")


def post_fragments_reference(post: Post, site: Site) -> dict[str, str]:
    """`post_fragments` as feedgen and lxml write them, which tests hold the fast path to.

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


Span = tuple[int, int]  # where an item lies in a feed file: byte offset and length


def assemble(feed: Feed, site: Site, fmt: str, fragments: list[Item]) -> tuple[bytes, list[Span]]:
    """A whole feed document from its head and its posts' fragments (UTF-8, in feed order),
    and where in it each fragment lies (the cache reads items back from there).

    Fragments are kept encoded: each is encoded once, not once per feed that shows it, and
    bytes cross process boundaries without being encoded again.
    """
    if fmt == "json":
        return _assemble_json(feed, site, fragments)
    head = _document(feed, site, fmt, entries=False).encode("utf-8")
    end = _XML[fmt][2].encode("utf-8")
    at = head.rindex(end)
    return b"".join((head[:at], *fragments, head[at:])), _spans(at, fragments, 0)


def _spans(start: int, fragments: list[Item], gap: int) -> list[Span]:
    """Offsets and lengths of `fragments` written from `start` on, `gap` bytes apart."""
    spans = []
    for fragment in fragments:
        spans.append((start, len(fragment)))
        start += len(fragment) + gap
    return spans


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


def _assemble_json(feed: Feed, site: Site, fragments: list[Item]) -> tuple[bytes, list[Span]]:
    head = render_json(replace(feed, posts=()), site)
    if not fragments:
        return head, []
    empty = b'  "items": []\n}\n'
    assert head.endswith(empty)
    start = head[: -len(empty)] + b'  "items": [\n'
    data = b"".join((start, b",\n".join(fragments), b"\n  ]\n}\n"))
    return data, _spans(len(start), fragments, 2)
