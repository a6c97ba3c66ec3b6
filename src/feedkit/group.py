"""Stage 4: group posts into feeds: the whole site, each category, each tag."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import Feed, FeedSet, Post
from .site import Site
from .slugs import slugify

SITE_FEED_SLUG = "all"


def newest_first(posts: Iterable[Post]) -> list[Post]:
    """Newest first; ties broken by path so the order never depends on file-system order."""
    return sorted(posts, key=lambda p: (-p.date.timestamp(), p.path))


def group(posts: Sequence[Post], site: Site) -> FeedSet:
    """Every feed of the site, each holding its newest `site.items` posts."""
    return extend([], posts, {}, site)


@dataclass(frozen=True)
class Group:
    """One subscription feed as the next run needs it: its newest posts by path, and counts."""

    kind: str
    slug: str
    names: tuple[str, ...]
    total: int
    paths: tuple[str, ...]

    @classmethod
    def of(cls, feed: Feed) -> Group:
        return cls(feed.kind, feed.slug, feed.names, feed.total, tuple(p.path for p in feed.posts))


def extend(groups: Sequence[Group], posts: Sequence[Post], known: Mapping[str, Post],
           site: Site) -> FeedSet:  # fmt: skip
    """What `group` would give for the posts behind `groups` plus the new `posts`.

    `known` maps each path in `groups` to its post. With `groups` empty, these are the feeds of
    `posts`. Otherwise only for subscription feeds cut at `site.items` (no archives): each
    feed's newest posts are among its old newest and the new posts, so the older posts of the
    site need not be read.
    """
    assert not groups or (site.items and not site.archive_size), "archives need every post"
    ordered = newest_first(posts)
    old = {(g.kind, g.slug): g for g in groups}
    feedset = FeedSet()
    for kind, names_of in (("site", None), ("category", _categories), ("tag", _tags)):
        new = (
            {SITE_FEED_SLUG: ((), ordered)}
            if names_of is None
            else {s: (n, m) for s, n, m in _by_slug(ordered, names_of, site.slugify)}
        )
        slugs = {slug for k, slug in old if k == kind} | set(new)
        for slug in sorted(slugs):
            before = old.get((kind, slug), Group(kind, slug, (), 0, ()))
            names, members = new.get(slug, ((), []))
            merged = (
                newest_first([*(known[p] for p in before.paths), *members])
                if before.paths
                else members  # already newest first
            )
            total = before.total + len(members)
            _add(feedset, site, kind, tuple(sorted({*before.names, *names})), slug, merged, total)
    return feedset


def _categories(post: Post) -> Sequence[str]:
    return post.categories


def _tags(post: Post) -> Sequence[str]:
    return post.tags


def _by_slug(
    ordered: Sequence[Post], names_of: Callable[[Post], Sequence[str]], mode: str
) -> list[tuple[str, list[str], list[Post]]]:
    slug_cache: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    members: dict[str, list[Post]] = {}
    for post in ordered:
        seen: set[str] = set()
        for name in names_of(post):
            slug = slug_cache.get(name)
            if slug is None:
                slug = slug_cache[name] = slugify(name, mode)
            if name not in names.setdefault(slug, []):
                names[slug].append(name)
            if slug not in seen:
                seen.add(slug)
                members.setdefault(slug, []).append(post)
    return [(slug, sorted(names[slug]), members[slug]) for slug in sorted(names)]


def _add(
    feedset: FeedSet, site: Site, kind: str, names: tuple[str, ...], slug: str,
    posts: list[Post], total: int,
) -> None:  # fmt: skip
    """A group's subscription feed and, with archives on, its full archive pages.

    `posts` is newest first: all `total` posts of the group, or at least its newest `items`.
    Archive page k holds posts (k-1)*size+1 .. k*size counted from the oldest, so a full page
    never changes when new posts arrive; the subscription feed holds the newest `items` posts
    and at least every post no full page holds, so following the links reaches every post.
    """
    if len(names) > 1:
        listed = ", ".join(repr(n) for n in names)
        feedset.warnings.append(
            f"{kind} names {listed} share the file name {slug!r}: merged into one feed"
        )
    name = names[0] if names else ""
    title = f"{site.title} · {name}" if names else site.title
    size = site.archive_size
    pages = total // size if size and site.items and total > site.items else 0
    if not site.items:
        keep = total
    elif pages:  # every post no full page holds stays in the subscription feed
        keep = max(site.items, total - pages * size)
    else:
        keep = site.items
    feedset.feeds.append(
        Feed(kind, name, slug, title, tuple(posts[:keep]), total, 0, pages, keep >= total, names)
    )
    oldest_first = posts[::-1]
    for page in range(1, pages + 1):
        members = tuple(oldest_first[(page - 1) * size : page * size][::-1])
        feedset.archives.append(Feed(kind, name, slug, title, members, total, page, pages, False,
                                     names))  # fmt: skip
