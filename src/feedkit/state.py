"""What the last writing run saw, so the next one can skip what cannot have changed.

A cron run over 100,000 posts usually finds nothing new, or a few new posts. Learning that from
the cache means reading and sorting 100,000 rows: seconds. So each writing run leaves a small
record in the cache: a digest of every post file's path, size and mtime, the size and mtime of
every file it wrote, its counts and problems, and each feed's newest posts. The next run scans
the post folder (one stat per file, as always) and compares:

- the same files, the written files untouched, no future post due: nothing can have changed,
  and the record is the run's answer;
- the same files plus new ones (a scraper's run): only the new files are read, and each feed
  is its recorded newest posts merged with the new ones;
- anything else (an edit, a deletion, a due post, a touched feed file): the full run.

The record is only as trusted as the cache: it lives in the cache's database, under the same
fingerprint of code, schemas and settings, and goes when any of those change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from .collect import Collected
from .errors import PostError, Problem
from .group import Group
from .load import PostFile

FORMAT = 1


@dataclass
class Record:
    """One writing run, as the next run needs it."""

    files: str  # digest of every post file's path, size and mtime
    count: int  # how many post files there were
    output: str  # the output folder written to
    future: bool  # whether future posts were published
    outputs: dict[str, tuple[int, int]]  # every file written or kept: size, mtime_ns
    feed_files: list[str]  # the feed files among them (PublishResult.outputs)
    feeds: int  # subscription feeds
    counts: dict[str, int]  # the Collected counters
    next_due: int | None  # unix time of the soonest future post left out
    rejected: list[list[Problem]]  # each rejected file's problems, by path
    warnings: list[str]  # the feeds' warnings (names merged into one feed)
    groups: list[Group] | None  # each feed's newest posts; None with archives (all are needed)

    def dumps(self) -> str:
        data = asdict(self)
        data["format"] = FORMAT
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> Record | None:
        """The record in `text`, or None if there is none or it is of another format."""
        if not text:
            return None
        data = json.loads(text)
        if data.pop("format", None) != FORMAT:
            return None
        data["outputs"] = {name: tuple(stat) for name, stat in data["outputs"].items()}
        data["rejected"] = [[Problem(**p) for p in problems] for problems in data["rejected"]]
        if data["groups"] is not None:
            data["groups"] = [
                Group(g["kind"], g["slug"], tuple(g["names"]), g["total"], tuple(g["paths"]))
                for g in data["groups"]
            ]
        return cls(**data)


def files_digest(files: Iterable[PostFile]) -> str:
    """A digest of which post files exist and their size and mtime (in the order given)."""
    text = "\n".join(f"{f.path}\0{f.size}\0{f.mtime_ns}" for f in files)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def stat_outputs(out_dir: Path, names: Iterable[str]) -> dict[str, tuple[int, int]] | None:
    """Size and mtime of each written file; None if one is missing."""
    stats: dict[str, tuple[int, int]] = {}
    for name in names:
        try:
            stat = (out_dir / name).stat()
        except OSError:
            return None
        stats[name] = (stat.st_size, stat.st_mtime_ns)
    return stats


@dataclass
class Plan:
    """What a run must do, given the last run's record."""

    record: Record | None = None  # set if the record can be used
    new: list[PostFile] | None = None  # post files added since; [] when nothing changed

    @property
    def unchanged(self) -> bool:
        return self.record is not None and self.new == []

    @property
    def added(self) -> bool:
        return self.record is not None and bool(self.new)


def plan(
    record: Record | None,
    files: list[PostFile],
    known: Callable[[], Iterable[str]] | None,
    *,
    output: Path,
    future: bool,
    now: datetime,
) -> Plan:
    """Compare the post files found now with the last run's record.

    `known` lists the files the cache has rows for (the last run's files); it is only
    called when the files differ from the record.
    """
    if record is None or record.output != str(output) or record.future != future:
        return Plan()
    if record.next_due is not None and now.timestamp() >= record.next_due:
        return Plan()  # a post dated in the future is now due: counts and feeds change
    if stat_outputs(output, record.outputs) != record.outputs:
        return Plan()  # a feed, page or the ledger was touched since
    if len(files) == record.count and files_digest(files) == record.files:
        return Plan(record, [])
    if record.groups is None or known is None or len(files) <= record.count:
        return Plan()
    old = set(known())
    before = [f for f in files if f.path in old]
    if len(before) != record.count or files_digest(before) != record.files:
        return Plan()  # a post was edited, touched, replaced or removed
    return Plan(record, [f for f in files if f.path not in old])


def collected_from(record: Record, new: Collected | None = None) -> Collected:
    """The whole site's Collected: the record's, plus what the new files gave."""
    new = new or Collected()
    counts = record.counts
    rejected = [PostError(problems) for problems in record.rejected] + new.rejected
    dues = [due for due in (record.next_due, new.next_due) if due is not None]
    return Collected(
        posts=new.posts,
        rejected=sorted(rejected, key=lambda e: e.problems[0].path),
        published=counts["published"] + new.published,
        unpublished=counts["unpublished"] + new.unpublished,
        future=counts["future"] + new.future,
        cached=record.count + new.cached,
        offsetless=counts["offsetless"] + new.offsetless,
        next_due=min(dues) if dues else None,
    )


def counts_of(collected: Collected) -> dict[str, int]:
    return {
        "published": collected.published,
        "unpublished": collected.unpublished,
        "future": collected.future,
        "offsetless": collected.offsetless,
    }
