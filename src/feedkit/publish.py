"""The pipeline: load → validate → render → group → write.

Everything is read and checked before anything is written, so a run either publishes what is
valid or, with ``strict``, publishes nothing; it never leaves a half-written feed behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from . import load, render
from .errors import InvalidPostsError, PostError
from .feeds import EXTENSIONS, WRITERS
from .group import group
from .model import FeedSet, Post
from .site import Site, load_site
from .validate import Validator, resolve
from .write import changes, write_all


@dataclass
class Collected:
    """The outcome of reading and checking every post of a site."""

    posts: list[Post] = field(default_factory=list)
    rejected: list[PostError] = field(default_factory=list)
    unpublished: int = 0  # published: false
    future: int = 0  # dated after now, left out without --future

    @property
    def offsetless(self) -> int:
        return sum(1 for post in self.posts if not post.date_has_offset)

    @property
    def read(self) -> int:
        return len(self.posts) + len(self.rejected) + self.unpublished + self.future


@dataclass
class PublishResult:
    site: Site
    collected: Collected
    feedset: FeedSet
    outputs: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # with check=True: what would be written
    check: bool = False

    @property
    def warnings(self) -> list[str]:
        return offsetless_warnings(self.site, self.collected) + self.feedset.warnings


def offsetless_warnings(site: Site, collected: Collected) -> list[str]:
    count = collected.offsetless
    if not count:
        return []
    return [
        f"{count} post(s) have a date without a UTC offset; read as Jekyll does (unquoted: UTC, "
        f"quoted: {site.timezone.key}). Write the offset (e.g. +0800) to make the day certain."
    ]


def collect(site: Site, *, future: bool = False, now: datetime | None = None) -> Collected:
    """Read and check every post: valid ones become `Post`s, the rest `PostError`s."""
    now = now or datetime.now(timezone.utc)
    validator = Validator.for_site(site)
    collected = Collected()
    for source in _sources(site, collected):
        try:
            post = resolve(source, site, validator)
        except PostError as exc:
            collected.rejected.append(exc)
            continue
        if post is None:
            collected.unpublished += 1
        elif post.date > now and not future:
            collected.future += 1
        else:
            collected.posts.append(post)
    return collected


def _sources(site: Site, collected: Collected) -> Iterator[load.Source]:
    for file in load.find_posts(site.posts_dir, site.root):
        try:
            yield load.read_source(file, site.root)
        except PostError as exc:
            collected.rejected.append(exc)


def render_feeds(site: Site, posts: list[Post]) -> tuple[FeedSet, dict[str, bytes]]:
    """Group posts into feeds and serialise each in every format."""
    feedset = group(posts, site)
    rendered: set[int] = set()
    outputs: dict[str, bytes] = {}
    for feed in feedset.feeds:
        for post in feed.posts:
            if id(post) not in rendered:  # only posts some feed shows, each once
                render.render(post)
                rendered.add(id(post))
        for fmt, writer in WRITERS.items():
            outputs[f"{feed.stem}.{EXTENSIONS[fmt]}"] = writer(feed, site)
    return feedset, outputs


def publish(
    site_dir: Path | str = ".",
    *,
    out: Path | str | None = None,
    config: Path | str | None = None,
    future: bool | None = None,
    strict: bool = False,
    check: bool = False,
    now: datetime | None = None,
) -> PublishResult:
    """Publish every feed of the site at `site_dir`.

    Invalid posts are left out and listed in the result (``result.collected.rejected``); with
    ``strict`` they raise `InvalidPostsError` before anything is written. With ``check`` nothing
    is written and ``result.changed`` lists the files that would change.
    """
    site = load_site(site_dir, config)
    if out is not None:
        site = _with_output(site, Path(out))
    collected = collect(site, future=site.future if future is None else future, now=now)
    if strict and collected.rejected:
        raise InvalidPostsError(collected.rejected)
    feedset, outputs = render_feeds(site, collected.posts)
    result = PublishResult(site, collected, feedset, outputs=sorted(outputs), check=check)
    if check:
        result.changed = changes(outputs, site.output)
    else:
        report = write_all(outputs, site.output)
        result.written, result.unchanged = report.written, report.unchanged
    return result


def _with_output(site: Site, out: Path) -> Site:
    return replace(site, output=out.resolve())


def validate(site_dir: Path | str = ".", *, config: Path | str | None = None) -> Collected:
    """Check every post of a site without rendering or writing anything."""
    site = load_site(site_dir, config)
    return collect(site, future=True)
