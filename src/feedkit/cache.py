"""An incremental cache of parsed and rendered posts (stdlib sqlite3).

A row is reused only while its file's size and mtime are unchanged, or, when they changed (a
git checkout touches every file), while its content hash is: so a run where one post of 20,000
changed parses and renders one post. Every row belongs to one *fingerprint* (feedkit's code, the
schemas and the settings that shape a post); any change there empties the cache. The cache is
never trusted blindly: a file that is not a feedkit cache, or is damaged, is reported and rebuilt.
Deleting it only costs time.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import xxhash

from .errors import Problem
from .model import Author, Post

FORMAT = 13
APPLICATION_ID = 0x66656B74  # "fekt": marks the file as ours
GITIGNORE = "# feedkit's cache: local to this machine, never commit it\n*\n"
BUSY_TIMEOUT = 60.0  # seconds a reader or the writer waits for the other
COMPACT_MIN_BYTES = 10 << 20  # less free space than this is left as it is

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posts (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL,
    status TEXT NOT NULL,   -- post | unpublished | rejected
    record TEXT NOT NULL,   -- JSON: the post's metadata, or its problems
    ts INTEGER,             -- posts only: what grouping needs, readable without decoding
    utcoffset INTEGER,      --   the record: date (unix seconds, offset in seconds),
    has_offset INTEGER,     --   whether the date had an offset,
    names TEXT              --   and [categories, tags] as JSON
);
CREATE TABLE IF NOT EXISTS rendered (  -- posts some feed shows: their items are in its files
    path TEXT PRIMARY KEY,
    digest TEXT NOT NULL,   -- of the file it was rendered from
    id TEXT NOT NULL,       -- the post id the items carry
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outputs (
    name TEXT PRIMARY KEY,  -- a feed file, relative to the output folder
    signature TEXT NOT NULL,  -- digest of everything the file was made from
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL DEFAULT '',  -- of the bytes written
    items TEXT NOT NULL DEFAULT ''    -- JSON [[post path, offset, length], ...]: where each
);                                    -- post's item lies in those bytes
"""


@dataclass
class Entry:
    """What the cache knows about one post file."""

    size: int
    mtime_ns: int
    digest: str
    status: str
    record: str
    ts: int | None = None
    utcoffset: int | None = None
    has_offset: int | None = None
    names: str | None = None


