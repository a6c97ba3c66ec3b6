"""A real feed client reads what we write: feedparser sees the same items in every format."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest
from lxml import etree

from conftest import feed_files
from feedkit.resources import load_schema

JSONFEED_VALIDATOR = jsonschema.Draft202012Validator(
    load_schema("jsonfeed-1.1.schema.json"),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)


def stems(folder: Path) -> list[str]:
    """Every feed (published as .rss, .atom and .json; discovery pages are not feeds)."""
    return sorted(name[: -len(".json")] for name in feed_files(folder) if name.endswith(".json"))


@pytest.fixture(scope="module")
def feeds(published_example: Path) -> Path:
    return published_example


def _json(folder: Path, stem: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    return data


def test_every_json_feed_validates_against_the_json_feed_schema(feeds: Path) -> None:
    for stem in stems(feeds):
        errors = [e.message for e in JSONFEED_VALIDATOR.iter_errors(_json(feeds, stem))]
        assert errors == [], stem


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feedparser_reads_xml_feeds_without_complaint(feeds: Path, fmt: str) -> None:
    for stem in stems(feeds):
        parsed = feedparser.parse((feeds / f"{stem}.{fmt}").read_bytes())
        assert not parsed.bozo, (stem, parsed.get("bozo_exception"))
        assert parsed.version == ("rss20" if fmt == "rss" else "atom10")


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_xml_and_json_feeds_hold_the_same_items(feeds: Path, fmt: str) -> None:
    for stem in stems(feeds):
        document = _json(feeds, stem)
        parsed = feedparser.parse((feeds / f"{stem}.{fmt}").read_bytes())
        assert parsed.feed.title == document["title"]
        assert len(parsed.entries) == len(document["items"]) > 0
        for entry, item in zip(parsed.entries, document["items"], strict=True):
            assert entry.id == item["id"]
            assert entry.link == item["url"]
            assert entry.title == item["title"]
            published = datetime.fromisoformat(item["date_published"])
            assert (
                entry.published_parsed == published.utctimetuple()[:6] + entry.published_parsed[6:]
            )
            assert [t.term for t in entry.tags] == item["tags"]


def test_self_links_point_at_the_files_themselves(feeds: Path) -> None:
    base = "https://news.example.com/finews/feeds/"
    for stem in stems(feeds):
        assert _json(feeds, stem)["feed_url"].startswith(base)
        atom = feedparser.parse((feeds / f"{stem}.atom").read_bytes())
        self_link = next(link.href for link in atom.feed.links if link.rel == "self")
        assert self_link == base + _quote(stem) + ".atom"


def _quote(stem: str) -> str:
    from urllib.parse import quote

    return quote(stem)


def test_tag_feed_title_names_the_site_and_the_tag(feeds: Path) -> None:
    assert _json(feeds, "tag/银川新闻网新闻")["title"] == "示例财经 · 银川新闻网新闻"
    assert _json(feeds, "all")["title"] == "示例财经"


def test_dates_keep_the_posts_own_offset(feeds: Path) -> None:
    rss = (feeds / "tag/银川新闻网新闻.rss").read_text(encoding="utf-8")
    assert "<pubDate>Fri, 18 Feb 2022 14:41:30 +0800</pubDate>" in rss
    item = _json(feeds, "tag/银川新闻网新闻")["items"][0]
    assert item["date_published"] == "2022-02-18T14:41:30+08:00"
    english = next(i for i in _json(feeds, "all")["items"] if i["title"].startswith("Markets"))
    assert english["date_published"] == "2022-04-08T21:05:00-04:00"


def test_rss_has_content_encoded_and_a_newest_item_build_date(feeds: Path) -> None:
    root = etree.parse(str(feeds / "all.rss")).getroot()
    channel = root.find("channel")
    assert channel is not None
    newest = channel.find("item/pubDate")
    assert newest is not None
    assert channel.findtext("lastBuildDate") == newest.text
    ns = {"content": "http://purl.org/rss/1.0/modules/content/"}
    assert len(root.findall("channel/item/content:encoded", ns)) == len(root.findall(".//item"))


def test_atom_content_is_typed_html_and_entries_have_published(feeds: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = etree.parse(str(feeds / "all.atom")).getroot()
    for entry in root.findall("a:entry", ns):
        assert entry.find("a:content", ns).get("type") == "html"
        assert entry.findtext("a:published", namespaces=ns)
        assert entry.findtext("a:updated", namespaces=ns)
    assert root.findtext("a:updated", namespaces=ns) == max(
        e.findtext("a:updated", namespaces=ns) for e in root.findall("a:entry", ns)
    )


def test_embedded_content_cannot_script_a_page(feeds: Path) -> None:
    from lxml import html as lxml_html

    for item in _json(feeds, "all")["items"]:
        tree = lxml_html.fragment_fromstring(item["content_html"], create_parent="div")
        for element in tree.iter():
            assert element.tag not in ("script", "iframe", "style", "object", "embed", "base")
            for name, value in element.attrib.items():
                assert not name.startswith("on") and name != "style", (item["title"], name)
                assert not value.strip().lower().startswith(("javascript:", "data:")), value


def test_every_link_in_content_is_absolute(feeds: Path) -> None:
    import re

    for item in _json(feeds, "all")["items"]:
        for url in re.findall(r'(?:href|src)="([^"]*)"', item["content_html"]):
            assert url.startswith(("https://", "http://", "mailto:")), (item["title"], url)


def test_items_are_newest_first_and_unique(feeds: Path) -> None:
    items = _json(feeds, "all")["items"]
    published = [datetime.fromisoformat(i["date_published"]) for i in items]
    assert published == sorted(published, reverse=True)
    assert len({i["id"] for i in items}) == len(items)
