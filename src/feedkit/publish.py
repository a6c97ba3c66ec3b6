"""The pipeline: load → validate → render → group → write.

Everything is read and checked before anything is written, so a run either publishes what is
valid or, with ``strict``, publishes nothing; it never leaves a half-written feed behind. Writing
runs hold the site's lock, reuse the cache, keep ids stable through the ledger and delete only
files the manifest says feedkit wrote. A feed whose inputs and file are unchanged since the last
run is neither rendered nor serialised again, and a run that finds nothing changed, or only new
post files, since the last one reads only those (state.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from . import load, manifest, render, state, version
from .cache import Cache, CachedPost
from .cache import digest as content_digest
from .collect import Collected, collect, collect_files
from .discovery import site_pages
from .errors import InvalidPostsError, WriteError
from .feeds import EXTENSIONS, WRITERS
from .feeds.fragments import FORMATS, post_fragments
from .group import Group, extend, group
from .ledger import LEDGER_NAME, Ledger
from .lock import locked
from .model import Feed, FeedSet, Item, Post
from .resources import load_schema
from .site import Site, load_site
from .urls import encode_path
from .workers import parallel_batches, parallel_map
from .write import (
    EmitJob,
    Emitted,
    Syncer,
    changes,
    commit,
    discard,
    emit,
    remove,
    remove_leftover_temp_files,
    target,
    write_all,
    write_atomic,
)

if TYPE_CHECKING:
    from .websub import PingReport

__all__ = ["Collected", "PublishResult", "publish", "validate"]

# Serialising a feed in three formats takes ~7 ms: below this many feeds per worker, one
# process is faster than starting more.
FEEDS_PER_WORKER = 40


@dataclass
class PublishResult:
    site: Site
    collected: Collected
    feedset: FeedSet
    outputs: list[str] = field(default_factory=list)  # every feed file of the site
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # check/dry run: what would be written
    stale: list[str] = field(default_factory=list)  # check/dry run: what would be removed
    check: bool = False
    dry_run: bool = False
    seconds: float = 0.0
    cache_warnings: list[str] = field(default_factory=list)
    hub: PingReport | None = None  # WebSub notifications sent after writing
    feeds: int = 0  # subscription feeds of the site
    digests: dict[str, str] = field(default_factory=dict)  # content digest of files produced
    up_to_date: bool = False  # nothing changed since the last run: answered from its record

    @property
    def warnings(self) -> list[str]:
        hub = (
            [f"WebSub hub not notified of {url}: {why}" for url, why in self.hub.failed]
            if self.hub
            else []
        )
        return [
            *self.cache_warnings,
            *offsetless_warnings(self.site, self.collected),
            *self.feedset.warnings,
            *hub,
        ]

    @property
    def planned(self) -> bool:
        """True when nothing was written (--check or --dry-run): see changed and stale."""
        return self.check or self.dry_run

    def summary(self) -> dict[str, object]:
        """A machine-readable summary (what `feedkit publish --json` prints)."""
        c = self.collected
        return {
            "posts": {
                "read": c.read,
                "published": c.published,
                "rejected": len(c.rejected),
                "unpublished": c.unpublished,
                "future": c.future,
                "from_cache": c.cached,
            },
            "feeds": self.feeds,
            "files": {
                "written": self.changed if self.planned else self.written,
                "unchanged": len(self.unchanged),
                "removed": self.stale if self.planned else self.removed,
            },
            "problems": [asdict(p) for e in c.rejected for p in e.problems],
            "warnings": self.warnings,
            "output": str(self.site.output),
            "seconds": round(self.seconds, 3),
            "dry_run": self.planned,
            "hub": {"pinged": self.hub.pinged, "failed": self.hub.failed} if self.hub else None,
        }


def offsetless_warnings(site: Site, collected: Collected) -> list[str]:
    count = collected.offsetless
    if not count:
        return []
    return [
        f"{count} post(s) have a date without a UTC offset; read as Jekyll does (unquoted: UTC, "
        f"quoted: {site.timezone.key}). Write the offset (e.g. +0800) to make the day certain."
    ]


def fingerprint(site: Site) -> str:
    """What cached results depend on besides the post files: code, schemas and settings."""
    h = hashlib.sha256(version.__version__.encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    h.update(json.dumps(load_schema("post.schema.json"), sort_keys=True).encode())
    if site.schema is not None and site.schema.is_file():
        h.update(site.schema.read_bytes())
    portable = replace(  # the same settings in another checkout give the same fingerprint
        site,
        root=Path(),
        output=Path(),
        cache=None,
        schema=None,
        posts_dir=Path(site.posts_dir.name),
    )
    h.update(repr(portable).encode())
    return h.hexdigest()


def open_cache(site: Site, *, write: bool) -> Cache | None:
    return Cache(site.cache, fingerprint(site), write=write) if site.cache else None


def render_posts(posts: list[Post], site: Site, cache: Cache | None) -> None:
    """Fill in the summary and items of `posts`: as an earlier run made them, else rendered
    (in parallel)."""
    pending = posts if cache is None else _reuse_rendered(posts, site, cache)
    # A batch's items are ~0.5 MB: one batch a message fits a worker's result pipe, so the
    # worker goes on without waiting for this process to read (20 alternating runs at 10,000
    # posts: median 1.430 -> 1.402 s, against three batches a message).
    rendered = parallel_batches(_render_batch, site, pending, per_message=1)
    for post, (summary, batch, start, lengths) in zip(pending, rendered, strict=True):
        view = memoryview(batch)  # the post's items, read in place
        post.fragments = {}
        for fmt, length in zip(FORMATS, lengths, strict=True):
            post.fragments[fmt] = view[start : start + length]
            start += length
        post.summary, post.body = summary, ""
        if cache is not None:
            cache.store_rendered(post)


def _reuse_rendered(posts: list[Post], site: Site, cache: Cache) -> list[Post]:
    """Fill in what an earlier run rendered, its items read back from the feed files that
    hold them; the posts left to render."""
    summaries = {post.path: cache.rendered_summary(post) for post in posts}
    wanted = {path for path, summary in summaries.items() if summary is not None}
    found = _items_in_files(cache, wanted, site.output) if wanted else {}
    pending = []
    for post in posts:
        summary, fragments = summaries[post.path], found.get(post.path, {})
        if summary is None or len(fragments) < len(FORMATS):
            pending.append(post)
        else:
            post.summary, post.fragments = summary, fragments
    return pending


def _items_in_files(cache: Cache, wanted: set[str], out_dir: Path) -> dict[str, dict[str, Item]]:
    """The items of the posts at `wanted` paths, by format, cut out of earlier feed files.

    Only a file whose bytes are still those written is read from (its digest is checked), so
    an edited or replaced file costs a render, never a wrong item.
    """
    formats = {ext: fmt for fmt, ext in EXTENSIONS.items()}
    found: dict[str, dict[str, Item]] = {}
    for name, (digest, size, _, spans) in cache.item_spans().items():
        fmt = formats.get(name.rpartition(".")[2])
        if fmt is None:  # not a feed format
            continue
        needed = [s for s in spans if s[0] in wanted and fmt not in found.get(s[0], {})]
        if not needed:
            continue
        data = _read_output(out_dir, name, size, digest)
        if data is None:
            continue
        for path, at, length in needed:
            found.setdefault(path, {})[fmt] = data[at : at + length]
    return found


def _read_output(out_dir: Path, name: str, size: int, digest: str) -> bytes | None:
    """The bytes of output `name` if they are those an earlier run wrote, else None."""
    try:
        data = load.read_bytes(str(target(out_dir, name)), size)
    except (OSError, WriteError):
        return None
    return data if len(data) == size and content_digest(data) == digest else None


Rendered = tuple[str, bytes, int, tuple[int, ...]]  # summary; items: batch, start, lengths


def _render_batch(site: Site, posts: Sequence[Post]) -> list[Rendered]:
    """Render posts and serialise their feed items (in a worker process on large runs).

    The content itself is not sent back: it is inside the items, which is all a feed needs.
    The items of the whole batch travel as one bytes object (pickled once however many posts
    refer to it), which the parent and the workers that write feeds read in place: a bytes
    object per item meant, in each of those workers, a copy-on-write page fault for every
    item it touched (~13,000 at 10,000 posts, ~35 ms of CPU).
    """
    root = str(site.root)
    for post in posts:
        if not post.body:  # its file is unchanged since it was parsed: read it again
            data = load.read_bytes(os.path.join(root, post.path))
            post.body = load.body_of(data, post.path)
    render.render_all(posts)
    pieces: list[bytes] = []
    places: list[tuple[int, tuple[int, ...]]] = []
    start = 0
    for post in posts:
        fragments = post_fragments(post, site)
        items = [fragments[fmt].encode("utf-8") for fmt in FORMATS]
        places.append((start, tuple(map(len, items))))
        start += sum(map(len, items))
        pieces.extend(items)
    batch = b"".join(pieces)
    return [(p.summary, batch, at, lengths) for p, (at, lengths) in zip(posts, places, strict=True)]


def feed_signature(feed: Feed, cache: Cache) -> str:
    """A digest of everything a feed's files are made from (settings are in the fingerprint)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((feed.kind, feed.name, feed.stem, feed.title, feed.total, feed.page, feed.pages,
                   feed.complete)).encode())  # fmt: skip
    for post in feed.posts:
        entry = cache.entry(post.path)
        h.update(repr((post.path, post.id, entry.digest if entry else None)).encode())
    return h.hexdigest()


