"""Runs answered from the last run's record: nothing changed, or only posts added (state.py).

The promise is that such a run gives exactly what a full run gives: the same files, byte for
byte, and the same summary. Each test compares with a full run without the cache.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedkit
from conftest import NOW
from feedkit import cache as cache_module
from feedkit import load, state
from feedkit import render as render_module
from feedkit.errors import InvalidPostsError
from feedkit.model import Post

CATEGORIES = ["news", "Markets", "markets", "银行", "A&B"]  # Markets/markets share a file name
TAGS = ["t0", "t1", "股票", "基金", "T1"]


def make_site(root: Path, items: int = 3, archive_size: int = 0) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(
        "title: State\nurl: https://x.org\ntimezone: Asia/Shanghai\n", encoding="utf-8"
    )
    (root / "feedkit.toml").write_text(
        f"items = {items}\narchive_size = {archive_size}\n", encoding="utf-8"
    )
    (root / "_posts").mkdir(exist_ok=True)
    return root


def write_post(site: Path, n: int, *, day: int = 1, category: int = 0, tags: tuple[int, ...] = (0,),
               kind: str = "post") -> Path:  # fmt: skip
    """Post `n`: a valid post, or one that is "rejected", "unpublished", "future" or "offsetless"."""
    date = f"2022-03-{day:02d} {n % 24:02d}:{n % 60:02d}:00 +0800"
    if kind == "future":
        date = f"{(NOW + timedelta(days=day)):%Y-%m-%d} 10:00:00 +0000"
    elif kind == "offsetless":
        date = f"2022-03-{day:02d} 09:00:00"
    title = "''" if kind == "rejected" else f"Post {n}"
    extra = "published: false\n" if kind == "unpublished" else ""
    tag_names = " ".join(TAGS[t] for t in tags)
    path = site / "_posts" / f"2022-03-{day:02d}-p{n}.md"
    path.write_text(
        f"---\ntitle: {title}\ndate: {date}\ncategories: {CATEGORIES[category]}\n"
        f"tags: {tag_names}\n{extra}---\nBody {n}\n",
        encoding="utf-8",
    )
    return path


def publish(site: Path, **options: object) -> feedkit.PublishResult:
    options.setdefault("now", NOW)
    return feedkit.publish(site, **options)  # type: ignore[arg-type]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def comparable(result: feedkit.PublishResult) -> dict[str, object]:
    summary = result.summary()
    del summary["seconds"], summary["output"], summary["files"]
    del summary["posts"]["from_cache"]  # type: ignore[attr-defined]
    return summary


def assert_same_as_full_run(
    site: Path, result: feedkit.PublishResult, tmp: Path, *, ledger: bool = True,
    now: datetime = NOW,
) -> None:  # fmt: skip
    """`result` and the site's feeds are what a full run without the cache gives.

    The ledger remembers deleted posts, which a full run into a new folder cannot: `ledger`
    False leaves it out of the comparison.
    """
    full = publish(site, use_cache=False, out=tmp / "full", now=now)
    assert comparable(result) == comparable(full)
    assert result.outputs == full.outputs
    ours, theirs = files_of(site / "feeds"), files_of(tmp / "full")
    if not ledger:
        del ours[".feedkit-ids.tsv"], theirs[".feedkit-ids.tsv"]
    assert ours == theirs


def populate(site: Path) -> None:
    for n in range(12):
        write_post(site, n, day=1 + n % 9, category=n % 4, tags=(n % 3, 2))
    write_post(site, 90, day=3, kind="rejected")
    write_post(site, 91, day=4, kind="unpublished")
    write_post(site, 92, day=5, kind="offsetless", category=2)
    write_post(site, 93, day=30, kind="future")


def test_nothing_changed_is_answered_from_the_record(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    first = publish(site)
    before = {p: p.stat().st_mtime_ns for p in (site / "feeds").rglob("*")}
    second = publish(site)
    assert second.up_to_date and not first.up_to_date
    assert second.written == [] and sorted(second.unchanged) == sorted(first.written)
    assert comparable(second) == comparable(first)
    assert second.warnings == first.warnings and len(second.warnings) == 2  # offset, merged names
    assert second.collected.cached == second.collected.read == 16
    assert {p: p.stat().st_mtime_ns for p in (site / "feeds").rglob("*")} == before
    assert_same_as_full_run(site, second, tmp_path)


def test_added_posts_read_only_the_new_files_and_give_the_full_runs_feeds(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    write_post(site, 20, day=9, category=1, tags=(0, 4))  # newest: in most feeds
    write_post(site, 21, day=1, category=2, tags=(1,))  # old: in no feed's newest three
    write_post(site, 22, day=5, category=3, tags=(3,))  # a new tag
    write_post(site, 23, day=2, kind="rejected")
    write_post(site, 24, day=2, kind="unpublished")
    write_post(site, 25, day=9, kind="future")
    write_post(site, 26, day=8, kind="offsetless", category=4)  # a new category
    result = publish(site)
    assert not result.up_to_date
    assert sorted(p.path for p in result.collected.posts) == [
        f"_posts/2022-03-0{d}-p{n}.md" for d, n in ((1, 21), (5, 22), (8, 26), (9, 20))
    ]  # only the new files were read
    assert result.collected.published == 17 and len(result.collected.rejected) == 2
    assert result.collected.future == 2 and result.collected.unpublished == 2
    assert "tag/基金.json" in result.written and "category/a-b.json" in result.written
    assert_same_as_full_run(site, result, tmp_path)


@pytest.mark.parametrize(
    "change",
    ["edit a post", "edit a post, same size", "delete a post", "edit a feed, same size",
     "delete a feed", "edit the ledger"],
)  # fmt: skip
def test_any_other_change_makes_a_full_run(tmp_path: Path, change: str) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    write_post(site, 30, day=9)  # new posts as well, so the run would otherwise only add
    post = site / "_posts" / "2022-03-02-p1.md"
    feed = site / "feeds" / "all.atom"
    if change == "edit a post":
        write_post(site, 1, day=2, category=1, tags=(4,))  # same URL, other tags
    elif change == "delete a post":
        post.unlink()
    elif change == "edit a post, same size":
        post.write_bytes(post.read_bytes().replace(b"Body", b"Bodi"))
    elif change == "edit a feed, same size":
        feed.write_bytes(feed.read_bytes().replace(b"State", b"Stale"))
    elif change == "delete a feed":
        feed.unlink()
    else:
        ledger = site / "feeds" / ".feedkit-ids.tsv"
        ledger.write_text(ledger.read_text().replace("/p8.html", "/p8-old.html"), encoding="utf-8")
    result = publish(site)
    assert not result.up_to_date
    assert len(result.collected.posts) == result.collected.published  # every post was read
    if change != "edit the ledger":  # the ledger keeps an id the full run cannot know
        assert_same_as_full_run(site, result, tmp_path, ledger=change != "delete a post")
    else:
        assert "p8-old.html" in (site / "feeds" / "all.atom").read_text(encoding="utf-8")


def touch_everything(*folders: Path) -> None:
    """What a fresh git checkout does: every file gets a new mtime, the same bytes.

    The new mtimes lie an hour back, out of the window in which a file counts as racy.
    """
    hour_ago = time.time_ns() - 3600 * 10**9
    for folder in folders:
        for n, path in enumerate(sorted(folder.rglob("*"))):
            if path.is_file():
                os.utime(path, ns=(hour_ago + n,) * 2)


def recorded_files(site: Path) -> str:
    with sqlite3.connect(site / ".feedkit" / "cache.sqlite") as db:
        text = db.execute("SELECT value FROM settings WHERE key = 'state'").fetchone()[0]
    record = state.Record.loads(text)
    assert record is not None
    return record.files


def test_a_checkout_that_changes_no_bytes_is_still_answered_from_the_record(
    tmp_path: Path,
) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    touch_everything(site / "_posts", site / "feeds")
    result = publish(site)
    assert result.up_to_date and result.written == []
    found = load.find_posts(site / "_posts", site)
    assert recorded_files(site) == state.files_digest(state.stats(found))  # new mtimes kept
    assert_same_as_full_run(site, result, tmp_path)
    touch_everything(site / "_posts", site / "feeds")
    write_post(site, 50, day=9, category=4)
    added = publish(site)
    assert [p.path for p in added.collected.posts] == ["_posts/2022-03-09-p50.md"]
    assert_same_as_full_run(site, added, tmp_path / "2")


def test_a_future_post_falling_due_makes_a_full_run(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    assert publish(site).collected.future == 1
    assert publish(site).up_to_date  # still ahead of now
    later = publish(site, now=NOW + timedelta(days=31))
    assert not later.up_to_date and later.collected.future == 0
    assert "Post 93" in (site / "feeds" / "all.atom").read_text(encoding="utf-8")


def test_a_clock_set_back_makes_a_full_run(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    earlier = publish(site, now=datetime(2022, 3, 5, tzinfo=timezone.utc))  # NTP, a test
    assert not earlier.up_to_date
    assert earlier.collected.future > 1  # the posts of March 5th to 9th are in its future
    when = datetime(2022, 3, 5, tzinfo=timezone.utc)
    assert_same_as_full_run(site, earlier, tmp_path, ledger=False, now=when)  # ledger: see above


def test_with_archives_added_posts_make_a_full_run(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", archive_size=2)
    populate(site)
    publish(site)
    assert publish(site).up_to_date
    write_post(site, 40, day=9)
    result = publish(site)
    assert len(result.collected.posts) == result.collected.published == 14
    assert_same_as_full_run(site, result, tmp_path)


def test_strict_and_check_hold_on_an_unchanged_run(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    with pytest.raises(InvalidPostsError) as caught:
        publish(site, strict=True)
    assert [p.path for e in caught.value.rejected for p in e.problems] == [
        "_posts/2022-03-03-p90.md"
    ]
    check = publish(site, check=True)
    assert check.up_to_date and check.changed == [] and check.stale == []


def test_another_output_folder_makes_a_full_run(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    elsewhere = publish(site, out=tmp_path / "elsewhere")
    assert not elsewhere.up_to_date and len(elsewhere.written) > 0
    assert files_of(tmp_path / "elsewhere") == files_of(site / "feeds")


posts = st.lists(
    st.tuples(
        st.integers(1, 9),  # day
        st.integers(0, len(CATEGORIES) - 1),
        st.lists(st.integers(0, len(TAGS) - 1), min_size=1, max_size=3, unique=True),
        st.sampled_from(["post"] * 6 + ["rejected", "unpublished", "future", "offsetless"]),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=posts, added=posts, items=st.integers(1, 4))
def test_adding_posts_gives_what_a_full_run_gives(
    before: list[tuple[int, int, list[int], str]],
    added: list[tuple[int, int, list[int], str]],
    items: int,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = make_site(Path(tmp) / "site", items=items)
        for n, (day, category, tags, kind) in enumerate(before):
            write_post(site, n, day=day, category=category, tags=tuple(tags), kind=kind)
        publish(site)
        for n, (day, category, tags, kind) in enumerate(added, start=100):
            write_post(site, n, day=day, category=category, tags=tuple(tags), kind=kind)
        result = publish(site)
        assert result.up_to_date == (not added)
        if added:  # only the new files were read
            assert all(int(p.path.rsplit("p", 1)[1][:-3]) >= 100 for p in result.collected.posts)
        assert_same_as_full_run(site, result, Path(tmp))


def rendered_paths(site: Path) -> list[str]:
    with sqlite3.connect(site / ".feedkit" / "cache.sqlite") as db:
        rows = db.execute("SELECT path FROM rendered ORDER BY path")
        return [row[0] for row in rows]


def test_the_cache_keeps_rendered_content_only_for_posts_a_feed_shows(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", items=1)
    for n in (1, 2, 3):
        write_post(site, n, day=n)
    publish(site)
    assert rendered_paths(site) == ["_posts/2022-03-03-p3.md"]
    newer = write_post(site, 4, day=4)
    publish(site)
    assert rendered_paths(site) == ["_posts/2022-03-04-p4.md"]  # p3 left every feed
    newer.unlink()
    back = publish(site)  # p3 is shown again: rendered again
    assert rendered_paths(site) == ["_posts/2022-03-03-p3.md"]
    assert_same_as_full_run(site, back, tmp_path, ledger=False)


def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the posts rendered from now on (runs this small render in-process)."""
    rendered: list[str] = []
    real = render_module.render_all

    def render_all(posts: list[Post]) -> None:
        rendered.extend(post.path for post in posts)
        real(posts)

    monkeypatch.setattr(render_module, "render_all", render_all)
    return rendered


