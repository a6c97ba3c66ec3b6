"""The preview server over real HTTP on 127.0.0.1: headers, 304s, gzip, safe paths, republishing."""

from __future__ import annotations

import email.utils
import gzip
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

import feedkit
from conftest import NOW, copy_example
from feedkit.serve import PreviewServer, make_server, serve

T = TypeVar("T")
Response = tuple[int, http.client.HTTPMessage, bytes]

BANK_TAG = "/tag/%E9%93%B6%E8%A1%8C.rss"  # tag/银行.rss
INDEX = "<!doctype html><title>pages</title>\n"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Published feeds, plus files that only a careless server would hand out."""
    site = copy_example(tmp_path_factory.mktemp("serve") / "site")
    feedkit.publish(site, now=NOW)
    out = site / "feeds"
    (out / "pages").mkdir()
    (out / "pages" / "index.html").write_text(INDEX, encoding="utf-8")
    (out / "empty").mkdir()
    (out / "tag" / ".hidden.rss").write_text("secret", encoding="utf-8")
    (out / "extra.json").write_text("{}", encoding="utf-8")
    (out / "subscriptions.opml").write_text("<opml/>", encoding="utf-8")
    (out / "outside.rss").symlink_to(site / "_config.yml")
    (out / "alias.json").symlink_to(out / ".feedkit-manifest.json")
    return out


@pytest.fixture(scope="module")
def server(out_dir: Path) -> Iterator[PreviewServer]:
    httpd = make_server(out_dir, port=0)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join()
    httpd.server_close()


def fetch(server: PreviewServer, path: str, method: str = "GET", **headers: str) -> Response:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), port, timeout=5)
    try:
        conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def wait_for(probe: Callable[[], T | None], seconds: float = 5.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up after {seconds} s")


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/all.rss", "application/rss+xml; charset=utf-8"),
        ("/all.atom", "application/atom+xml; charset=utf-8"),
        ("/all.json", "application/feed+json; charset=utf-8"),
        ("/category/markets.json", "application/feed+json; charset=utf-8"),
        ("/extra.json", "application/json; charset=utf-8"),  # not a feed feedkit wrote
        ("/subscriptions.opml", "text/x-opml; charset=utf-8"),
    ],
)
def test_media_types(server: PreviewServer, out_dir: Path, path: str, media_type: str) -> None:
    status, headers, body = fetch(server, path)
    assert (status, headers["Content-Type"]) == (200, media_type)
    assert body == (out_dir / path.lstrip("/")).read_bytes()
    assert headers["Cache-Control"] == "no-cache"


def test_chinese_tag_feed_is_served(server: PreviewServer, out_dir: Path) -> None:
    status, _, body = fetch(server, BANK_TAG)
    assert status == 200
    assert body == (out_dir / "tag" / "银行.rss").read_bytes()


def test_etag_and_last_modified(server: PreviewServer, out_dir: Path) -> None:
    _, headers, _ = fetch(server, "/all.rss")
    assert re.fullmatch(r'"[0-9a-f]+"', headers["ETag"])  # strong: no W/
    modified = email.utils.parsedate_to_datetime(headers["Last-Modified"])
    assert modified.timestamp() == int((out_dir / "all.rss").stat().st_mtime)


def test_if_none_match_gives_304_with_empty_body(server: PreviewServer) -> None:
    _, first, _ = fetch(server, "/all.atom")
    status, headers, body = fetch(server, "/all.atom", If_None_Match=first["ETag"])
    assert (status, body, headers["ETag"]) == (304, b"", first["ETag"])


def test_if_none_match_wins_over_if_modified_since(server: PreviewServer) -> None:
    _, first, _ = fetch(server, "/all.atom")
    status, _, body = fetch(
        server, "/all.atom", If_None_Match='"other"', If_Modified_Since=first["Last-Modified"]
    )
    assert status == 200
    assert body


def test_if_modified_since(server: PreviewServer, out_dir: Path) -> None:
    _, first, _ = fetch(server, "/all.json")
    status, _, body = fetch(server, "/all.json", If_Modified_Since=first["Last-Modified"])
    assert (status, body) == (304, b"")
    earlier = email.utils.formatdate((out_dir / "all.json").stat().st_mtime - 60, usegmt=True)
    assert fetch(server, "/all.json", If_Modified_Since=earlier)[0] == 200


def test_gzip(server: PreviewServer) -> None:
    _, plain_headers, plain = fetch(server, "/all.rss")
    status, headers, body = fetch(server, "/all.rss", Accept_Encoding="gzip, deflate")
    assert (status, headers["Content-Encoding"], headers["Vary"]) == (
        200,
        "gzip",
        "Accept-Encoding",
    )
    assert gzip.decompress(body) == plain
    assert headers["ETag"] != plain_headers["ETag"]
    assert int(headers["Content-Length"]) == len(body) < len(plain)
    again = fetch(server, "/all.rss", Accept_Encoding="gzip", If_None_Match=headers["ETag"])
    assert again[0] == 304
    refused = fetch(server, "/all.rss", Accept_Encoding="gzip;q=0")
    assert "Content-Encoding" not in refused[1]
    assert refused[2] == plain


def test_head_sends_headers_but_no_body(server: PreviewServer, out_dir: Path) -> None:
    # http.client never reads a body after HEAD, so read the raw bytes from the socket.
    with socket.create_connection(server.server_address[:2], timeout=5) as sock:
        sock.sendall(b"HEAD /all.rss HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    size = len((out_dir / "all.rss").read_bytes())
    assert f"Content-Length: {size}".encode() in head
    assert rest == b""


@pytest.mark.parametrize(
    "path",
    [
        "/../_config.yml",
        "/%2e%2e/_config.yml",
        "/%2E%2E%2f_config.yml",
        "/tag/../../_config.yml",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/.feedkit-manifest.json",
        "/.feedkit-ids.tsv",
        "/tag/.hidden.rss",
        "/outside.rss",  # a symlink out of the folder
        "/alias.json",  # a symlink to a dotfile
        "/%FF.rss",  # not UTF-8
        "/missing.rss",
        "/empty/",  # a folder without index.html: no listing
    ],
)
def test_not_found(server: PreviewServer, path: str) -> None:
    status, _, body = fetch(server, path)
    assert status == 404
    assert b"secret" not in body and b"url:" not in body


def test_folder_serves_its_index(server: PreviewServer) -> None:
    status, headers, body = fetch(server, "/pages/")
    assert (status, headers["Content-Type"], body) == (
        200,
        "text/html; charset=utf-8",
        INDEX.encode(),
    )
    status, headers, _ = fetch(server, "/pages")
    assert (status, headers["Location"]) == (301, "/pages/")


class Preview:
    """serve() running in a thread on a copy of the example site, recording its events."""

    def __init__(self, site: Path) -> None:
        self.events: list[str] = []
        self.stop = threading.Event()
        options = {"port": 0, "interval": 0.05, "on_event": self.events.append, "stop": self.stop}
        self.thread = threading.Thread(target=serve, args=(site,), kwargs=options)
        self.thread.start()
        serving = wait_for(lambda: next((e for e in self.events if " at http://" in e), None))
        host, port = serving.split(" at http://", 1)[1].split("/", 1)[0].rsplit(":", 1)
        self.address = (host, int(port))

    def feed(self) -> dict[str, Any]:
        conn = http.client.HTTPConnection(*self.address, timeout=5)
        try:
            conn.request("GET", "/all.json")
            document: dict[str, Any] = json.loads(conn.getresponse().read())
            return document
        finally:
            conn.close()

    def titles(self) -> list[str]:
        return [item["title"] for item in self.feed()["items"]]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()
        assert self.events[-1] == "stopped"


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    running = Preview(copy_example(tmp_path / "site"))
    yield running
    running.close()


def test_watch_republishes_a_changed_post(preview: Preview, tmp_path: Path) -> None:
    assert preview.events[0].startswith("published: ")
    post = tmp_path / "site" / "_posts" / "2022-04-08-english-summary.md"
    old = "Markets wrap: stocks edge higher as bond yields ease"
    assert old in preview.titles()
    post.write_text(post.read_text(encoding="utf-8").replace(old, "Edited title"), "utf-8")
    event = wait_for(lambda: next((e for e in preview.events if e.startswith("republished")), None))
    assert event.startswith("republished (_posts/2022-04-08-english-summary.md changed): ")
    assert "Edited title" in preview.titles()


def test_watch_reports_a_broken_config_and_keeps_serving(preview: Preview, tmp_path: Path) -> None:
    config = tmp_path / "site" / "_config.yml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good + "title: [unclosed\n", encoding="utf-8")
    failed = wait_for(lambda: next((e for e in preview.events if ": failed: " in e), None))
    assert failed.startswith("republished (_config.yml changed): failed: ")
    assert "\n" not in failed
    assert "Markets wrap: stocks edge higher as bond yields ease" in preview.titles()
    config.write_text(good.replace("示例财经", "Fixed site"), encoding="utf-8")
    fixed = wait_for(lambda: preview.events[-1] if ": failed" not in preview.events[-1] else None)
    assert re.fullmatch(
        r"republished \(_config.yml changed\): \d+ post\(s\), 0 rejected; .*", fixed
    )
    assert preview.feed()["title"] == "Fixed site"


def test_watch_reports_a_rejected_post_in_one_line(preview: Preview, tmp_path: Path) -> None:
    post = tmp_path / "site" / "_posts" / "2022-05-01-untitled.md"
    post.write_text("---\ntitle: ''\n---\nbody\n", encoding="utf-8")
    event = wait_for(lambda: next((e for e in preview.events if " 1 rejected" in e), None))
    assert event.startswith("republished (_posts/2022-05-01-untitled.md changed): ")
    assert event.endswith("; _posts/2022-05-01-untitled.md:2: title: is empty")
