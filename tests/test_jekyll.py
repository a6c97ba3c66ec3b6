"""Real Jekyll is the reference: every item link must be a page Jekyll actually writes.

Jekyll (Debian packages jekyll, ruby-jekyll-feed) is installed by .ci/run; locally these tests
skip when it is missing, in CI they fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

import feedkit
from conftest import CORPUS, copy_example, require

pytestmark = pytest.mark.jekyll


def jekyll_build(site: Path) -> Path:
    require(shutil.which("jekyll") is not None, "jekyll is not installed")
    out = site.parent / "_site"
    subprocess.run(
        ["jekyll", "build", "--safe", "--quiet", "--source", str(site), "--destination", str(out)],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(site.parent)},
    )
    return out


def page_file(out: Path, link: str, prefix: str) -> Path:
    """Where Jekyll writes the page for `link` (Document#destination)."""
    assert link.startswith(prefix), link
    path = unquote(link[len(prefix) :])
    if path.endswith("/"):
        path += "index.html"
    elif not path.endswith(".html"):
        path += ".html"
    return out / path.lstrip("/")


def published_links(site: Path, out: Path) -> list[str]:
    """Every item link feedkit publishes for the site (items = 0: all of them)."""
    (site / "feedkit.toml").write_text('output = "feeds"\nitems = 0\n', encoding="utf-8")
    feedkit.publish(site, out=out)
    items = json.loads((out / "all.json").read_text(encoding="utf-8"))["items"]
    return [item["url"] for item in items]


def post_pages(out: Path) -> set[Path]:
    return {p for p in out.rglob("*.html") if "feeds" not in p.parts}


def test_every_example_item_links_to_a_page_jekyll_wrote(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "example")
    built = jekyll_build(site)
    links = published_links(site, tmp_path / "feeds")
    pages = {page_file(built, link, "https://news.example.com/finews") for link in links}
    missing = sorted(str(p.relative_to(built)) for p in pages if not p.is_file())
    assert missing == []
    # and nothing Jekyll published as a post is missing from the feed
    assert pages == post_pages(built)


def test_every_valid_finews_post_links_to_its_real_page(tmp_path: Path) -> None:
    require(CORPUS.is_dir(), f"the finews corpus is not at {CORPUS}")
    site = tmp_path / "finews"
    shutil.copytree(CORPUS, site, ignore=shutil.ignore_patterns("alt_versions", "MANIFEST.md"))
    config = site / "_config.yml"  # the theme gem is not installed here; it changes no URL
    config.write_text(config.read_text(encoding="utf-8").replace("theme:", "# theme:"))
    built = jekyll_build(site)
    links = published_links(site, tmp_path / "feeds")
    assert len(links) == 139
    pages = {page_file(built, link, "https://finews.withounder.com") for link in links}
    assert sorted(str(p.relative_to(built)) for p in pages if not p.is_file()) == []
    # Jekyll also publishes the file with a blank line before its front matter, as an untitled
    # page; feedkit rejects it instead of putting junk in the feed.
    extra = sorted(str(p.relative_to(built)) for p in post_pages(built) - pages)
    assert extra == ["2021/12/08/202112082206703990.html", "index.html"] or extra == [
        "2021/12/08/202112082206703990.html"
    ]
