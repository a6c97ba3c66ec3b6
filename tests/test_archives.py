"""Complete archives: RFC 5005 archived feeds (RSS, Atom) and JSON Feed next_url pagination."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import feedparser
import jsonschema
from lxml import etree

import feedkit
from conftest import NOW
from feedkit.resources import load_schema

BASE = "https://x.org/feeds/"
FH = "{http://purl.org/syndication/history/1.0}"


def make_site(root: Path, posts: int, archive_size: int = 5, items: int = 5) -> Path:
    (root / "_config.yml").write_text("title: Arch\nurl: https://x.org\n", encoding="utf-8")
    (root / "feedkit.toml").write_text(
        f"archive_size = {archive_size}\nitems = {items}\n", encoding="utf-8"
    )
    for n in range(1, posts + 1):
        add_post(root, n)
    return root


def add_post(site: Path, n: int) -> None:
    folder = site / "_posts"
    folder.mkdir(exist_ok=True)
    (folder / f"2022-01-01-p{n:03d}.md").write_text(
        f"---\ntitle: P{n}\ndate: 2022-01-01 10:{n // 60:02d}:{n % 60:02d} +0800\ntags: t\n---\nB{n}\n",
        encoding="utf-8",
    )


def local(out: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    return out / unquote(url[len(BASE) :])


def follow_xml(out: Path, start: str) -> tuple[list[str], list[str]]:
    """Walk prev-archive links from a subscription feed; (documents visited, entry ids)."""
    visited, ids, url = [], [], start
    while url:
        parsed = feedparser.parse(local(out, url).read_bytes())
        assert not parsed.bozo, url
        visited.append(url)
        ids.extend(entry.id for entry in parsed.entries)
        url = next((link.href for link in parsed.feed.links if link.rel == "prev-archive"), "")
    return visited, ids


def test_prev_archive_links_reach_every_post(tmp_path: Path) -> None:
    site = make_site(tmp_path, 23)
    feedkit.publish(site, now=NOW)
    out = site / "feeds"
    for fmt in ("atom", "rss"):
        visited, ids = follow_xml(out, f"{BASE}all.{fmt}")
        assert visited == [f"{BASE}all.{fmt}"] + [
            f"{BASE}archive/all/{k}.{fmt}" for k in (4, 3, 2, 1)
        ]
        assert len(set(ids)) == 23  # posts 21-23 (and 19-20 again) in the subscription feed


def test_archive_documents_are_marked_and_linked(tmp_path: Path) -> None:
    site = make_site(tmp_path, 23)
    feedkit.publish(site, now=NOW)
    out = site / "feeds"
    page2 = etree.parse(str(out / "archive/all/2.atom")).getroot()
    links = {
        link.get("rel"): link.get("href")
        for link in page2.findall("{http://www.w3.org/2005/Atom}link")
    }
    assert links["current"] == f"{BASE}all.atom"
    assert links["prev-archive"] == f"{BASE}archive/all/1.atom"
    assert links["next-archive"] == f"{BASE}archive/all/3.atom"
    assert page2.find(f"{FH}archive") is not None
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in page2.findall("{http://www.w3.org/2005/Atom}entry")] == [
        "P10", "P9", "P8", "P7", "P6"
    ]  # fmt: skip
    rss = etree.parse(str(out / "archive/all/1.rss")).getroot().find("channel")
    assert rss.find(f"{FH}archive") is not None
    rels = [link.get("rel") for link in rss.findall("{http://www.w3.org/2005/Atom}link")]
    assert rels == ["self", "current", "next-archive"]  # page 1: nothing older
    subscription = etree.parse(str(out / "all.atom")).getroot()
    assert subscription.find(f"{FH}complete") is None and subscription.find(f"{FH}archive") is None


def test_small_feeds_are_marked_complete_and_get_no_archives(tmp_path: Path) -> None:
    site = make_site(tmp_path, 4)
    feedkit.publish(site, now=NOW)
    out = site / "feeds"
    assert not (out / "archive").exists()
    assert etree.parse(str(out / "all.atom")).getroot().find(f"{FH}complete") is not None
    assert etree.parse(str(out / "tag/t.rss")).getroot().find(f"channel/{FH}complete") is not None


def test_json_feed_next_url_pages_through_everything(tmp_path: Path) -> None:
    site = make_site(tmp_path, 23)
    feedkit.publish(site, now=NOW)
    out = site / "feeds"
    validator = jsonschema.Draft202012Validator(load_schema("jsonfeed-1.1.schema.json"))
    url, ids, pages = f"{BASE}tag/t.json", [], 0
    while url:
        document = json.loads(local(out, url).read_text(encoding="utf-8"))
        assert list(validator.iter_errors(document)) == []
        assert document["feed_url"] == url
        ids.extend(item["id"] for item in document["items"])
        url, pages = document.get("next_url", ""), pages + 1
    assert pages == 5 and len(set(ids)) == 23


def test_full_archive_pages_are_not_rewritten_when_posts_arrive(tmp_path: Path) -> None:
    site = make_site(tmp_path, 23)
    feedkit.publish(site, now=NOW)
    out = site / "feeds"
    pages = sorted(p for p in (out / "archive").rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pages}
    add_post(site, 24)
    result = feedkit.publish(site, now=NOW)
    assert not any(name.startswith("archive/") for name in result.written)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in pages} == before
    add_post(site, 25)  # posts 21-25 fill page 5
    result = feedkit.publish(site, now=NOW)
    archive_writes = sorted(n for n in result.written if n.startswith("archive/all/"))
    # the new page, and page 4's Atom and RSS gaining their next-archive link (RFC 5005: SHOULD,
    # once it exists; JSON next_url only points to older pages); no page's entries ever change
    assert archive_writes == [
        "archive/all/4.atom", "archive/all/4.rss",
        "archive/all/5.atom", "archive/all/5.json", "archive/all/5.rss",
    ]  # fmt: skip
    for page in pages:
        if page.name not in ("4.atom", "4.rss"):
            assert (page.read_bytes(), page.stat().st_mtime_ns) == before[page]
    old4 = feedparser.parse(before[out / "archive/all/4.atom"][0])
    new4 = feedparser.parse((out / "archive/all/4.atom").read_bytes())
    assert [e.id for e in new4.entries] == [e.id for e in old4.entries]


def test_archives_are_off_by_default(tmp_path: Path) -> None:
    site = make_site(tmp_path, 23, archive_size=0)
    feedkit.publish(site, now=NOW)
    assert not (site / "feeds" / "archive").exists()
    document = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert "next_url" not in document and len(document["items"]) == 5
