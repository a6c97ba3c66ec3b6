"""Running from cron forever: incremental, only-what-changed, locked, observable, stable ids."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedkit
from conftest import NOW, feed_files
from feedkit import version
from feedkit.cli import EXIT_LOCKED, EXIT_OK, cli
from feedkit.ledger import LEDGER_NAME
from feedkit.lock import locked
from feedkit.manifest import MANIFEST_NAME


def make_site(root: Path, posts: int = 6, url: str = "https://x.org") -> Path:
    (root / "_config.yml").write_text(
        f"title: Cron\nurl: {url}\ntimezone: Asia/Shanghai\n", encoding="utf-8"
    )
    for n in range(1, posts + 1):
        write_post(root, n, tags=f"t{n % 3} common")
    return root


def write_post(site: Path, n: int, tags: str = "common", title: str | None = None) -> Path:
    folder = site / "_posts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"2022-01-{n:02d}-post-{n}.md"
    path.write_text(
        f"---\ntitle: {title or f'Post {n}'}\ndate: 2022-01-{n:02d} 10:00:00 +0800\n"
        f"categories: news\ntags: {tags}\n---\nBody of post {n}: [link](../x/).\n",
        encoding="utf-8",
    )
    return path


def mtimes(folder: Path) -> dict[str, int]:
    return {name: (folder / name).stat().st_mtime_ns for name in feed_files(folder)}


def publish(site: Path, **options: object) -> feedkit.PublishResult:
    return feedkit.publish(site, now=NOW, **options)  # type: ignore[arg-type]


# -- only what changed is written -------------------------------------------------------------


def test_an_unchanged_run_writes_nothing(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    first = publish(site)
    assert len(first.written) == 6 * 4 + 2 and first.unchanged == []  # 6 feeds, index.*
    before = mtimes(site / "feeds")
    time.sleep(0.01)
    for post in (site / "_posts").iterdir():  # a git checkout touches every file
        os.utime(post)
    second = publish(site)
    assert second.written == [] and len(second.unchanged) == 26
    assert mtimes(site / "feeds") == before


def test_one_changed_post_rewrites_only_its_feeds(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    write_post(site, 1, tags="t1 common", title="Post 1, corrected")
    result = publish(site)
    assert result.written == [
        f"{stem}.{ext}"
        for stem in ("all", "category/news", "tag/common", "tag/t1")
        for ext in ("atom", "html", "json", "rss")
    ]


def test_a_hand_edited_or_deleted_feed_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    out = site / "feeds"
    good = (out / "tag" / "t1.rss").read_bytes()
    (out / "tag" / "t1.rss").write_bytes(b"<rss>broken</rss>")
    (out / "all.json").unlink()
    result = publish(site)
    assert result.written == ["all.json", "tag/t1.rss"]
    assert (out / "tag" / "t1.rss").read_bytes() == good
    assert (out / "all.json").is_file()


def test_unchanged_feeds_are_not_even_serialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path)
    publish(site)
    write_post(site, 2, tags="t2 common", title="Post 2, corrected")
    serialised: list[str] = []
    import feedkit.write

    original = feedkit.write.emit

    def spy(job: feedkit.write.EmitJob, index: int) -> list[feedkit.write.Emitted]:
        serialised.append(job.feeds[index].stem)
        return original(job, index)

    monkeypatch.setattr(sys.modules["feedkit.publish"], "emit", spy)
    publish(site)
    assert sorted(serialised) == ["all", "category/news", "tag/common", "tag/t2"]


# -- the cache ----------------------------------------------------------------------------------


def test_warm_run_parses_only_the_changed_post(tmp_path: Path) -> None:
    site = make_site(tmp_path, posts=20)
    assert publish(site).collected.cached == 0
    write_post(site, 7, title="Changed")
    result = publish(site)
    assert result.collected.cached == 19
    assert "Changed" in (site / "feeds" / "all.json").read_text(encoding="utf-8")


def test_touched_but_identical_files_come_from_the_cache(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    for post in (site / "_posts").iterdir():
        os.utime(post, ns=(1, 1))
    assert publish(site).collected.cached == 6


def test_a_config_change_invalidates_the_cache(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    config = site / "_config.yml"
    config.write_text(config.read_text().replace("https://x.org", "https://y.org"))
    result = publish(site)
    assert result.collected.cached == 0
    assert '"url": "https://y.org/' in (site / "feeds" / "all.json").read_text(encoding="utf-8")


def test_a_feedkit_upgrade_invalidates_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path)
    publish(site)
    assert publish(site).collected.cached == 6
    monkeypatch.setattr(version, "__version__", "99.0.0")
    assert publish(site).collected.cached == 0


def test_rejected_posts_are_cached_with_their_problems(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    (site / "_posts" / "2022-02-01-bad.md").write_text("---\ntitle: ''\n---\n", encoding="utf-8")
    first = publish(site)
    second = publish(site)
    assert second.collected.cached == 7
    assert (
        [str(p) for e in second.collected.rejected for p in e.problems]
        == [str(p) for e in first.collected.rejected for p in e.problems]
        == ["_posts/2022-02-01-bad.md:2: title: is empty"]
    )


@pytest.mark.parametrize(
    ("content", "warning"),
    [
        (b"this is not a database at all" * 100, "is damaged"),
        (b"", None),  # an empty file is simply a new cache
    ],
)
def test_a_damaged_cache_is_reported_and_rebuilt(
    tmp_path: Path, content: bytes, warning: str | None
) -> None:
    site = make_site(tmp_path)
    expected = publish(site, use_cache=False)
    reference = {name: (site / "feeds" / name).read_bytes() for name in feed_files(site / "feeds")}
    cache = site / ".feedkit" / "cache.sqlite"
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(content)
    result = publish(site)
    assert [w for w in result.warnings if "cache" in w] == (
        [f"cache {cache} {warning} (file is not a database); rebuilding it"] if warning else []
    )
    assert len(result.collected.posts) == len(expected.collected.posts)
    assert {n: (site / "feeds" / n).read_bytes() for n in reference} == reference
    assert publish(site).collected.cached == 6  # and the rebuilt cache works


def test_a_foreign_sqlite_file_is_never_trusted(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    cache = site / ".feedkit" / "cache.sqlite"
    cache.parent.mkdir()
    with sqlite3.connect(cache) as db:
        db.execute("CREATE TABLE posts (path TEXT)")
        db.execute("INSERT INTO posts VALUES ('_posts/2022-01-01-post-1.md')")
    result = publish(site)
    assert f"{cache} is not a feedkit cache; rebuilding the cache" in result.warnings
    assert result.collected.cached == 0 and len(result.collected.posts) == 6


def test_a_run_waits_for_a_reader_of_the_cache_instead_of_failing(tmp_path: Path) -> None:
    """The cache keeps SQLite's rollback journal: a writer waits while another process reads."""
    site = make_site(tmp_path)
    publish(site)
    write_post(site, 2, title="Edited while a reader holds the cache")
    cache = site / ".feedkit" / "cache.sqlite"
    reader = sqlite3.connect(cache, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM posts").fetchone()  # holds a shared lock until COMMIT
    threading.Timer(0.5, lambda: reader.execute("COMMIT")).start()
    started = time.monotonic()
    result = publish(site)
    assert time.monotonic() - started >= 0.5  # it waited for the reader...
    assert result.written  # ...and then wrote
    reader.close()
    with sqlite3.connect(site / ".feedkit" / "cache.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_the_cache_folder_is_ignored_by_git(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    assert (site / ".feedkit" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


# -- removing feeds, and only our own -----------------------------------------------------------


def test_a_tag_without_posts_loses_exactly_its_feeds(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    out = site / "feeds"
    (out / "README.txt").write_text("mine", encoding="utf-8")
    (out / "tag" / "hand-made.rss").write_text("<rss/>", encoding="utf-8")
    for n in (1, 4):  # the only posts tagged t1
        write_post(site, n, tags="common")
    result = publish(site)
    assert result.removed == ["tag/t1.atom", "tag/t1.html", "tag/t1.json", "tag/t1.rss"]
    assert not (out / "tag" / "t1.rss").exists()
    assert (out / "README.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "tag" / "hand-made.rss").read_text(encoding="utf-8") == "<rss/>"
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert "tag/t1.rss" not in manifest["files"] and "tag/t0.rss" in manifest["files"]


def test_files_not_in_the_manifest_are_never_deleted(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    out = site / "feeds"
    (out / "tag").mkdir(parents=True)
    (out / "tag" / "gone.rss").write_text("not ours", encoding="utf-8")
    publish(site)
    assert (out / "tag" / "gone.rss").read_text(encoding="utf-8") == "not ours"


def test_leftover_temporary_files_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    leftover = site / "feeds" / "tag" / ".feedkit-t1.rss.abc123.tmp"
    leftover.write_text("half", encoding="utf-8")
    publish(site)
    assert not leftover.exists()


# -- ids that never change ----------------------------------------------------------------------


def test_changing_the_site_url_keeps_every_id(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    before = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))["items"]
    config = site / "_config.yml"
    config.write_text(
        config.read_text().replace("https://x.org", "https://new.example") + "baseurl: /blog\n"
        "permalink: pretty\n"
    )
    publish(site)
    after = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))["items"]
    assert [i["id"] for i in after] == [i["id"] for i in before]
    assert after[0]["url"] == "https://new.example/blog/news/2022/01/06/post-6/"
    assert after[0]["id"] == "https://x.org/news/2022/01/06/post-6.html"
    write_post(site, 7)  # a post first published after the move gets the new URL as its id
    publish(site)
    newest = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))["items"][0]
    assert newest["id"] == newest["url"] == "https://new.example/blog/news/2022/01/07/post-7/"


