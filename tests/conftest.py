"""Shared fixtures: the example site, the broken-posts site, and the real finews corpus."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

import feedkit

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example"
PINNED_FEEDS = REPO / "feeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN = FIXTURES / "broken"
CORPUS = REPO.parent / "shared" / "corpus" / "finews"
# Fixed "now" for tests, so that which posts count as future never depends on the day.
NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)
IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip when something optional is missing, but fail in CI, which installs everything."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI must provide it)")
        pytest.skip(reason)


def copy_example(destination: Path) -> Path:
    """A copy of the example site without local state (a cache left by `make demo`)."""
    shutil.copytree(EXAMPLE, destination, ignore=shutil.ignore_patterns(".feedkit"))
    (destination / "feedkit.toml").write_text('output = "feeds"\n', encoding="utf-8")
    return destination


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    """A writable copy of the example site, publishing into its own feeds/ folder."""
    return copy_example(tmp_path / "site")


@pytest.fixture(scope="session")
def published_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site's feeds, published once per test session into a temporary folder."""
    site = copy_example(tmp_path_factory.mktemp("example") / "site")
    feedkit.publish(site, now=NOW)
    return site / "feeds"


@pytest.fixture
def corpus_site(tmp_path: Path) -> Path:
    require(CORPUS.is_dir(), f"the finews corpus is not at {CORPUS}")
    site = tmp_path / "finews"
    shutil.copytree(CORPUS, site, ignore=shutil.ignore_patterns("alt_versions"))
    return site


def feed_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )
