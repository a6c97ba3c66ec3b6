"""Feeds assembled from cached per-post fragments are byte-identical to whole documents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedkit
from conftest import NOW, copy_example
from feedkit.feeds import WRITERS
from feedkit.feeds.fragments import (
    FORMATS,
    assemble,
    post_fragments,
    post_fragments_reference,
)
from feedkit.model import Author, Feed, Post
from feedkit.render import xml_text
from feedkit.site import Site


def check_feed(feed: Feed, site: Site) -> None:
    fragments = {p.path: post_fragments(p, site) for p in feed.posts}
    for fmt in FORMATS:
        whole = WRITERS[fmt](feed, site)
        pieces = [fragments[p.path][fmt].encode("utf-8") for p in feed.posts]
        data, spans = assemble(feed, site, fmt, pieces)
        assert data == whole, (feed.stem, fmt)
        assert [data[at : at + size] for at, size in spans] == pieces


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


T = TypeVar("T")
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
# Printable (no C* or Z* categories but the space) and not blank, without filtering most away:
# a filter that rejects most examples fails hypothesis's health check now and then.
printable = st.characters(blacklist_categories=("C", "Z"), whitelist_characters=" ")
titles = st.text(printable, min_size=1, max_size=40).filter(lambda t: bool(t.strip()))


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


# Whatever XML writers treat specially, and characters lxml refuses (which xml_text drops).
_TRICKY = ["<", ">", "&", '"', "'", "\r", "\n", "\t", "\r\n", "]]>", "&amp;", "<p>", "\x00", "\x0b"]
_TRICKY += ["\x1f", "\x7f", "\x85", "\u2028", "\ufffe", "\uffff", "\U0001f600", "中文", "é", " "]


def mostly(common: st.SearchStrategy[T], *rare: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """`common` eight times as often as each of `rare` (one_of would merge repeated ones)."""
    return st.sampled_from([common] * 8 + list(rare)).flatmap(lambda chosen: chosen)


pieces = st.one_of(text.filter(bool), st.sampled_from(_TRICKY))
raw = st.lists(pieces, max_size=6).map("".join)
filled = st.lists(pieces, min_size=1, max_size=6).map("".join)
# Fields fill_entry gives feedgen as they are: render and validate keep them XML-safe, but a
# few raw ones check that both ways refuse the same posts.
safe = mostly(filled.map(xml_text), st.just(""), raw)
# A name that is there until xml_text drops all of it.
invisible = st.lists(st.sampled_from(["\x00", "\x0b", "\x1f", "\ufffe"]), min_size=1).map("".join)
optional = st.one_of(st.none(), st.just(""), raw)
day = timedelta(hours=24)
offsets = st.timedeltas(min_value=-day, max_value=day).filter(lambda d: abs(d) < day)
zones = st.one_of(
    st.just(timezone.utc),
    offsets.map(timezone),  # odd seconds and microseconds too
    st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m))),
    st.timezones(),
)
instants = st.datetimes(timezones=zones)
moments = st.one_of(instants, instants.map(lambda d: d.replace(microsecond=0)))


@st.composite
def posts(draw: st.DrawFn) -> Post:
    """Any post fill_entry can be given, down to empty and absent fields and naive dates."""
    url = draw(st.one_of(safe, st.just("https://x.org/a?b=1&c=<2>")))
    date = draw(moments)
    updated = draw(st.one_of(st.just(date), moments))
    if draw(st.sampled_from(range(20))) == 7:  # feedgen refuses a naive date
        updated = updated.replace(tzinfo=None)
    author = draw(
        st.one_of(st.none(), st.builds(Author, st.one_of(raw, invisible), optional, optional))
    )
    return Post(
        path="_posts/p.md",
        title=draw(mostly(filled, raw)),
        date=date,
        updated=updated,
        categories=tuple(draw(st.lists(raw, max_size=3))),
        tags=tuple(draw(st.lists(raw, max_size=3))),
        url=url,
        id=draw(st.one_of(st.just(url), safe)),
        body="",
        markdown=False,
        date_has_offset=True,
        author=author,
        image=draw(optional),
        lang=draw(optional),
        content_html=draw(safe),
        summary=draw(safe),
    )


def same_fragments(post: Post, site: Site) -> None:
    """The direct writers give the reference's text, or refuse the posts it refuses."""
    try:
        expected = post_fragments_reference(post, site)
    except ValueError:
        with pytest.raises(ValueError):
            post_fragments(post, site)
        return
    assert post_fragments(post, site) == expected


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(posts())
def test_fragments_are_what_feedgen_writes(example: feedkit.PublishResult, post: Post) -> None:
    same_fragments(post, example.site)


def test_example_fragments_are_what_feedgen_writes(example: feedkit.PublishResult) -> None:
    for post in example.feedset.feeds[0].posts:
        assert post_fragments(post, example.site) == post_fragments_reference(post, example.site)
