"""Feeds assembled from cached per-post fragments are byte-identical to whole documents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedkit
from conftest import NOW, copy_example
from feedkit.feeds import WRITERS
from feedkit.feeds.fragments import FORMATS, assemble, post_fragments
from feedkit.model import Author, Feed, Post
from feedkit.site import Site


def check_feed(feed: Feed, site: Site) -> None:
    fragments = {p.path: post_fragments(p, site) for p in feed.posts}
    for fmt in FORMATS:
        whole = WRITERS[fmt](feed, site)
        pieces = [fragments[p.path][fmt] for p in feed.posts]
        assert assemble(feed, site, fmt, pieces) == whole, (feed.stem, fmt)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> feedkit.PublishResult:
    return feedkit.publish(copy_example(tmp_path_factory.mktemp("x") / "site"), now=NOW)


def test_every_example_feed_assembles_to_the_same_bytes(example: feedkit.PublishResult) -> None:
    for feed in example.feedset.feeds:
        check_feed(feed, example.site)


def test_every_corpus_feed_assembles_to_the_same_bytes(corpus_site: Path) -> None:
    result = feedkit.publish(corpus_site, now=NOW)
    for feed in result.feedset.feeds:
        check_feed(feed, result.site)


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
titles = text.filter(lambda t: bool(t.strip()) and t.isprintable())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            titles, text, text, st.lists(text, max_size=3), st.booleans(), st.integers(-720, 720)
        ),
        min_size=0,
        max_size=4,
    )
)
def test_arbitrary_posts_assemble_to_the_same_bytes(
    example: feedkit.PublishResult, items: list[tuple[str, str, str, list[str], bool, int]]
) -> None:
    """Titles, content and names with markup, control characters and any Unicode."""
    from feedkit.render import xml_text

    posts = []
    for n, (title, html, summary, names, has_author, offset) in enumerate(items):
        when = datetime(2022, 1, 1 + n, tzinfo=timezone(timedelta(minutes=offset)))
        posts.append(
            Post(
                path=f"_posts/{n}.md",
                title=title,
                date=when,
                updated=when,
                categories=tuple(names),
                tags=(),
                url=f"https://x.org/{n}.html",
                id=f"https://x.org/{n}.html",
                body="",
                markdown=False,
                date_has_offset=True,
                author=Author("A & <B>") if has_author else None,
                content_html=xml_text(html),
                summary=xml_text(summary),
            )
        )
    check_feed(Feed("tag", "t", "t", "T & <t>", tuple(posts)), example.site)