def test_front_matter_id_always_wins(tmp_path: Path) -> None:
    site = make_site(tmp_path, posts=1)
    post = site / "_posts" / "2022-01-01-post-1.md"
    post.write_text(post.read_text().replace("title:", "id: urn:uuid:1234\ntitle:"))
    publish(site)
    item = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))["items"][0]
    assert item["id"] == "urn:uuid:1234"
    assert "urn:uuid:1234" not in (site / "feeds" / LEDGER_NAME).read_text(encoding="utf-8")


def test_the_ledger_is_compact_and_sorted(tmp_path: Path) -> None:
    site = make_site(tmp_path, posts=3)
    publish(site)
    lines = (site / "feeds" / LEDGER_NAME).read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [
        "# base https://x.org",
        "_posts/2022-01-01-post-1.md\t/news/2022/01/01/post-1.html",
        "_posts/2022-01-02-post-2.md\t/news/2022/01/02/post-2.html",
        "_posts/2022-01-03-post-3.md\t/news/2022/01/03/post-3.html",
    ]


def test_updated_is_never_the_build_time(tmp_path: Path) -> None:
    site = make_site(tmp_path, posts=1)
    publish(site)
    item = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))["items"][0]
    assert item["date_modified"] == item["date_published"] == "2022-01-01T10:00:00+08:00"


