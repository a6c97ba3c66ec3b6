"""Stages 1-2 for a whole site: every post file read and checked, through the cache.

Files the cache answers for (same size and mtime, or same content) cost a stat; the others are
parsed and validated, in worker processes when there are many (a cold run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import cache as cache_module
from . import load
from .cache import Cache, Entry
from .errors import PostError, Problem
from .model import Post
from .site import Site
from .validate import Validator, resolve
from .workers import parallel_batches

Outcome = Post | PostError | None  # None: published: false
Miss = tuple[load.PostFile, str | None]  # the file, and its content digest if already known
_Result = tuple[str, Outcome, str]  # status, outcome, cache record
Evaluated = tuple[str, Outcome, str, str]  # ... and the content digest


@dataclass
class Collected:
    """The outcome of reading and checking every post of a site.

    `posts` holds every published post, except in a run answered from the last run's record
    (see state.py): then it holds only the posts added since (none if nothing changed), and
    the counts cover the whole site.
    """

    posts: list[Post] = field(default_factory=list)
    rejected: list[PostError] = field(default_factory=list)
    published: int = 0  # valid posts published now (past-dated, or any with --future)
    unpublished: int = 0  # published: false
    future: int = 0  # dated after now, left out without --future
    cached: int = 0  # files whose result came from the cache
    offsetless: int = 0  # published posts whose date has no UTC offset
    next_due: int | None = None  # unix time of the soonest future post left out
    newest: int | None = None  # unix time of the newest post published

    @property
    def read(self) -> int:
        return self.published + len(self.rejected) + self.unpublished + self.future


@dataclass(frozen=True)
class _Job:
    """What a worker needs to parse posts (inherited by fork, never pickled)."""

    site: Site
    validator: Validator


def collect(
    site: Site,
    *,
    future: bool = False,
    now: datetime | None = None,
    cache: Cache | None = None,
    progress: Callable[[int], load.Progress | None] | None = None,
    files: list[load.PostFile] | None = None,
) -> Collected:
    """Read and check every post: valid ones become `Post`s, the rest `PostError`s.

    `files` is what load.find_posts gives, if the caller has it already.
    """
    if files is None:
        files = load.find_posts(site.posts_dir, site.root)
    if cache is not None:
        cache.load_all()
    collected = collect_files(site, files, future=future, now=now, cache=cache, progress=progress)
    if cache is not None:
        cache.forget_all_but({found.path for found in files})
    return collected


def collect_files(
    site: Site,
    files: list[load.PostFile],
    *,
    future: bool = False,
    now: datetime | None = None,
    cache: Cache | None = None,
    progress: Callable[[int], load.Progress | None] | None = None,
) -> Collected:
    """Read and check the post files `files` (sorted by path), through the cache."""
    now = now or datetime.now(timezone.utc)
    advance = progress(len(files)) if progress else None  # a bar knows its length up front
    outcomes: dict[str, tuple[Outcome, bool]] = {}
    misses: list[Miss] = []
    for found in files:
        entry = _cached_entry(cache, found, misses, site.max_post_bytes)
        if entry is not None:
            outcomes[found.path] = (_from_entry(found.path, entry), True)
            if advance:
                advance(1)
    job = _Job(site, Validator.for_site(site))
    for miss, (status, outcome, record, digest) in zip(
        misses, parallel_batches(_evaluate, job, misses), strict=True
    ):
        found = miss[0]
        if cache is not None:
            post = outcome if isinstance(outcome, Post) else None
            cache.store(found.path, found.size, found.recorded_mtime_ns, digest, status, record,
                        post)  # fmt: skip
        outcomes[found.path] = (outcome, False)
        if advance:
            advance(1)
    return _tally(outcomes, [found.path for found in files], future, now)


def _cached_entry(
    cache: Cache | None, found: load.PostFile, misses: list[Miss], max_bytes: int
) -> Entry | None:
    """The cache's entry for an unchanged file, else None (and the file joins `misses`)."""
    if cache is None or cache.entry(found.path) is None:
        misses.append((found, None))
        return None
    if found.size > max_bytes and cache.fresh(found.path, found.size, found.mtime_ns) is None:
        misses.append((found, None))  # too big to read: refused without hashing it
        return None
    entry = cache.fresh(found.path, found.size, found.mtime_ns)
    if entry is None:  # touched (a git checkout) or edited: the content hash decides
        digest = cache_module.digest(found.read())
        entry = cache.same_content(found.path, digest, found.size, found.recorded_mtime_ns)
        if entry is None:
            misses.append((found, digest))
    return entry


def _evaluate(job: _Job, misses: Sequence[Miss]) -> list[Evaluated]:
    """Parse and check post files: (status, outcome, cache record, content digest) of each.

    Stage by stage over the batch (read, hash, parse, check), which keeps each stage's code in
    the CPU's caches (see workers.parallel_batches).
    """
    site = job.site
    datas = [None if found.size > site.max_post_bytes else found.read()
             for found, _ in misses]  # fmt: skip
    digests = [
        digest or (cache_module.digest(data) if data is not None else "")
        for (_, digest), data in zip(misses, datas, strict=True)
    ]
    sources = [_parse(found, data, site) for (found, _), data in zip(misses, datas, strict=True)]
    results = [
        _check(source, job) if isinstance(source, load.Source) else source for source in sources
    ]
    return [(*result, digest) for result, digest in zip(results, digests, strict=True)]


def _parse(found: load.PostFile, data: bytes | None, site: Site) -> load.Source | _Result:
    if data is None:  # refused before it is read into memory
        limit = f"{site.max_post_bytes:,}"
        message = f"is {found.size:,} bytes, over the limit of {limit} (max_post_bytes)"
        return _rejected(PostError([Problem(found.path, 1, "file", message)]))
    try:
        return load.parse(data, found.path)
    except PostError as exc:
        return _rejected(exc)


def _check(source: load.Source, job: _Job) -> _Result:
    try:
        post = resolve(source, job.site, job.validator)
    except PostError as exc:
        return _rejected(exc)
    if post is None:
        return "unpublished", None, "null"
    post.body = ""  # most posts are never rendered; the few that are read their file again
    return "post", post, cache_module.post_record(post)


def _rejected(error: PostError) -> _Result:
    return "rejected", error, cache_module.problems_record(error.problems)


def _from_entry(rel: str, entry: Entry) -> Outcome:
    if entry.status == "rejected":
        return PostError(cache_module.problems_from_record(entry.record))
    if entry.status == "unpublished":
        return None
    return cache_module.CachedPost(rel, entry)


def _tally(
    outcomes: dict[str, tuple[Outcome, bool]], order: list[str], future: bool, now: datetime
) -> Collected:
    collected = Collected()
    for rel in order:
        outcome, from_cache = outcomes[rel]
        collected.cached += from_cache
        if isinstance(outcome, PostError):
            collected.rejected.append(outcome)
        elif outcome is None:
            collected.unpublished += 1
        elif outcome.date > now and not future:
            collected.future += 1
            due = int(outcome.date.timestamp())
            collected.next_due = min(due, collected.next_due or due)
        else:
            collected.posts.append(outcome)
            collected.offsetless += not outcome.date_has_offset
    collected.published = len(collected.posts)
    if collected.posts:
        collected.newest = int(max(post.date for post in collected.posts).timestamp())
    return collected
