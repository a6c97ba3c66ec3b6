"""The example site's feeds, pinned byte for byte in feeds/ (the spec: review diffs like code).

Re-pin on purpose with `make regen`, which republishes feeds/ from example/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

import feedkit
from conftest import EXAMPLE, NOW, PINNED_FEEDS, feed_files

PINNED = feed_files(PINNED_FEEDS)


def test_the_same_files_are_published_as_pinned(published_example: Path) -> None:
    assert feed_files(published_example) == PINNED
    assert len(PINNED) >= 3 * 20  # site + categories + tags, three formats each


@pytest.mark.parametrize("name", PINNED)
def test_feed_matches_pinned_bytes(
    name: str, published_example: Path, file_regression: FileRegressionFixture
) -> None:
    file_regression.check(
        (published_example / name).read_bytes(), binary=True, fullpath=PINNED_FEEDS / name
    )


def test_publishing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    feedkit.publish(EXAMPLE, out=first, now=NOW)
    feedkit.publish(EXAMPLE, out=second, now=NOW)
    assert feed_files(first) == feed_files(second)
    for name in feed_files(first):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
