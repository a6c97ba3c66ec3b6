"""The shared data model: every stage reads and produces these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

Item = bytes | memoryview  # a post serialised as an item of a feed (UTF-8), or a view of one


@dataclass(frozen=True)
class Author:
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass
class Post:
    """One publishable post: front matter resolved, URL computed, body not yet rendered."""

    path: str  # relative to the site, with forward slashes; used in messages and for sorting
    title: str
    date: datetime  # aware; the offset is the one the post is shown with
    updated: datetime  # aware; never the build time
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    url: str  # absolute URL of the page Jekyll builds for this post
    id: str  # feed id: the permalink, or front matter `id`; the ledger keeps it stable
    body: str  # raw body text, Markdown or HTML
    markdown: bool
    date_has_offset: bool
    own_id: bool = False  # True when front matter sets `id` (it always wins)
    author: Author | None = None
    description: str | None = None
    image: str | None = None
    lang: str | None = None
    # filled in by render
    content_html: str = ""
    summary: str = ""
    # filled in before writing: the post serialised as an item of each feed format
    fragments: dict[str, Item] = field(default_factory=dict)  # UTF-8


@dataclass(frozen=True)
class Feed:
    """One feed: a titled, ordered list of posts published in three formats."""

    kind: str  # "site", "category" or "tag"
    name: str  # category or tag name as written; "" for the site feed
    slug: str  # file-name stem, relative to the output folder
    title: str
    posts: tuple[Post, ...]
    total: int = 0  # posts in this group before the item limit
    # RFC 5005 history: the subscription feed is page 0; archive pages count from the oldest.
    page: int = 0
    pages: int = 0  # full archive pages of this group (0: no archives)
    complete: bool = False  # the subscription feed holds every post of the group
    names: tuple[str, ...] = ()  # every name of the group as written (merged by slug), sorted

    @property
    def base(self) -> str:
        """The subscription feed's file stem, for this feed and all its archive pages."""
        return self.slug if self.kind == "site" else f"{self.kind}/{self.slug}"

    @property
    def stem(self) -> str:
        return f"archive/{self.base}/{self.page}" if self.page else self.base


@dataclass
class FeedSet:
    """Every feed of a site, in a stable order (site, then categories, then tags)."""

    feeds: list[Feed] = field(default_factory=list)  # subscription feeds
    archives: list[Feed] = field(default_factory=list)  # their RFC 5005 archive pages
    warnings: list[str] = field(default_factory=list)

    @property
    def documents(self) -> list[Feed]:
        """Every feed document to write: subscription feeds, then archive pages."""
        return [*self.feeds, *self.archives]
