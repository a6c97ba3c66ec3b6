"""The discovery pages in a real browser: headless Chromium, served by a local static server.

Skipped when `chromium` is not installed, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import lxml.html
import pytest

import feedkit
from conftest import NOW, copy_example, require
from feedkit.discovery import discovery_pages
from feedkit.model import Feed

CHROMIUM = shutil.which("chromium")
TAG = "银川新闻网新闻"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> feedkit.PublishResult:
    """The example site's feeds with the discovery pages written beside them."""
    site = copy_example(tmp_path_factory.mktemp("browser") / "site")
    result = feedkit.publish(site, now=NOW)
    for name, body in discovery_pages(result.feedset, result.site).items():
        (result.site.output / name).write_bytes(body)
    return result


@pytest.fixture(scope="module")
def server(published: feedkit.PublishResult) -> Iterator[str]:
    """The output folder served over HTTP on 127.0.0.1; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(published.site.output))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with `args`; its stdout (the DOM with --dump-dom)."""
    require(CHROMIUM is not None, "chromium is not installed")
    assert CHROMIUM is not None
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    ) as process:
        try:
            out, err = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the browser and every helper it started
            process.communicate()
            raise
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


def label(feed: Feed) -> str:
    return feed.name or feed.title


def test_index_shows_every_feed_with_its_count(
    tmp_path: Path, published: feedkit.PublishResult, server: str
) -> None:
    dom = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", server + "index.html"))
    assert dom.findtext(".//h1") == published.site.title
    rows = dom.xpath("//tbody/tr")
    shown = [(r[0].text_content(), r[1].text_content()) for r in rows]
    assert shown == [(label(f), str(f.total)) for f in published.feedset.feeds]
    assert all(len(r.xpath("td[4]/a")) == 3 for r in rows)


def test_tag_page_shows_its_items(
    tmp_path: Path, published: feedkit.PublishResult, server: str
) -> None:
    feed = next(f for f in published.feedset.feeds if f.kind == "tag" and f.name == TAG)
    url = server + quote(f"tag/{TAG}.html")
    dom = lxml.html.fromstring(chromium(tmp_path, "--dump-dom", url))
    assert dom.findtext(".//h1") == feed.title
    titles = [a.text_content() for a in dom.xpath("//ol[@class='posts']/li/a")]
    assert titles == [post.title for post in feed.posts]
    assert dom.xpath("//nav/a")[0].get("href") == "../index.html"


def test_index_screenshot(tmp_path: Path, server: str) -> None:
    png = tmp_path / "index.png"
    chromium(
        tmp_path,
        "--hide-scrollbars",
        f"--screenshot={png}",
        "--window-size=1200,1600",
        server + "index.html",
    )
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000  # a blank 1200x1600 page compresses to a few kilobytes
