"""Stage 4: group posts into feeds: the whole site, each category, each tag."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .model import Feed, FeedSet, Post
from .site import Site
from .slugs import slugify

SITE_FEED_SLUG = "all"


def newest_first(posts: Iterable[Post]) -> list[Post]:
    """Newest first; ties broken by path so the order never depends on file-system order."""
    return sorted(posts, key=lambda p: (-p.date.timestamp(), p.path))


def group(posts: Sequence[Post], site: Site) -> FeedSet:
    """Every feed of the site, each holding its newest `site.items` posts."""
    ordered = newest_first(posts)
    feedset = FeedSet()
    _add(feedset, site, "site", "", SITE_FEED_SLUG, site.title, ordered)
    for kind, names_of in (("category", _categories), ("tag", _tags)):
        for slug, names, members in _by_slug(ordered, names_of, site.slugify):
            if len(names) > 1:
                listed = ", ".join(repr(n) for n in names)
                feedset.warnings.append(
                    f"{kind} names {listed} share the file name {slug!r}: merged into one feed"
                )
            title = f"{site.title} · {names[0]}"
            _add(feedset, site, kind, names[0], slug, title, members)
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
    feedset: FeedSet, site: Site, kind: str, name: str, slug: str, title: str, posts: list[Post]
) -> None:
    """A group's subscription feed and, with archives on, its full archive pages.

    Archive page k holds posts (k-1)*size+1 .. k*size counted from the oldest, so a full page
    never changes when new posts arrive; the subscription feed holds the newest `items` posts
    and at least every post no full page holds, so following the links reaches every post.
    """
    size, total = site.archive_size, len(posts)
    pages = total // size if size and site.items and total > site.items else 0
    if not site.items:
        keep = total
    elif pages:  # every post no full page holds stays in the subscription feed
        keep = max(site.items, total - pages * size)
    else:
        keep = site.items
    feedset.feeds.append(
        Feed(kind, name, slug, title, tuple(posts[:keep]), total, 0, pages, complete=keep >= total)
    )
    oldest_first = posts[::-1]
    for page in range(1, pages + 1):
        members = tuple(oldest_first[(page - 1) * size : page * size][::-1])
        feedset.archives.append(Feed(kind, name, slug, title, members, total, page, pages))