class Cache:
    """An open cache for one site. Use as a context manager; changes commit on success."""

    def __init__(self, path: Path, fingerprint: str, *, write: bool = True) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.write = write
        self.warnings: list[str] = []
        # Rows are read on demand until load_all(): a run that only adds posts reads the few
        # rows its feeds show, not all 100,000.
        self.entries: dict[str, Entry] = {}
        self._absent: set[str] = set()
        self.complete = False
        self.state: str | None = None  # the last writing run's record (see state.py)
        self.outputs: dict[str, tuple[str, int, int]] = {}  # name -> signature, size, mtime_ns
        self._pending: dict[str, list[tuple[Any, ...]]] = {}  # SQL -> rows, written in batches
        self._rendered: dict[str, tuple[str, str, str]] | None = None  # digest, id, summary
        self._db = self._open()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None and self.write:
            self.flush()
            self._db.commit()
            self._compact()
        else:
            self._db.rollback()
        self._db.close()

    def _compact(self) -> None:
        """Give free space back when most of the file is free (a CI job uploads the file)."""
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        if free * page_size > COMPACT_MIN_BYTES and free * 2 > pages:
            # A reader (feedkit validate) may hold the file: then it waits for the next run.
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("VACUUM")

    def _open(self) -> sqlite3.Connection:
        if self.write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text(GITIGNORE, encoding="utf-8")
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            self.warnings.append(f"cache {self.path} is damaged ({exc}); rebuilding it")
        except _Foreign as exc:
            self.warnings.append(f"{self.path} {exc}; rebuilding the cache")
        self._remove_files()
        return self._connect()

    def _connect(self) -> sqlite3.Connection:
        if not self.write and not self.path.exists():
            db = sqlite3.connect(":memory:")
            db.executescript(_SCHEMA)
            self.complete = True
            return db
        # SQLite's default rollback journal, not WAL: a cold run writes ~60 MB, which WAL writes
        # twice (log, then checkpoint); committing took 0.17-0.19 s with WAL, 0.04-0.05 s
        # without (10,000 posts). A reader (feedkit validate) and the one writer (runs hold the
        # site's lock) then wait for each other briefly, hence the generous busy timeout.
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
        try:
            if self._check(db):
                rows = db.execute("SELECT name, signature, size, mtime_ns FROM outputs")
                self.outputs = {row[0]: (row[1], row[2], row[3]) for row in rows}
                row = db.execute("SELECT value FROM settings WHERE key = 'state'").fetchone()
                self.state = row[0] if row else None
            else:
                self.complete = True  # an empty cache: every row is known (none)
        except BaseException:
            db.close()
            raise
        return db

    def _check(self, db: sqlite3.Connection) -> bool:
        """Make sure `db` is our cache; True if its rows were made with this fingerprint."""
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application_id == 0 and tables == 0 and self.write:  # a new file
            # One transaction: each statement on its own committed (and synced) separately,
            # 27 fdatasync calls and 5-20 ms before a cold run could start.
            db.executescript(
                f"BEGIN; PRAGMA application_id = {APPLICATION_ID}; "
                f"PRAGMA user_version = {FORMAT}; {_SCHEMA} COMMIT;"
            )
        elif application_id != APPLICATION_ID:
            raise _Foreign("is not a feedkit cache")
        elif db.execute("PRAGMA user_version").fetchone()[0] != FORMAT:
            raise _Foreign("is a cache of another format")
        db.execute("PRAGMA synchronous = NORMAL")
        row = db.execute("SELECT value FROM settings WHERE key = 'fingerprint'").fetchone()
        if row is not None and row[0] == self.fingerprint:
            return True
        if self.write:  # made by other code or settings: start over
            db.execute("DELETE FROM posts")
            db.execute("DELETE FROM rendered")
            db.execute("DELETE FROM outputs")
            db.execute("DELETE FROM settings WHERE key = 'state'")
            db.execute(
                "INSERT OR REPLACE INTO settings VALUES ('fingerprint', ?)", (self.fingerprint,)
            )
        return False

    def load_all(self) -> None:
        """Read every row (a full run looks at every post); rows changed in memory stay."""
        if self.complete:
            return
        for row in self._db.execute(f"SELECT {_COLUMNS} FROM posts"):
            if row[0] not in self.entries:
                self.entries[row[0]] = Entry(*row[1:])
        self._absent.clear()
        self.complete = True

    def entry(self, path: str) -> Entry | None:
        """The row for `path`, read on first use."""
        entry = self.entries.get(path)
        if entry is None and not self.complete and path not in self._absent:
            self.preload([path])
            entry = self.entries.get(path)
        return entry

    def preload(self, paths: list[str]) -> None:
        """Read the rows of `paths` not read yet, a few hundred per query."""
        wanted = [p for p in paths if p not in self.entries and p not in self._absent]
        if self.complete or not wanted:
            return
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {_COLUMNS} FROM posts WHERE path IN ({marks})"
            for row in self._db.execute(sql, chunk):
                self.entries[row[0]] = Entry(*row[1:])
            self._absent.update(p for p in chunk if p not in self.entries)

    def file_rows(self) -> dict[str, tuple[int, int, str]]:
        """Size, mtime and content digest of every post file the cache has a row for."""
        if self.complete:
            return {p: (e.size, e.mtime_ns, e.digest) for p, e in self.entries.items()}
        rows = self._db.execute("SELECT path, size, mtime_ns, digest FROM posts")
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def save_state(self, text: str) -> None:
        self.state = text
        self._queue("INSERT OR REPLACE INTO settings VALUES ('state', ?)", (text,))

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # -- reading and writing rows ------------------------------------------------------------

    def fresh(self, path: str, size: int, mtime_ns: int) -> Entry | None:
        """The entry for `path` if the file looks untouched (same size and mtime)."""
        entry = self.entry(path)
        if entry is not None and entry.size == size and entry.mtime_ns == mtime_ns:
            return entry
        return None

    def same_content(self, path: str, digest: str, size: int, mtime_ns: int) -> Entry | None:
        """The entry for `path` if its content is unchanged; records the new mtime."""
        entry = self.entry(path)
        if entry is None or entry.digest != digest:
            return None
        self.touched(path, size, mtime_ns)
        return entry

    def touched(self, path: str, size: int, mtime_ns: int) -> None:
        """Record the new size and mtime of a file whose content is known to be unchanged."""
        entry = self.entries.get(path)
        if entry is not None:
            entry.size, entry.mtime_ns = size, mtime_ns
        self._queue(
            "UPDATE posts SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def store(
        self, path: str, size: int, mtime_ns: int, digest: str, status: str, record: str,
        post: Post | None = None,
    ) -> None:  # fmt: skip
        index = _index(post)
        self.entries[path] = Entry(size, mtime_ns, digest, status, record, *index)
        self._absent.discard(path)
        self._queue(
            "INSERT OR REPLACE INTO posts (path, size, mtime_ns, digest, status, record, ts,"
            " utcoffset, has_offset, names) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (path, size, mtime_ns, digest, status, record, *index),
        )

    def forget_all_but(self, paths: set[str]) -> None:
        """Drop rows of files that no longer exist."""
        self.load_all()
        gone = [p for p in self.entries if p not in paths]
        for path in gone:
            del self.entries[path]
            self._queue("DELETE FROM posts WHERE path = ?", (path,))

    def rendered_summary(self, post: Post) -> str | None:
        """The summary the post was rendered with, if its items may be reused; else None.

        Not if they were made from other content (a read-only run sees edits the table does
        not) or for another id (items carry it). The items themselves are read back from the
        feed files that hold them (see `item_spans`).
        """
        if self._rendered is None:  # one query, not one per post (a cold run asks thousands)
            rows = self._db.execute("SELECT path, digest, id, summary FROM rendered")
            self._rendered = {row[0]: (row[1], row[2], row[3]) for row in rows}
        known = self._rendered.get(post.path)
        entry = self.entry(post.path)
        if known is None or entry is None or known[:2] != (entry.digest, post.id):
            return None
        return known[2]

    def store_rendered(self, post: Post) -> None:
        entry = self.entry(post.path)
        assert entry is not None, "a post is stored before it is rendered"
        self._queue(
            "INSERT OR REPLACE INTO rendered VALUES (?, ?, ?, ?)",
            (post.path, entry.digest, post.id, post.summary),
        )

    def item_spans(self) -> dict[str, tuple[str, int, int, list[tuple[str, int, int]]]]:
        """Every feed file written by an earlier run: digest, size, mtime and item spans.

        A post's items are stored once, in the feed files that show it, not also here: a cold
        run's 3,100 rendered posts would add ~50 MB to the cache (~85 ms of a 1.6 s run).
        """
        rows = self._db.execute("SELECT name, digest, size, mtime_ns, items FROM outputs")
        return {
            name: (digest, size, mtime_ns, [tuple(span) for span in json.loads(items)])
            for name, digest, size, mtime_ns, items in rows
            if digest and items
        }

    def keep_rendered(self, paths: set[str]) -> None:
        """Drop the rendered content of posts no feed shows any more.

        Every new post is shown for a while; kept forever, their content would make the cache
        grow by every post ever published (a cache a CI job uploads after each run).
        """
        if not self.write:
            return
        self.flush()
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS shown (path TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM shown")
        self._db.executemany("INSERT INTO shown VALUES (?)", ((p,) for p in paths))
        self._db.execute("DELETE FROM rendered WHERE path NOT IN (SELECT path FROM shown)")

    def output_current(self, name: str, signature: str, out_dir: Path) -> bool:
        """True if `name` was last written from `signature` and is untouched on disk since."""
        known = self.outputs.get(name)
        if known is None or known[0] != signature:
            return False
        try:
            stat = (out_dir / name).stat()
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == known[1:]

    def touch_output(self, name: str, before: tuple[int, int], now: tuple[int, int]) -> None:
        """`name`'s size and mtime went from `before` to `now` with the same bytes (a checkout)."""
        known = self.outputs.get(name)
        if known is not None and known[1:] == before and before != now:
            self.outputs[name] = (known[0], *now)
            self._queue("UPDATE outputs SET size = ?, mtime_ns = ? WHERE name = ?", (*now, name))

    def record_output(
        self, name: str, signature: str, size: int, mtime_ns: int, digest: str = "",
        items: Sequence[tuple[str, int, int]] = (),
    ) -> None:  # fmt: skip
        """A file written (or found unchanged): `items` are its posts' items, as spans."""
        self.outputs[name] = (signature, size, mtime_ns)
        self._queue(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?)",
            (name, signature, size, mtime_ns, digest,
             json.dumps(items, ensure_ascii=False, separators=(",", ":")) if items else ""),
        )  # fmt: skip

    def forget_outputs_but(self, names: set[str]) -> None:
        for name in [n for n in self.outputs if n not in names]:
            del self.outputs[name]
            self._queue("DELETE FROM outputs WHERE name = ?", (name,))

    def _queue(self, sql: str, row: tuple[Any, ...]) -> None:
        if self.write:
            self._pending.setdefault(sql, []).append(row)

    def flush(self) -> None:
        """Write queued changes (in the order their kinds were first queued)."""
        for sql, rows in self._pending.items():
            self._db.executemany(sql, rows)
        self._pending.clear()


