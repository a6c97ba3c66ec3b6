"""WebSub end to end: feeds declare the hub, a run pings it for exactly the feeds that changed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest

import feedkit
from conftest import NOW


class Hub:
    """A hub on 127.0.0.1 that records publish notifications (and can be told to fail)."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.status = 204
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = parse_qs(body)
                assert form["hub.mode"] == ["publish"]
                hub.urls.extend(form["hub.url"])
                self.send_response(hub.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(proxy, raising=False)
    server = Hub()
    yield server
    server.close()


def make_site(root: Path, hub_url: str) -> Path:
    (root / "_config.yml").write_text("title: Hub\nurl: https://x.org\n", encoding="utf-8")
    (root / "feedkit.toml").write_text(f'hub = "{hub_url}"\npages = false\n', encoding="utf-8")
    (root / "_posts").mkdir()
    for n, tag in ((1, "a"), (2, "b")):
        (root / "_posts" / f"2022-01-0{n}-p{n}.md").write_text(
            f"---\ntitle: P{n}\ntags: {tag}\n---\nBody\n", encoding="utf-8"
        )
    return root


def test_every_format_declares_the_hub(tmp_path: Path, hub: Hub) -> None:
    site = make_site(tmp_path, hub.url)
    feedkit.publish(site, now=NOW)
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse((site / "feeds" / f"all.{fmt}").read_bytes())
        assert not parsed.bozo
        assert [link.href for link in parsed.feed.links if link.rel == "hub"] == [hub.url]
    document = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert document["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_a_run_pings_the_hub_for_each_changed_feed_only(tmp_path: Path, hub: Hub) -> None:
    site = make_site(tmp_path, hub.url)
    first = feedkit.publish(site, now=NOW)
    assert sorted(hub.urls) == sorted(f"https://x.org/feeds/{n}" for n in first.written)
    assert len(hub.urls) == 9  # all, tag/a, tag/b in three formats
    hub.urls.clear()
    assert feedkit.publish(site, now=NOW).hub is None  # nothing changed: no ping
    assert hub.urls == []
    post = site / "_posts" / "2022-01-02-p2.md"
    post.write_text(post.read_text(encoding="utf-8").replace("P2", "P2 corrected"))
    feedkit.publish(site, now=NOW)
    assert sorted(hub.urls) == sorted(
        f"https://x.org/feeds/{stem}.{ext}"
        for stem in ("all", "tag/b")
        for ext in ("atom", "json", "rss")
    )


def test_a_failing_hub_never_fails_the_publish(tmp_path: Path, hub: Hub) -> None:
    hub.status = 400
    site = make_site(tmp_path, hub.url)
    result = feedkit.publish(site, now=NOW)
    assert (site / "feeds" / "all.rss").is_file()
    assert result.hub is not None and result.hub.pinged == []
    assert (
        "WebSub hub not notified of https://x.org/feeds/all.atom: hub answered 400 Bad Request"
        in (result.warnings)
    )
