"""The real finews sample (../shared/corpus/finews): valid posts published, bad ones named."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser

import feedkit
from conftest import NOW


def test_corpus_publishes_every_valid_post_and_names_the_invalid_ones(corpus_site: Path) -> None:
    result = feedkit.publish(corpus_site, now=NOW)
    problems = [str(p) for e in result.collected.rejected for p in e.problems]
    assert problems == [
        "_posts/-202205262391921712.md:1: file name: has no date: name post files "
        "YYYY-MM-DD-title.md (Jekyll does not publish it)",
        "_posts/-202205262391921712.md:3: title: is empty",
        "_posts/-202205262391921712.md:4: date: '+0800' is not a date "
        "(use e.g. 2022-02-18 14:41:30 +0800)",
        "_posts/2021-12-08-202112082206703990.md:2: front matter: must start on line 1, found "
        "'---' on line 2; remove what comes before it (Jekyll would publish this file with no "
        "front matter: no title, no category)",
    ]
    assert len(result.collected.posts) == 139
    assert result.collected.offsetless == 52
    assert sorted(f.stem for f in result.feedset.feeds) == [
        "all", "category/emnews", "category/sitenews", "tag/东财滚动新闻", "tag/站长消息"
    ]  # fmt: skip


def test_corpus_feeds_read_cleanly(corpus_site: Path) -> None:
    feedkit.publish(corpus_site, now=NOW)
    out = corpus_site / "feeds"
    atom = feedparser.parse((out / "tag" / "东财滚动新闻.atom").read_bytes())
    assert not atom.bozo
    assert atom.feed.title == "金融消息 · 东财滚动新闻"
    assert len(atom.entries) == 50
    items = json.loads((out / "all.json").read_text(encoding="utf-8"))["items"]
    # the naive, unquoted 2021-12-01 13:33:50 is UTC to Jekyll: 21:33:50 in Shanghai
    sitenews = json.loads((out / "category" / "sitenews.json").read_text(encoding="utf-8"))
    init = sitenews["items"][0]
    assert init["title"] == "开站大吉"
    assert init["date_published"] == "2021-12-01T21:33:50+08:00"
    assert init["url"] == "https://finews.withounder.com/sitenews/2021/12/01/init.html"
    for item in items:  # protocol-relative footer links became https
        assert 'href="//' not in item["content_html"]
