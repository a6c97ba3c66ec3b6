"""A run killed at any moment leaves every feed whole (old or new); the next run repairs the rest.

Real processes, really killed with SIGKILL at random points of a run.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from conftest import feed_files
from feedkit import publish, write
from feedkit.errors import WriteError

POSTS = 300
TAGS = 60


def make_site(root: Path, title_prefix: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(
        "title: Crash\nurl: https://x.org\ntimezone: Asia/Shanghai\n", encoding="utf-8"
    )
    (root / "feedkit.toml").write_text('cache = ""\n', encoding="utf-8")  # render every run
    posts = root / "_posts"
    posts.mkdir(exist_ok=True)
    for n in range(POSTS):
        day = 1 + n % 28
        (posts / f"2022-{1 + n // 28 % 12:02d}-{day:02d}-p{n}.md").write_text(
            f"---\ntitle: {title_prefix} {n}\ndate: 2022-01-01 10:{n % 60:02d}:00 +0800\n"
            f"categories: c{n % 7}\ntags: t{n % TAGS} all\n---\n" + "<p>text</p>\n" * 40,
            encoding="utf-8",
        )
    return root


def run(site: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "feedkit", "publish", str(site), "--quiet", "--lock-timeout", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in feed_files(out)}


def restore(out: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (out / name).write_bytes(data)


def parses(name: str, data: bytes) -> None:
    if name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".html"):
        assert data.rstrip().endswith(b"</html>")
    else:
        etree.fromstring(data)


def test_killed_runs_leave_old_or_new_feeds_and_the_next_run_repairs(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "Old")
    assert run(site).wait() == 0
    old = snapshot(site / "feeds")
    reference = make_site(tmp_path / "reference", "New")
    assert run(reference).wait() == 0
    new = snapshot(reference / "feeds")
    assert old.keys() == new.keys() and len(old) > 3 * TAGS
    # every feed and feed page changes; index.html and index.opml list titles and counts only
    assert all(old[name] != new[name] for name in old if not name.startswith("index."))

    make_site(site, "New")  # the posts change; now kill runs that publish them
    started = time.monotonic()  # how long a run takes that writes every feed: kills spread over it
    assert run(site).wait() == 0
    full_run = time.monotonic() - started
    rng = random.Random(20261125)
    states = {"old": 0, "new": 0}
    kills = 0
    # At least 12 kills at random moments, and on until one has landed after some file was
    # replaced (timing varies with load), so the test always covers a run that got that far.
    while kills < 12 or (states["new"] == 0 and kills < 30):
        restore(site / "feeds", old)  # every kill interrupts a real old -> new transition
        process = run(site)
        time.sleep(rng.uniform(0.05, 1.2) * full_run)
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        for name, data in snapshot(site / "feeds").items():
            assert name in old, f"unexpected file {name}"
            assert data in (old[name], new[name]), f"{name} is neither the old nor the new feed"
            parses(name, data)
            states["old" if data == old[name] else "new"] += 1
    assert states["new"] > 0
    assert run(site).wait() == 0
    assert snapshot(site / "feeds") == new
    assert not list((site / "feeds").rglob("*.tmp"))


def test_overlapping_runs_take_turns(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", "Post")
    first, second = run(site), run(site)
    assert (first.wait(), second.wait()) == (0, 0)
    out = site / "feeds"
    for name, data in snapshot(out).items():
        parses(name, data)
    manifest = json.loads((out / ".feedkit-manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == feed_files(out)


def test_a_file_that_cannot_reach_the_disk_replaces_no_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One failed fsync (a full or failing disk) stops the run before any feed is replaced."""
    site = make_site(tmp_path / "site", "Old")
    publish(site)
    out = site / "feeds"
    before = snapshot(out)
    make_site(site, "New")  # every feed changes
    calls = 0

    def failing_sync(staged: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 40:
            raise WriteError(f"cannot write {staged}: No space left on device")
        real_sync(staged)

    real_sync = write.sync
    monkeypatch.setattr(write, "sync", failing_sync)
    with pytest.raises(WriteError, match="No space left"):
        publish(site)
    assert calls >= 40
    assert snapshot(out) == before
    assert not list(out.rglob(f"{write.TEMP_PREFIX}*.tmp"))