_COLUMNS = "path, size, mtime_ns, digest, status, record, ts, utcoffset, has_offset, names"


class _Foreign(Exception):
    """The cache path holds something that is not (this version of) a feedkit cache."""


# -- what a row holds ------------------------------------------------------------------------


def digest(data: bytes) -> str:
    """A file's content digest: 128-bit XXH3.

    Every post file of a cold run and every feed file written (~160 MB at 10,000 posts) is
    hashed, as is everything a checkout touched: XXH3 runs at ~8 GB/s here, blake2b at ~0.9.
    It guards against accidents (a file changed by hand or by git), not against an attacker,
    who could simply edit the file.
    """
    return xxhash.xxh3_128_hexdigest(data)


def _index(post: Post | None) -> tuple[int | None, int | None, int | None, str | None]:
    """The columns grouping reads: date, offset, offset flag, names (None for non-posts)."""
    if post is None:
        return None, None, None, None
    offset = post.date.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return int(post.date.timestamp()), seconds, int(post.date_has_offset), _pack(post)


# Names as "cat\x1fcat\x1etag\x1ftag": splitting is ~10x cheaper than JSON on a warm run. A
# name holding either separator (only a hostile post has one) is stored as JSON instead.
_NAME, _GROUP, _AS_JSON = "\x1f", "\x1e", "\x1e\x1e"