def one_feed_site(root: Path) -> Path:
    """Three posts shown in the same three feeds (site, category, tag): each item in 3 files."""
    site = make_site(root, items=3)
    for n in (1, 2, 3):
        write_post(site, n, day=n)
    return site


def test_a_run_reads_the_items_of_posts_rendered_before_from_the_feed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = one_feed_site(tmp_path / "site")
    publish(site)
    with sqlite3.connect(site / ".feedkit" / "cache.sqlite") as db:  # items are not stored twice
        assert [r[0] for r in db.execute("SELECT name FROM pragma_table_info('rendered')")] == [
            "path",
            "digest",
            "id",
            "summary",
        ]
    rendered = renders(monkeypatch)
    write_post(site, 4, day=4)
    result = publish(site)  # every feed changes: two of its three items come from its files
    assert rendered == ["_posts/2022-03-04-p4.md"]
    assert_same_as_full_run(site, result, tmp_path)


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_items_are_not_read_from_a_feed_file_changed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    site = one_feed_site(tmp_path / "site")
    publish(site)
    for atom in sorted((site / "feeds").rglob("*.atom")):  # every file holding an Atom item
        if damage == "delete":
            atom.unlink()
            continue
        before = atom.stat()
        atom.write_bytes(atom.read_bytes().replace(b"Body 2", b"Body X"))  # same size
        os.utime(atom, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    rendered = renders(monkeypatch)
    write_post(site, 4, day=4)
    result = publish(site)
    assert sorted(rendered) == [f"_posts/2022-03-0{n}-p{n}.md" for n in (2, 3, 4)]
    assert_same_as_full_run(site, result, tmp_path)


@pytest.mark.parametrize(
    "text", ["", "{", "[]", '{"format": 1}', '{"format": 2, "files": "x"}', '{"format": 2}']
)
def test_an_unreadable_record_means_a_full_run(tmp_path: Path, text: str) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    with sqlite3.connect(site / ".feedkit" / "cache.sqlite") as db:
        db.execute("UPDATE settings SET value = ? WHERE key = 'state'", (text,))
    assert state.Record.loads(text) is None
    result = publish(site)
    assert not result.up_to_date and len(result.collected.posts) == result.collected.published == 13
    assert publish(site).up_to_date  # the full run wrote a good record


def test_check_and_dry_run_see_added_posts_as_a_full_run_would(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    populate(site)
    publish(site)
    write_post(site, 60, day=9, category=4, tags=(3,))
    planned = publish(site, check=True)
    dry = publish(site, dry_run=True)
    full = publish(site, check=True, use_cache=False)
    assert [p.path for p in planned.collected.posts] == ["_posts/2022-03-09-p60.md"]
    assert planned.changed == dry.changed == full.changed and "category/a-b.json" in full.changed
    assert planned.stale == full.stale == []
    bookkeeping = {".feedkit-ids.tsv", ".feedkit-manifest.json"}
    assert set(full.changed) >= bookkeeping  # a new post: a new ledger line, a new feed
    written = publish(site).written  # nothing was written before
    assert written == [name for name in full.changed if name not in bookkeeping]


def test_a_cache_that_is_mostly_free_space_is_compacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site", items=100)
    posts = [site / "_posts" / f"2022-03-{1 + n % 9:02d}-p{n}.md" for n in range(40)]

    def write_posts() -> None:
        for n, post in enumerate(posts):  # 36 KB descriptions: 36 KB records in the cache
            post.write_text(
                f"---\ntitle: Post {n}\ndate: 2022-03-01 10:00:00 +0800\n"
                f"description: {'text ' * 7200}\n---\n<p>text</p>\n",
                encoding="utf-8",
            )

    write_posts()
    publish(site)
    cache_file = site / ".feedkit" / "cache.sqlite"
    big = cache_file.stat().st_size
    for post in posts[1:]:
        post.unlink()
    monkeypatch.setattr(cache_module, "COMPACT_MIN_BYTES", 160_000)
    publish(site)  # the rows of 39 posts go
    assert cache_file.stat().st_size < big / 4
    monkeypatch.setattr(cache_module, "COMPACT_MIN_BYTES", 10**12)
    write_posts()
    publish(site)
    for post in posts[1:]:
        post.unlink()
    publish(site)  # the same free space, under the threshold: left as it is
    assert cache_file.stat().st_size > big / 2


def test_a_post_rewritten_within_one_clock_tick_is_still_seen(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    post = write_post(site, 1, day=1)
    publish(site)  # the post was written just now: racy, recorded with no mtime
    mtime = post.stat().st_mtime_ns
    post.write_text(post.read_text(encoding="utf-8").replace("Post 1", "Post X"), encoding="utf-8")
    os.utime(post, ns=(mtime, mtime))  # same size, same mtime: as a rewrite in the same tick
    result = publish(site)
    assert "Post X" in (site / "feeds" / "all.atom").read_text(encoding="utf-8")
    assert_same_as_full_run(site, result, tmp_path)
    assert load.find_posts(site / "_posts", site)[0].racy
    touch_everything(site / "_posts")
    assert not load.find_posts(site / "_posts", site)[0].racy  # an hour old: the stat is trusted