def feed_files(feed: Feed, site: Site) -> list[str]:
    """The files one feed is published as (its page too, with discovery pages on)."""
    names = [f"{feed.stem}.{EXTENSIONS[fmt]}" for fmt in WRITERS]
    return [*names, f"{feed.stem}.html"] if site.pages and not feed.page else names


def publish(
    site_dir: Path | str = ".",
    *,
    out: Path | str | None = None,
    config: Path | str | None = None,
    future: bool | None = None,
    strict: bool = False,
    check: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    use_cache: bool = True,
    lock_timeout: float = 0.0,
    progress: Callable[[int], load.Progress | None] | None = None,
) -> PublishResult:
    """Publish every feed of the site at `site_dir`.

    Invalid posts are left out and listed in ``result.collected.rejected``; with ``strict`` they
    raise `InvalidPostsError` before anything is written. With ``check`` or ``dry_run`` nothing
    is written; ``result.changed`` and ``result.stale`` list what would be written and removed.
    Raises `LockBusyError` if another run holds the site's lock for `lock_timeout` seconds.
    `progress`, given the number of post files, may return a callback advanced per file.
    With the cache, a run after which nothing changed, or only posts were added, reads only
    what it must (see state.py); ``result.collected.posts`` then holds only the new posts.
    """
    started = time.monotonic()
    site = load_site(site_dir, config)
    if out is not None:
        site = replace(site, output=Path(out).resolve())
    if not use_cache:
        site = replace(site, cache=None)
    writing = not (check or dry_run)
    with ExitStack() as stack:
        if writing:
            stack.enter_context(locked(site.state_dir / "lock", lock_timeout))
        cache = open_cache(site, write=writing)
        if cache is not None:
            stack.enter_context(cache)
        when = site.future if future is None else future
        now = now or datetime.now(timezone.utc)
        files = load.find_posts(site.posts_dir, site.root)
        steps = _plan(site, cache, files, when, now)
        if steps.record is not None and cache is not None:
            _note_touched(cache, steps)
        if steps.unchanged:
            result = _answer_unchanged(site, steps, check=check, dry_run=dry_run)
            if strict and result.collected.rejected:
                raise InvalidPostsError(result.collected.rejected)
            if writing:
                remove_leftover_temp_files(site.output)
            if writing and cache is not None and steps.refreshed:
                cache.save_state(steps.refreshed_record(files).dumps())
        else:
            result = _run(site, cache, files, steps, when, now, strict, check, dry_run, progress)
            if writing and cache is not None:
                record = _record(result, files, when, steps.outputs)
                cache.save_state(record.dumps() if record else "")
        result.cache_warnings = cache.warnings if cache is not None else []
    if site.hub and result.written:
        result.hub = notify_hub(site, result.written)
    result.seconds = time.monotonic() - started
    return result