def _pack(post: Post) -> str:
    names = (*post.categories, *post.tags)
    if any(_NAME in n or _GROUP in n for n in names):
        return _AS_JSON + json.dumps([post.categories, post.tags], ensure_ascii=False)
    return _NAME.join(post.categories) + _GROUP + _NAME.join(post.tags)


def _unpack(packed: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if packed.startswith(_AS_JSON):
        categories, tags = json.loads(packed[len(_AS_JSON) :])
        return tuple(categories), tuple(tags)
    categories_text, _, tags_text = packed.partition(_GROUP)
    return (
        tuple(categories_text.split(_NAME)) if categories_text else (),
        tuple(tags_text.split(_NAME)) if tags_text else (),
    )


class CachedPost(Post):
    """A post from the cache: what grouping needs is read at once, the rest on first use.

    A warm run over 100,000 posts shows at most a few thousand of them; decoding every
    record into a full Post was a third of such a run.
    """

    def __init__(self, path: str, entry: Entry) -> None:
        assert entry.ts is not None and entry.utcoffset is not None and entry.names is not None
        categories, tags = _unpack(entry.names)
        zone = _zone(entry.utcoffset)
        self.__dict__.update(
            path=path,
            date=datetime.fromtimestamp(entry.ts, zone),
            categories=categories,
            tags=tags,
            date_has_offset=bool(entry.has_offset),
            body="",
            content_html="",
            summary="",
            fragments={},
            _record=entry.record,
        )

    def _full(self) -> Post:
        full: Post | None = self.__dict__.get("_decoded")
        if full is None:
            full = post_from_record(self.path, self.__dict__["_record"])
            self.__dict__["_decoded"] = full
        return full


def _lazy(name: str) -> property:
    def get(self: CachedPost) -> object:
        if name in self.__dict__:
            return self.__dict__[name]
        return getattr(self._full(), name)

    def set(self: CachedPost, value: object) -> None:
        self.__dict__[name] = value

    return property(get, set)


for _name in ("title", "updated", "url", "id", "own_id", "markdown", "author", "description",
              "image", "lang"):  # fmt: skip
    setattr(CachedPost, _name, _lazy(_name))

_ZONES: dict[int, timezone] = {}


def _zone(seconds: int) -> timezone:
    zone = _ZONES.get(seconds)
    if zone is None:
        zone = _ZONES[seconds] = timezone(timedelta(seconds=seconds))
    return zone


def post_record(post: Post) -> str:
    """A post's metadata as a compact JSON array (decoding 100,000 of them is a warm run)."""
    author = post.author
    data = [
        post.title, post.date.isoformat(), post.updated.isoformat(), post.categories, post.tags,
        post.url, post.id, post.own_id, post.markdown, post.date_has_offset,
        [author.name, author.email, author.uri] if author else None,
        post.description, post.image, post.lang,
    ]  # fmt: skip
    return json.dumps(data, ensure_ascii=False)


def post_from_record(path: str, record: str) -> Post:
    (title, date, updated, categories, tags, url, id_, own_id, markdown, has_offset, author,
     description, image, lang) = json.loads(record)  # fmt: skip
    return Post(
        path=path,
        title=title,
        date=datetime.fromisoformat(date),
        updated=datetime.fromisoformat(updated),
        categories=tuple(categories),
        tags=tuple(tags),
        url=url,
        id=id_,
        body="",
        markdown=markdown,
        date_has_offset=has_offset,
        own_id=own_id,
        author=Author(*author) if author else None,
        description=description,
        image=image,
        lang=lang,
    )


def problems_record(problems: list[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False)


def problems_from_record(record: str) -> list[Problem]:
    return [Problem(**p) for p in json.loads(record)]
