"""The example site's feeds, pinned byte for byte in feeds/ (the spec: review diffs like code).

Re-pin on purpose with `make regen`, which republishes feeds/ from example/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_regressions.file_regression import FileRegressionFixture

import feedkit
from conftest import NOW, PINNED_FEEDS, copy_example, feed_files

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


def test_publishing_again_gives_identical_bytes_with_or_without_the_cache(
    tmp_path: Path,
) -> None:
    site = copy_example(tmp_path / "site")
    runs = [
        feedkit.publish(site, out=tmp_path / "no-cache", now=NOW, use_cache=False),
        feedkit.publish(site, out=tmp_path / "cold", now=NOW),
        feedkit.publish(site, out=tmp_path / "warm", now=NOW),
    ]
    assert [r.collected.cached for r in runs] == [0, 0, 15]
    names = feed_files(tmp_path / "no-cache")
    for folder in ("cold", "warm"):
        assert feed_files(tmp_path / folder) == names
        for name in names:
            assert (tmp_path / folder / name).read_bytes() == (
                tmp_path / "no-cache" / name
            ).read_bytes(), (folder, name)