def _plan(
    site: Site, cache: Cache | None, files: list[load.PostFile], future: bool, now: datetime
) -> state.Plan:
    if cache is None:
        return state.Plan()
    record = state.Record.loads(cache.state)
    return state.plan(record, files, cache.file_rows, output=site.output, future=future, now=now)


def _note_touched(cache: Cache, steps: state.Plan) -> None:
    """Record the new mtimes of files a checkout touched without changing their bytes."""
    assert steps.record is not None
    for found in steps.touched:  # plan() compared their content with these rows
        cache.touched(found.path, found.size, found.recorded_mtime_ns)
    for name, (size, mtime_ns, _) in steps.outputs.items():
        before = steps.record.outputs[name]
        cache.touch_output(name, (before[0], before[1]), (size, mtime_ns))


def _run(
    site: Site, cache: Cache | None, files: list[load.PostFile], steps: state.Plan, when: bool,
    now: datetime, strict: bool, check: bool, dry_run: bool,
    progress: Callable[[int], load.Progress | None] | None,
) -> PublishResult:  # fmt: skip
    """Read, check, group and write: every post, or only the new ones if that is enough."""
    feedset: FeedSet | None = None
    if steps.record is not None and steps.new and cache is not None:
        added = collect_files(site, steps.new, future=when, now=now, cache=cache, progress=progress)
        collected = state.collected_from(steps.record, added)
        known = _known_posts(cache, steps.record.groups or [])
        if known is not None:
            feedset = extend(steps.record.groups or [], collected.posts, known, site)
    if feedset is None:  # the full run
        collected = collect(site, files=files, future=when, now=now, cache=cache, progress=progress)
        feedset = group(collected.posts, site)
    if strict and collected.rejected:
        raise InvalidPostsError(collected.rejected)
    ledger = Ledger.read(site.output, site.url + site.baseurl)
    for post in collected.posts:
        if post.path not in ledger.ids:  # new posts (and those with their own id)
            ledger.assign(post)
    for post in {id(p): p for feed in feedset.documents for p in feed.posts}.values():
        ledger.assign(post)  # the posts a feed shows take their recorded id
    result = PublishResult(site, collected, feedset, check=check, dry_run=dry_run)
    result.feeds = len(feedset.feeds)
    _emit_all(result, ledger, cache, not (check or dry_run))
    return result


