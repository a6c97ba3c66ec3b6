"""Large runs spread over worker processes and give the bytes a run in one process gives."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

import feedkit
from conftest import NOW, feed_files
from feedkit import workers
from feedkit.publish import FEEDS_PER_WORKER

POSTS = 900  # over twice MIN_ITEMS_PER_WORKER: parsing goes to two workers
TAGS = 60  # 1 + 20 + 60 feeds: over twice FEEDS_PER_WORKER, so feeds do too


def _label(context: str, batch: list[int]) -> list[str]:
    return [f"{context}{item}:{os.getpid()}" for item in batch]


@pytest.mark.parametrize(("count", "size"), [(0, 32), (1, 32), (33, 32), (1000, 4), (997, 7)])
def test_batches_come_back_whole_and_in_order(
    count: int, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDKIT_WORKERS", "2")
    items = list(range(count))
    got = list(workers.parallel_batches(_label, "n", items, size=size, min_per_worker=8))
    assert [text.split(":")[0] for text in got] == [f"n{i}" for i in items]
    if count >= 33:  # two batches or more: done in worker processes, not in this one
        assert str(os.getpid()) not in {text.split(":")[1] for text in got}


def make_site(root: Path) -> Path:
    root.mkdir()
    (root / "_config.yml").write_text(
        "title: Many\nurl: https://x.org\ntimezone: Asia/Shanghai\n", encoding="utf-8"
    )
    posts = root / "_posts"
    posts.mkdir()
    for n in range(POSTS):
        (posts / f"2022-{1 + n % 12:02d}-{1 + n % 28:02d}-p{n}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2022-{1 + n % 12:02d}-{1 + n % 28:02d} 10:{n % 60:02d}:00"
            f" +0800\ncategories: c{n % 20}\ntags: t{n % TAGS} all\n---\n"
            f"<p>Body {n}</p>\n\n<https://x.org/{n}>\n\n[back](//x.org/c{n % 20}/)\n",
            encoding="utf-8",
        )
    return root


def test_a_run_in_worker_processes_writes_the_bytes_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    monkeypatch.setenv("FEEDKIT_WORKERS", "1")
    feedkit.publish(site, out=tmp_path / "one", now=NOW, use_cache=False)
    monkeypatch.setenv("FEEDKIT_WORKERS", "2")
    result = feedkit.publish(site, out=tmp_path / "two", now=NOW)
    assert result.feeds > 2 * FEEDS_PER_WORKER
    names = feed_files(tmp_path / "one")
    assert len(names) > 300 and names == feed_files(tmp_path / "two")
    for name in names:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def _fail_at(context: int, item: int) -> int:
    if item == context:
        raise ValueError(f"item {item} is bad")
    return item


def _die_at(context: int, item: int) -> int:
    if item == context:
        os._exit(3)  # a worker killed mid-run (out of memory, a signal)
    return item


class Unpicklable(Exception):
    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("cannot pickle this")


def _raise_unpicklable(context: None, item: int) -> int:
    raise Unpicklable(f"item {item}")


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDKIT_WORKERS", "2")


@pytest.mark.usefixtures("two_workers")
def test_an_exception_in_a_worker_is_raised_in_the_parent() -> None:
    with pytest.raises(ValueError, match="item 700 is bad"):
        list(workers.parallel_map(_fail_at, 700, range(1000), min_per_worker=10))


def _fail_late_at_first(context: tuple[int, int], item: int) -> int:
    if item == context[0]:
        time.sleep(0.5)  # the other worker's failure, later in order, comes in first
    if item in context:
        raise ValueError(f"item {item} is bad")
    return item


@pytest.mark.usefixtures("two_workers")
def test_the_error_raised_is_the_first_in_item_order_not_in_time() -> None:
    with pytest.raises(ValueError, match="item 10 is bad"):
        list(workers.parallel_map(_fail_late_at_first, (10, 600), range(1000), min_per_worker=10))


@pytest.mark.usefixtures("two_workers")
def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(workers.WorkerError, match="ended unexpectedly"):
        list(workers.parallel_map(_die_at, 700, range(1000), min_per_worker=10))


@pytest.mark.usefixtures("two_workers")
def test_an_exception_that_cannot_be_sent_back_arrives_as_text() -> None:
    with pytest.raises(workers.WorkerError, match="Unpicklable: item 0"):
        list(workers.parallel_map(_raise_unpicklable, None, range(1000), min_per_worker=10))


@pytest.mark.usefixtures("two_workers")
def test_no_worker_outlives_the_map(tmp_path: Path) -> None:
    """Finished, failed or abandoned half-way, a map leaves no worker process behind."""
    children = multiprocessing.active_children
    assert list(workers.parallel_map(_fail_at, -1, range(1000), min_per_worker=10)) == list(
        range(1000)
    )
    with pytest.raises(ValueError):
        list(workers.parallel_map(_fail_at, 5, range(1000), min_per_worker=10))
    results = workers.parallel_map(_fail_at, -1, range(1000), min_per_worker=10)
    assert next(results) == 0 and children()  # the workers are running
    results.close()
    assert not children()