# -- one run at a time --------------------------------------------------------------------------


def test_a_second_run_exits_75_while_the_lock_is_held(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    with locked(site / ".feedkit" / "lock"):
        result = CliRunner().invoke(cli, ["publish", str(site)])
    assert result.exit_code == EXIT_LOCKED
    assert result.stderr == (
        f"Error: another feedkit run holds {site / '.feedkit' / 'lock'}; try again later "
        "(or pass --lock-timeout SECONDS to wait)\n"
    )
    assert not (site / "feeds").exists()


def test_lock_timeout_waits_for_the_other_run(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    held = threading.Event()

    def hold_briefly() -> None:
        with locked(site / ".feedkit" / "lock"):
            held.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    held.wait()
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["publish", str(site), "--lock-timeout", "10"])
    holder.join()
    assert result.exit_code == EXIT_OK, result.output
    assert time.monotonic() - started >= 0.3


# -- what a run says ----------------------------------------------------------------------------


def test_dry_run_lists_and_writes_nothing(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    publish(site)
    for n in (1, 4):  # the only posts tagged t1
        write_post(site, n, tags="common")
    before = mtimes(site / "feeds")
    result = CliRunner().invoke(cli, ["publish", str(site), "--dry-run"])
    assert result.exit_code == EXIT_OK
    # the feeds list each post's tags; their HTML pages (titles, dates, summaries) stay as they are
    assert result.stdout.splitlines() == [
        "write: .feedkit-manifest.json",
        *(f"write: {stem}.{ext}" for stem in ("all", "category/news") for ext in ("atom", "json", "rss")),
        "write: index.html", "write: index.opml",
        *(f"write: tag/common.{ext}" for ext in ("atom", "json", "rss")),
        *(f"remove: tag/t1.{ext}" for ext in ("atom", "html", "json", "rss")),
    ]  # fmt: skip
    assert mtimes(site / "feeds") == before


def test_json_summary(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    (site / "_posts" / "2022-02-01-bad.md").write_text("---\ndate: x\n---\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["publish", str(site), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["posts"] == {
        "read": 7, "published": 6, "rejected": 1, "unpublished": 0, "future": 0, "from_cache": 0
    }  # fmt: skip
    assert summary["feeds"] == 6
    assert len(summary["files"]["written"]) == 26 and summary["files"]["removed"] == []
    assert [p["field"] for p in summary["problems"]] == ["title", "date"]
    assert summary["dry_run"] is False and summary["seconds"] >= 0


def test_quiet_prints_only_errors(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    clean = CliRunner().invoke(cli, ["publish", str(site), "--quiet"])
    assert (clean.exit_code, clean.output) == (EXIT_OK, "")
    (site / "_posts" / "2022-02-01-bad.md").write_text("", encoding="utf-8")
    failing = CliRunner().invoke(cli, ["publish", str(site), "-q"])
    assert failing.exit_code == 1
    assert failing.stderr == (
        f"{site / '_posts' / '2022-02-01-bad.md'}:1: file: is empty: a post needs front matter "
        "and a body\n"
    )


def test_a_warm_run_decodes_only_the_posts_its_feeds_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path, posts=20)
    (site / "feedkit.toml").write_text("items = 2\n", encoding="utf-8")
    publish(site)
    write_post(site, 21)  # one new post: the feeds it joins are rewritten from the cache
    import feedkit.cache

    decoded: list[str] = []
    original = feedkit.cache.post_from_record

    def counting(path: str, record: str) -> feedkit.Post:
        decoded.append(path)
        return original(path, record)

    monkeypatch.setattr(feedkit.cache, "post_from_record", counting)
    result = publish(site)
    assert result.collected.cached == 20
    shown = {p.path for feed in result.feedset.feeds for p in feed.posts}
    assert set(decoded) <= shown and len(decoded) < 20 // 2


@pytest.mark.parametrize(
    ("categories", "tags"),
    [((), ()), (("a",), ()), ((), ("b", "c")), (("x y", "中文"), ("t",)), (("a\x1fb",), ("\x1e",))],
)
def test_cached_names_round_trip(categories: tuple[str, ...], tags: tuple[str, ...]) -> None:
    from datetime import datetime, timezone

    from feedkit.cache import _pack, _unpack
    from feedkit.model import Post

    when = datetime(2022, 1, 1, tzinfo=timezone.utc)
    post = Post("p", "T", when, when, categories, tags, "u", "u", "", True, True)
    assert _unpack(_pack(post)) == (categories, tags)


def test_progress_learns_the_file_count_then_advances_once_per_file(tmp_path: Path) -> None:
    site = make_site(tmp_path, posts=5)
    (site / "_posts" / "2022-02-01-bad.md").write_text("---\ntitle: ''\n---\n", encoding="utf-8")
    totals: list[int] = []
    steps: list[int] = []

    def start(total: int) -> Callable[[int], None]:
        totals.append(total)
        return steps.append

    publish(site, progress=start)
    publish(site, progress=start)  # nothing changed: nothing read, no bar
    assert totals == [6]
    write_post(site, 1, title="Post 1, corrected")
    publish(site, progress=start)  # an edit: every file is looked at again
    assert totals == [6, 6]
    assert steps == [1] * 12
