"""What the last writing run saw, so the next one can skip what cannot have changed.

A cron run over 100,000 posts usually finds nothing new, or a few new posts. Learning that from
the cache means reading and sorting 100,000 rows: seconds. So each writing run leaves a small
record in the cache: a digest of every post file's path, size and mtime, the size, mtime and
content digest of every file it wrote, its counts and problems, and each feed's newest posts.
The next run scans the post folder (one stat per file, as always) and compares:

- the same files, the written files as they were, no future post due: nothing can have
  changed, and the record is the run's answer;
- the same files plus new ones (a scraper's run): only the new files are read, and each feed
  is its recorded newest posts merged with the new ones;
- anything else (an edit, a deletion, a due post, a feed file edited): the full run.

A git checkout (as in a CI job) gives every file a new mtime. Files whose size and mtime
changed are then compared by content: post files against the cache's digests, written files
against the record's. Same bytes count as unchanged, and the new mtimes are recorded.

The record is only as trusted as the cache: it lives in the cache's database, under the same
fingerprint of code, schemas and settings, and goes when any of those change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .cache import digest
from .collect import Collected
from .errors import PostError, Problem
from .group import Group
from .load import PostFile

FORMAT = 2

Output = tuple[int, int, str]  # a written file's size, mtime_ns and content digest
Row = tuple[int, int, str]  # the cache's size, mtime_ns and content digest of a post file


@dataclass
class Record:
    """One writing run, as the next run needs it."""

    files: str  # digest of every post file's path, size and mtime
    count: int  # how many post files there were
    output: str  # the output folder written to
    future: bool  # whether future posts were published
    outputs: dict[str, Output]  # every file written or kept
    feed_files: list[str]  # the feed files among them (PublishResult.outputs)
    feeds: int  # subscription feeds
    counts: dict[str, int]  # the Collected counters
    next_due: int | None  # unix time of the soonest future post left out
    newest: int | None  # unix time of the newest post published
    rejected: list[list[Problem]]  # each rejected file's problems, by path
    warnings: list[str]  # the feeds' warnings (names merged into one feed)
    groups: list[Group] | None  # each feed's newest posts; None with archives (all are needed)

    def dumps(self) -> str:
        data = asdict(self)
        data["format"] = FORMAT
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> Record | None:
        """The record in `text`, or None if there is none, or it is unreadable or of another
        format (then the run is a full one, and writes a new record)."""
        try:
            data = json.loads(text or "null")
            if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
                return None
            data["outputs"] = {name: tuple(stat) for name, stat in data["outputs"].items()}
            data["rejected"] = [[Problem(**p) for p in problems] for problems in data["rejected"]]
            if data["groups"] is not None:
                data["groups"] = [
                    Group(g["kind"], g["slug"], tuple(g["names"]), g["total"], tuple(g["paths"]))
                    for g in data["groups"]
                ]
            return cls(**data)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def files_digest(files: Iterable[tuple[str, int, int]]) -> str:
    """A digest of which post files exist, with size and mtime: (path, size, mtime_ns)s."""
    text = "\n".join(f"{path}\0{size}\0{mtime_ns}" for path, size, mtime_ns in files)
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()


def stats(files: Iterable[PostFile], *, recorded: bool = False) -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) of each file: as found, or as recorded for the next run (racy
    files get mtime -1, so they never match and are compared by content)."""
    if recorded:
        return [(f.path, f.size, f.recorded_mtime_ns) for f in files]
    return [(f.path, f.size, f.mtime_ns) for f in files]


def output_stats(
    out_dir: Path, names: Iterable[str], digests: dict[str, str], previous: dict[str, Output]
) -> dict[str, Output] | None:
    """Size, mtime and digest of each written file; None if one is missing.

    Digests come from `digests` (the bytes this run produced), else from `previous` while the
    file's size and mtime are as recorded there, else from reading the file.
    """
    outputs: dict[str, Output] = {}
    for name in names:
        path = out_dir / name
        try:
            stat = path.stat()
            known = digests.get(name)
            old = previous.get(name)
            if known is None and old is not None and old[:2] == (stat.st_size, stat.st_mtime_ns):
                known = old[2]
            outputs[name] = (stat.st_size, stat.st_mtime_ns, known or digest(path.read_bytes()))
        except OSError:
            return None
    return outputs


