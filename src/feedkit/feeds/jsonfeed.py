"""JSON Feed 1.1, written directly (feedgen has no JSON Feed writer)."""

from __future__ import annotations

import json
from dataclasses import replace
from json.encoder import encode_basestring
from typing import Any

from ..dates import rfc3339
from ..model import Author, Feed, Post
from ..site import Site
from .common import feed_url

VERSION = "https://jsonfeed.org/version/1.1"


def render_json(feed: Feed, site: Site) -> bytes:
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": site.home_url,
        "feed_url": feed_url(site, feed, "json"),
    }
    if site.description:
        document["description"] = site.description
    if site.lang:
        document["language"] = site.lang
    if site.author and site.author.name:
        document["authors"] = [_author(site.author)]
    if site.hub:
        document["hubs"] = [{"type": "WebSub", "url": site.hub}]
    older = feed.pages if feed.page == 0 else feed.page - 1
    if older:  # JSON Feed pagination: next_url leads to older posts, page by page
        document["next_url"] = feed_url(site, replace(feed, page=older), "json")
    document["items"] = [_item(post) for post in feed.posts]
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def item_json(post: Post) -> str:
    """One item as `render_json` writes it at the top level (two-space indent)."""
    return json.dumps(_item(post), ensure_ascii=False, indent=2)


def item_fragment(post: Post) -> str:
    """One item as it sits in a feed's items array: `item_json` with four more spaces a line.

    Written by `_encode`: json.dumps with an indent runs the pure-Python encoder, which costs
    several times more than joining the strings it would write.
    """
    return "    " + _encode(_item(post), "    ")


def _encode(value: Any, indent: str) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, lines after the first at `indent`."""
    if isinstance(value, str):
        return encode_basestring(value)
    inner = indent + "  "
    if isinstance(value, dict) and value:
        members = ",\n".join(
            [f"{inner}{encode_basestring(k)}: {_encode(v, inner)}" for k, v in value.items()]
        )
        return f"{{\n{members}\n{indent}}}"
    if isinstance(value, (list, tuple)) and value:
        elements = ",\n".join([inner + _encode(v, inner) for v in value])
        return f"[\n{elements}\n{indent}]"
    return json.dumps(value, ensure_ascii=False)  # other scalars, empty containers


def _item(post: Post) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": post.id,
        "url": post.url,
        "title": post.title,
        "content_html": post.content_html,
    }
    if post.summary:
        item["summary"] = post.summary
    if post.image:
        item["image"] = post.image
    item["date_published"] = rfc3339(post.date)
    item["date_modified"] = rfc3339(post.updated)
    if post.author and post.author.name:
        item["authors"] = [_author(post.author)]
    tags = list(dict.fromkeys((*post.categories, *post.tags)))
    if tags:
        item["tags"] = tags
    if post.lang:
        item["language"] = post.lang
    return item


def _author(author: Author) -> dict[str, str]:
    out = {"name": author.name}
    if author.uri:
        out["url"] = author.uri
    return out
