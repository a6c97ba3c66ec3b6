"""The pipeline: load → validate → render → group → write.

Everything is read and checked before anything is written, so a run either publishes what is
valid or, with ``strict``, publishes nothing; it never leaves a half-written feed behind. Writing
runs hold the site's lock, reuse the cache, keep ids stable through the ledger and delete only
files the manifest says feedkit wrote.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from . import cache as cache_module
from . import load, manifest, render, version
from .cache import Cache
from .errors import InvalidPostsError, PostError
from .feeds import EXTENSIONS, WRITERS
from .group import group
from .ledger import LEDGER_NAME, Ledger
from .lock import locked
from .model import FeedSet, Post
from .resources import load_schema
from .site import Site, load_site
from .validate import Validator, resolve
from .write import changes, remove, remove_leftover_temp_files, write_all, write_atomic

Progress = Callable[[int], None]


@dataclass
class Collected:
    """The outcome of reading and checking every post of a site."""

    posts: list[Post] = field(default_factory=list)
    rejected: list[PostError] = field(default_factory=list)
    unpublished: int = 0  # published: false
    future: int = 0  # dated after now, left out without --future
    cached: int = 0  # files whose result came from the cache

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
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # check/dry run: what would be written
    stale: list[str] = field(default_factory=list)  # check/dry run: what would be removed
    check: bool = False
    dry_run: bool = False
    seconds: float = 0.0
    cache_warnings: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [
            *self.cache_warnings,
            *offsetless_warnings(self.site, self.collected),
            *self.feedset.warnings,
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
                "published": len(c.posts),
                "rejected": len(c.rejected),
                "unpublished": c.unpublished,
                "future": c.future,
                "from_cache": c.cached,
            },
            "feeds": len(self.feedset.feeds),
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
    """What a cached post depends on besides its file: feedkit's code, schemas and settings."""
    h = hashlib.sha256(version.__version__.encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    h.update(json.dumps(load_schema("post.schema.json"), sort_keys=True).encode())
    if site.schema is not None and site.schema.is_file():
        h.update(site.schema.read_bytes())
    for value in (site.url, site.baseurl, site.timezone.key, site.permalink, site.lang,
                  site.author, site.posts_dir.name):  # fmt: skip
        h.update(repr(value).encode())
    return h.hexdigest()


def open_cache(site: Site, *, write: bool) -> Cache | None:
    return Cache(site.cache, fingerprint(site), write=write) if site.cache else None


def collect(
    site: Site,
    *,
    future: bool = False,
    now: datetime | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> Collected:
    """Read and check every post: valid ones become `Post`s, the rest `PostError`s."""
    now = now or datetime.now(timezone.utc)
    reader = _Reader(site, cache)
    collected = Collected()
    seen: set[str] = set()
    for file in load.find_posts(site.posts_dir, site.root):
        rel = load.relative(file, site.root)
        seen.add(rel)
        outcome, from_cache = reader.read(file, rel)
        collected.cached += from_cache
        if isinstance(outcome, PostError):
            collected.rejected.append(outcome)
        elif outcome is None:
            collected.unpublished += 1
        elif outcome.date > now and not future:
            collected.future += 1
        else:
            collected.posts.append(outcome)
        if progress:
            progress(1)
    if cache is not None:
        cache.forget_all_but(seen)
    return collected


class _Reader:
    """Turns one post file into a Post, a PostError or None (unpublished), cache first."""

    def __init__(self, site: Site, cache: Cache | None) -> None:
        self.site = site
        self.cache = cache
        self._validator: Validator | None = None

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            self._validator = Validator.for_site(self.site)
        return self._validator

    def read(self, file: Path, rel: str) -> tuple[Post | PostError | None, bool]:
        """The outcome for one file, and whether it came from the cache."""
        cache = self.cache
        stat = file.stat()
        entry = cache.fresh(rel, stat.st_size, stat.st_mtime_ns) if cache else None
        if entry is None:
            data = file.read_bytes()
            digest = cache_module.digest(data)
            if cache is not None:
                entry = cache.same_content(rel, digest, stat.st_size, stat.st_mtime_ns)
            if entry is None:
                status, outcome, record, body = self._evaluate(data, file)
                if cache is not None:
                    cache.store(rel, stat.st_size, stat.st_mtime_ns, digest, status, record, body)
                return outcome, False
        return _from_record(rel, entry.status, entry.record), True

    def _evaluate(
        self, data: bytes, file: Path
    ) -> tuple[str, Post | PostError | None, str, str | None]:
        try:
            source = load.parse_source(data, file, self.site.root)
            post = resolve(source, self.site, self.validator)
        except PostError as exc:
            return "rejected", exc, cache_module.problems_record(exc.problems), None
        if post is None:
            return "unpublished", None, "null", None
        return "post", post, cache_module.post_record(post), source.body


def _from_record(rel: str, status: str, record: str) -> Post | PostError | None:
    if status == "rejected":
        return PostError(cache_module.problems_from_record(record))
    if status == "unpublished":
        return None
    return cache_module.post_from_record(rel, record)


def render_post(post: Post, site: Site, cache: Cache | None) -> None:
    """Fill in the post's content and summary: from the cache, else by rendering its body."""
    hit = cache.rendered(post.path) if cache is not None else None
    if hit is not None:
        post.content_html, post.summary = hit
        return
    if not post.body:
        body = cache.body(post.path) if cache is not None else None
        post.body = body if body is not None else _read_body(site, post)
    render.render(post)
    post.body = ""  # rendered now; keep memory flat on large sites
    if cache is not None:
        cache.store_rendered(post.path, post.content_html, post.summary)


def _read_body(site: Site, post: Post) -> str:
    return load.read_source(site.root / post.path, site.root).body


def render_feeds(
    site: Site, posts: list[Post], cache: Cache | None = None
) -> tuple[FeedSet, dict[str, bytes]]:
    """Group posts into feeds and serialise each in every format."""
    feedset = group(posts, site)
    rendered: set[int] = set()
    outputs: dict[str, bytes] = {}
    for feed in feedset.feeds:
        for post in feed.posts:
            if id(post) not in rendered:  # only posts some feed shows, each once
                render_post(post, site, cache)
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
    dry_run: bool = False,
    now: datetime | None = None,
    use_cache: bool = True,
    lock_timeout: float = 0.0,
    progress: Callable[[int], Progress | None] | None = None,
) -> PublishResult:
    """Publish every feed of the site at `site_dir`.

    Invalid posts are left out and listed in ``result.collected.rejected``; with ``strict`` they
    raise `InvalidPostsError` before anything is written. With ``check`` or ``dry_run`` nothing
    is written; ``result.changed`` and ``result.stale`` list what would be written and removed.
    Raises `LockBusyError` if another run holds the site's lock for `lock_timeout` seconds.
    `progress`, given the number of post files, may return a callback advanced per file.
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
        files = progress(_count_posts(site)) if progress else None
        when = site.future if future is None else future
        collected = collect(site, future=when, now=now, cache=cache, progress=files)
        if strict and collected.rejected:
            raise InvalidPostsError(collected.rejected)
        ledger = Ledger.read(site.output, site.url + site.baseurl)
        for post in collected.posts:
            ledger.assign(post)
        feedset, outputs = render_feeds(site, collected.posts, cache)
        result = PublishResult(site, collected, feedset, outputs=sorted(outputs))
        result.cache_warnings = cache.warnings if cache is not None else []
        outputs[LEDGER_NAME] = ledger.render()
        _write_or_plan(result, outputs, writing, check, dry_run)
    result.seconds = time.monotonic() - started
    return result


def _count_posts(site: Site) -> int:
    return sum(1 for _ in load.find_posts(site.posts_dir, site.root))


def _write_or_plan(
    result: PublishResult, outputs: dict[str, bytes], writing: bool, check: bool, dry_run: bool
) -> None:
    out_dir = result.site.output
    previous = manifest.read(out_dir)
    current = set(outputs) - {LEDGER_NAME}
    stale = sorted(previous - current)
    outputs[manifest.MANIFEST_NAME] = manifest.render(current)
    if not writing:
        result.check, result.dry_run = check, dry_run
        result.changed, result.stale = changes(outputs, out_dir), stale
        result.unchanged = sorted(set(current) - set(result.changed))
        return
    remove_leftover_temp_files(out_dir)
    if current - previous:  # record new files before writing them, in case we are killed
        write_atomic(out_dir / manifest.MANIFEST_NAME, manifest.render(previous | current))
    bookkeeping = {name: outputs.pop(name) for name in (LEDGER_NAME, manifest.MANIFEST_NAME)}
    report = write_all(outputs, out_dir)
    write_all({LEDGER_NAME: bookkeeping[LEDGER_NAME]}, out_dir)
    remove(stale, out_dir)
    write_all({manifest.MANIFEST_NAME: bookkeeping[manifest.MANIFEST_NAME]}, out_dir)
    result.written, result.unchanged, result.removed = report.written, report.unchanged, stale


def validate(site_dir: Path | str = ".", *, config: Path | str | None = None) -> Collected:
    """Check every post of a site without rendering or writing anything."""
    site = load_site(site_dir, config)
    cache = open_cache(site, write=False)
    if cache is None:
        return collect(site, future=True)
    with cache:
        return collect(site, future=True, cache=cache)
