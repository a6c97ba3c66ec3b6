"""Discovery pages: index.opml, index.html and one page per feed, built from a real feed set."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

import feedkit
from conftest import NOW, copy_example
from feedkit.discovery import discovery_pages
from feedkit.feeds.common import feed_url
from feedkit.model import Feed
from feedkit.urls import encode_path

FORMATS = ("rss", "atom", "json")
TAG = "银川新闻网新闻"
HOSTILE_CATEGORIES = ("<script>alert(1)</script>", 'A&B "q"')
HOSTILE_TITLE = "<img src=x onerror=alert(2)> & \"quotes\" 'too'"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> feedkit.PublishResult:
    site = copy_example(tmp_path_factory.mktemp("discovery") / "site")
    return feedkit.publish(site, now=NOW)


@pytest.fixture(scope="module")
def pages(published: feedkit.PublishResult) -> dict[str, bytes]:
    return discovery_pages(published.feedset, published.site)


def feeds_of(result: feedkit.PublishResult, kind: str) -> list[Feed]:
    return [feed for feed in result.feedset.feeds if feed.kind == kind]


def label(feed: Feed) -> str:
    return feed.name or feed.title


def published_urls(result: feedkit.PublishResult) -> set[str]:
    return {result.site.feeds_url + encode_path(name) for name in result.outputs}


def test_the_files_are_the_two_indexes_and_one_page_per_feed(
    published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    stems = [f"{feed.stem}.html" for feed in published.feedset.feeds]
    assert list(pages) == ["index.opml", "index.html", *stems]
    assert f"tag/{TAG}.html" in pages


def test_opml_lists_every_feed_in_three_groups(
    published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    root = lxml.etree.fromstring(pages["index.opml"])
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == published.site.title
    groups = root.findall("body/outline")
    assert [g.get("text") for g in groups] == ["Site", "Categories", "Tags"]
    urls = published_urls(published)
    for group, kind in zip(groups, ("site", "category", "tag"), strict=True):
        feeds = feeds_of(published, kind)
        outlines = group.findall("outline")
        assert len(outlines) == len(feeds)
        for outline, feed in zip(outlines, feeds, strict=True):
            assert outline.get("type") == "rss"
            assert outline.get("text") == outline.get("title") == feed.title
            assert outline.get("xmlUrl") == feed_url(published.site, feed, "atom")
            assert outline.get("xmlUrl") in urls
            assert outline.get("htmlUrl") == published.site.home_url
    assert len(root.findall(".//outline[@xmlUrl]")) == len(published.feedset.feeds)


def test_the_published_urls_are_files_that_were_written(published: feedkit.PublishResult) -> None:
    for name in published.outputs:
        assert (published.site.output / name).is_file()


def test_index_lists_every_feed_with_count_date_and_three_links(
    published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    doc = lxml.html.fromstring(pages["index.html"])
    site = published.site
    assert doc.get("lang") == site.lang
    assert doc.xpath("//meta/@charset") == ["utf-8"]
    assert doc.xpath("//meta[@name='viewport']")
    assert doc.findtext(".//h1") == site.title
    for kind in ("site", "category", "tag"):
        rows = doc.xpath(f"//section[@id='{kind}']//tbody/tr")
        feeds = feeds_of(published, kind)
        assert len(rows) == len(feeds)
        for row, feed in zip(rows, feeds, strict=True):
            cells = row.findall("td")
            assert cells[0].text_content() == label(feed)
            assert cells[1].text_content() == str(feed.total)
            newest = max(post.date for post in feed.posts)
            assert cells[2].xpath("time/@datetime") == [newest.isoformat()]
            links = cells[3].xpath("a/@href")
            assert links == [feed_url(site, feed, fmt) for fmt in FORMATS]


def test_index_advertises_the_site_feed_in_its_head_and_for_layouts(
    published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    doc = lxml.html.fromstring(pages["index.html"])
    site_feed = published.feedset.feeds[0]
    expected = [feed_url(published.site, site_feed, fmt) for fmt in FORMATS]
    types = ["application/rss+xml", "application/atom+xml", "application/feed+json"]
    assert doc.xpath("//head/link[@rel='alternate']/@href") == expected
    assert doc.xpath("//head/link[@rel='alternate']/@type") == types
    snippet = doc.xpath("//section[@id='layout']//pre")[0].text_content()
    pasted = lxml.html.fragments_fromstring(snippet)
    assert [link.get("href") for link in pasted] == expected
    assert [link.get("type") for link in pasted] == types
    assert all(link.get("rel") == "alternate" and link.get("title") for link in pasted)


def test_the_tag_page_shows_its_items_and_how_to_subscribe(
    published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    feed = next(f for f in published.feedset.feeds if f.kind == "tag" and f.name == TAG)
    doc = lxml.html.fromstring(pages[f"tag/{TAG}.html"])
    assert doc.findtext(".//h1") == feed.title
    links = doc.xpath("//ul[@class='subscribe']//a/@href")
    assert links == [feed_url(published.site, feed, fmt) for fmt in FORMATS]
    items = doc.xpath("//ol[@class='posts']/li/a")
    assert [a.text_content() for a in items] == [post.title for post in feed.posts]
    assert [a.get("href") for a in items] == [post.url for post in feed.posts]
    assert doc.xpath("//nav/a/@href") == ["../index.html"]


@pytest.mark.parametrize(
    "page", ["index.html", "all.html", "category/emnews.html", f"tag/{TAG}.html"]
)
def test_relative_links_resolve_to_produced_files(
    page: str, published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    base = published.site.feeds_url
    produced = set(pages) | set(published.outputs)
    page_url = base + encode_path(page)
    doc = lxml.html.fromstring(pages[page])
    relative = 0
    for href in doc.xpath("//a/@href | //link/@href"):
        target = urljoin(page_url, href)
        if not urlsplit(href).scheme:
            relative += 1
            assert all(ord(ch) < 128 for ch in href), href
            assert target.startswith(base), href
        if target.startswith(base):
            assert unquote(target[len(base) :]) in produced, href
    assert relative > 0


def test_every_page_in_a_subfolder_links_back_to_the_index(pages: dict[str, bytes]) -> None:
    for name, body in pages.items():
        if name.endswith(".html") and name != "index.html":
            doc = lxml.html.fromstring(body)
            up = "../" * name.count("/")
            assert doc.xpath("//nav/a/@href") == [f"{up}index.html"], name


def write_hostile_site(root: Path) -> Path:
    root.mkdir()
    (root / "_config.yml").write_text(
        "title: 'Site <b>&amp; \"x\"'\nurl: https://example.com\n", encoding="utf-8"
    )
    (root / "_posts").mkdir()
    categories = ", ".join('"' + c.replace('"', '\\"') + '"' for c in HOSTILE_CATEGORIES)
    title = HOSTILE_TITLE.replace('"', '\\"')
    (root / "_posts" / "2022-01-01-x.md").write_text(
        f'---\ntitle: "{title}"\ncategories: [{categories}]\n'
        'description: "<script>alert(3)</script> summary"\n---\nBody.\n',
        encoding="utf-8",
    )
    return root


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    result = feedkit.publish(write_hostile_site(tmp_path / "site"), now=NOW)
    assert not result.collected.rejected
    names = [feed.name for feed in feeds_of(result, "category")]
    assert sorted(names) == sorted(HOSTILE_CATEGORIES)
    pages = discovery_pages(result.feedset, result.site)
    for name, body in pages.items():
        text = body.decode()
        assert "<script" not in text and "<img" not in text and "<b>" not in text, name
    opml = lxml.etree.fromstring(pages["index.opml"])
    assert [g.get("text") for g in opml.findall("body/outline")] == ["Site", "Categories"]
    titles = opml.xpath("//outline[@xmlUrl]/@text")
    assert titles == [feed.title for feed in result.feedset.feeds]
    index = lxml.html.fromstring(pages["index.html"])
    assert not index.xpath("//script | //img | //b")
    shown = index.xpath("//section[@id='category']//tbody/tr/td[1]")
    assert [td.text_content() for td in shown] == names
    for feed in result.feedset.feeds:
        page = lxml.html.fromstring(pages[f"{feed.stem}.html"])
        assert not page.xpath("//script | //img | //b")
        assert page.findtext(".//h1") == feed.title
        assert page.xpath("//ol[@class='posts']/li/a")[0].text_content() == HOSTILE_TITLE


def test_the_same_feed_set_gives_the_same_bytes(
    tmp_path: Path, published: feedkit.PublishResult, pages: dict[str, bytes]
) -> None:
    assert discovery_pages(published.feedset, published.site) == pages
    again = feedkit.publish(copy_example(tmp_path / "site"), now=NOW)
    assert discovery_pages(again.feedset, again.site) == pages