def _known_posts(cache: Cache, groups: list[Group]) -> dict[str, Post] | None:
    """The posts the last run's feeds showed, from the cache; None if one is missing."""
    paths = list(dict.fromkeys(path for g in groups for path in g.paths))
    cache.preload(paths)
    posts: dict[str, Post] = {}
    for path in paths:
        entry = cache.entry(path)
        if entry is None or entry.status != "post":
            return None
        posts[path] = CachedPost(path, entry)
    return posts


def _answer_unchanged(
    site: Site, steps: state.Plan, *, check: bool, dry_run: bool
) -> PublishResult:
    """The result of a run that finds everything as the last run left it."""
    record = steps.record
    assert record is not None
    feedset = FeedSet(warnings=list(record.warnings))
    collected = state.collected_from(record)
    result = PublishResult(site, collected, feedset, check=check, dry_run=dry_run)
    result.feeds, result.outputs, result.up_to_date = record.feeds, record.feed_files, True
    result.unchanged = sorted(set(record.outputs) - {LEDGER_NAME, manifest.MANIFEST_NAME})
    return result


def _record(
    result: PublishResult, files: list[load.PostFile], future: bool,
    previous: dict[str, state.Output],
) -> state.Record | None:  # fmt: skip
    """What the next run needs to know of this one; None if a written file cannot be read."""
    site, collected = result.site, result.collected
    names = {*result.unchanged, *result.written, LEDGER_NAME, manifest.MANIFEST_NAME}
    outputs = state.output_stats(site.output, sorted(names), result.digests, previous)
    if outputs is None:
        return None
    return state.Record(
        files=state.files_digest(state.stats(files, recorded=True)),
        count=len(files),
        output=str(site.output),
        future=future,
        outputs=outputs,
        feed_files=result.outputs,
        feeds=result.feeds,
        counts=state.counts_of(collected),
        next_due=collected.next_due,
        newest=collected.newest,
        rejected=[error.problems for error in collected.rejected],
        warnings=result.feedset.warnings,
        groups=(
            [Group.of(feed) for feed in result.feedset.feeds]
            if site.items and not site.archive_size
            else None
        ),
    )


def notify_hub(site: Site, written: list[str]) -> PingReport:
    """Tell the WebSub hub about every feed whose bytes changed (after the lock is released).

    A hub failure is reported, never raised: the feeds are written and readers that poll will
    still see them.
    """
    from .websub import ping  # http.client and ssl: ~12 ms, for hub sites only

    assert site.hub is not None
    feeds = [name for name in written if name.rsplit(".", 1)[-1] in EXTENSIONS.values()]
    return ping(site.hub, [site.feeds_url + encode_path(name) for name in feeds])