def outputs_as_recorded(out_dir: Path, recorded: dict[str, Output]) -> dict[str, Output] | None:
    """The written files as they are now, if each holds the bytes recorded; else None."""
    now = output_stats(out_dir, recorded, {}, recorded)
    if now is None or any(now[name][2] != recorded[name][2] for name in recorded):
        return None
    return now


def _digest_if_same_size(found: PostFile, row: Row) -> str | None:
    if found.size != row[0]:
        return None
    try:
        with open(found.location, "rb") as file:
            return digest(file.read())
    except OSError:
        return None  # the full run reports it


@dataclass
class Plan:
    """What a run must do, given the last run's record."""

    record: Record | None = None  # set if the record can be used
    new: list[PostFile] | None = None  # post files added since; [] when nothing changed
    touched: list[PostFile] = field(default_factory=list)  # same bytes, new size or mtime
    outputs: dict[str, Output] = field(default_factory=dict)  # the written files now

    @property
    def unchanged(self) -> bool:
        return self.record is not None and self.new == []

    @property
    def refreshed(self) -> bool:
        """True if files were touched since the record: it needs their new mtimes."""
        return self.record is not None and (
            bool(self.touched) or self.outputs != self.record.outputs
        )

    def refreshed_record(self, files: list[PostFile]) -> Record:
        """The record with the new mtimes of touched files (when nothing else changed)."""
        assert self.record is not None
        files_now = files_digest(stats(files, recorded=True))
        return replace(self.record, files=files_now, outputs=self.outputs)


def plan(
    record: Record | None,
    files: list[PostFile],
    rows: Callable[[], dict[str, Row]],
    *,
    output: Path,
    future: bool,
    now: datetime,
) -> Plan:
    """Compare the post files found now with the last run's record.

    `rows` gives the cache's size, mtime and digest of each post file of the last run; it is
    only called when the files' sizes and mtimes differ from the record.
    """
    if record is None or record.output != str(output) or record.future != future:
        return Plan()
    if record.next_due is not None and now.timestamp() >= record.next_due:
        return Plan()  # a post dated in the future is now due: counts and feeds change
    if not future and record.newest is not None and now.timestamp() < record.newest:
        return Plan()  # the clock went back: a published post would be in the future again
    outputs = outputs_as_recorded(output, record.outputs)
    if outputs is None:
        return Plan()  # a feed, page or the ledger was edited or removed
    if len(files) == record.count and files_digest(stats(files)) == record.files:
        return Plan(record, [], [], outputs)
    known = rows()
    if files_digest((path, *known[path][:2]) for path in sorted(known)) != record.files:
        return Plan()  # the rows are not those of the recorded run (both are saved together)
    new: list[PostFile] = []
    touched: list[PostFile] = []
    for found in files:
        row = known.get(found.path)
        if row is None:
            new.append(found)
        elif (found.size, found.mtime_ns) != row[:2]:
            content = _digest_if_same_size(found, row)
            if content != row[2]:
                return Plan()  # a post was edited or replaced
            touched.append(found)
    if len(files) - len(new) != record.count or (new and record.groups is None):
        return Plan()  # a post was removed; or archives, which need every post
    return Plan(record, new, touched, outputs)


def collected_from(record: Record, new: Collected | None = None) -> Collected:
    """The whole site's Collected: the record's, plus what the new files gave."""
    new = new or Collected()
    counts = record.counts
    rejected = [PostError(problems) for problems in record.rejected] + new.rejected
    dues = [due for due in (record.next_due, new.next_due) if due is not None]
    newest = [ts for ts in (record.newest, new.newest) if ts is not None]
    return Collected(
        posts=new.posts,
        rejected=sorted(rejected, key=lambda e: e.problems[0].path),
        published=counts["published"] + new.published,
        unpublished=counts["unpublished"] + new.unpublished,
        future=counts["future"] + new.future,
        cached=record.count + new.cached,
        offsetless=counts["offsetless"] + new.offsetless,
        next_due=min(dues) if dues else None,
        newest=max(newest) if newest else None,
    )


def counts_of(collected: Collected) -> dict[str, int]:
    return {
        "published": collected.published,
        "unpublished": collected.unpublished,
        "future": collected.future,
        "offsetless": collected.offsetless,
    }