def _emit_all(result: PublishResult, ledger: Ledger, cache: Cache | None, writing: bool) -> None:
    """Render, serialise and write (or compare) every feed that may have changed."""
    site, feeds, out_dir = result.site, result.feedset.documents, result.site.output
    result.outputs = sorted(name for feed in feeds for name in feed_files(feed, site))
    signatures = {feed.stem: feed_signature(feed, cache) for feed in feeds} if cache else {}
    current = [f for f in feeds if not _is_current(f, signatures, cache, site)]
    previous = manifest.read(out_dir)
    pages = site_pages(result.feedset, site) if site.pages else {}
    names = set(result.outputs) | set(pages)
    stale = sorted(previous - names)
    bookkeeping = {LEDGER_NAME: ledger.render(), manifest.MANIFEST_NAME: manifest.render(names)}
    if writing:
        remove_leftover_temp_files(out_dir)
        if names - previous:  # record new files before writing them, in case we are killed
            write_atomic(out_dir / manifest.MANIFEST_NAME, manifest.render(previous | names))
    shown = list({id(p): p for feed in current for p in feed.posts}.values())
    render_posts(shown, site, cache)
    job = EmitJob(site, current, out_dir, write=writing, pages=site.pages)
    emitted = _emit_feeds(job)
    feeds_changed = {e.name for e in emitted if e.changed}
    if not writing:
        pages_changed = set(changes(pages, out_dir))
        result.unchanged = sorted(names - feeds_changed - pages_changed)
        result.changed = sorted(feeds_changed | pages_changed | set(changes(bookkeeping, out_dir)))
        result.stale = stale
        return
    changed = sorted(feeds_changed | set(write_all(pages, out_dir).written))
    result.digests = {e.name: e.digest for e in emitted} | {
        name: content_digest(data) for name, data in (pages | bookkeeping).items()
    }
    result.unchanged = sorted(names - set(changed))
    if cache is not None:
        feed_posts = {feed.stem: feed.posts for feed in current}
        for e in emitted:
            posts = feed_posts[e.stem] if e.spans else ()  # a feed's page has no items
            items = [(post.path, *span) for post, span in zip(posts, e.spans, strict=True)]
            cache.record_output(e.name, signatures[e.stem], e.size, e.mtime_ns, e.digest, items)
        cache.forget_outputs_but(names)
        cache.keep_rendered({post.path for feed in feeds for post in feed.posts})
    write_all({LEDGER_NAME: bookkeeping[LEDGER_NAME]}, out_dir)
    remove(stale, out_dir)
    write_all({manifest.MANIFEST_NAME: bookkeeping[manifest.MANIFEST_NAME]}, out_dir)
    result.written, result.removed = changed, stale


def _emit_feeds(job: EmitJob) -> list[Emitted]:
    """Serialise and stage every feed (in workers), sync each file as it comes, then commit.

    Syncing here, while the workers serialise the next feeds, overlaps waiting for the disk
    with work; nothing replaces a feed until every file is on disk.
    """
    emitted: list[Emitted] = []
    feeds = range(len(job.feeds))
    syncer = Syncer()
    try:
        for files in parallel_map(emit, job, feeds, min_per_worker=FEEDS_PER_WORKER):
            emitted.extend(files)
            for staged in (e.staged for e in files if e.staged):
                syncer.add(staged)
        syncer.wait()
    except BaseException:
        syncer.close()
        discard([e.staged for e in emitted if e.staged])
        remove_leftover_temp_files(job.out_dir)  # files staged by workers we did not hear from
        raise
    commit([(e.staged, Path(e.path)) for e in emitted if e.staged])
    return emitted


def _is_current(feed: Feed, signatures: dict[str, str], cache: Cache | None, site: Site) -> bool:
    if cache is None:
        return False
    signature = signatures[feed.stem]
    files = feed_files(feed, site)
    return all(cache.output_current(name, signature, site.output) for name in files)


def validate(site_dir: Path | str = ".", *, config: Path | str | None = None) -> Collected:
    """Check every post of a site without rendering or writing anything."""
    site = load_site(site_dir, config)
    cache = open_cache(site, write=False)
    if cache is None:
        return collect(site, future=True)
    with cache:
        return collect(site, future=True, cache=cache)
