"""WebSub publish pings, against a real HTTP hub on 127.0.0.1 that records every request."""

from __future__ import annotations

import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from feedkit.version import __version__
from feedkit.websub import SKIPPED, PingReport, ping

FEED = "https://news.example/feeds/all.atom"
# Feed URLs carry percent-encoded Unicode slugs (README: `tag/银川新闻网新闻.json`).
CHINESE = "https://news.example/feeds/tag/" + urllib.parse.quote("银川新闻网新闻") + ".json"
SLOW = 0  # a status in a hub's script: answer nothing until the test ends


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class Hub:
    """Answers with `script` in order (the last status repeats) and records each request."""

    url: str = ""
    script: list[int] = field(default_factory=lambda: [204])
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def next_status(self) -> int:
        return self.script[min(len(self.seen), len(self.script)) - 1]


def handler_for(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            form = urllib.parse.parse_qs(body.decode("ascii"), strict_parsing=True)
            self.record(form)

        def do_GET(self) -> None:
            self.record({})

        def record(self, form: dict[str, list[str]]) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            hub.seen.append(Seen(self.command, self.path, headers, form))
            status = hub.next_status()
            if status == SLOW:
                hub.release.wait(5)
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment would intercept requests meant for 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def sleeps() -> list[float]:
    """Stands in for time.sleep: records the backoff instead of waiting."""
    return []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_one_form_post_per_url(hub: Hub, sleeps: list[float]) -> None:
    urls = [FEED, "https://news.example/feeds/all.rss", FEED]
    report = ping(hub.url, urls, sleep=sleeps.append)
    assert report == PingReport(pinged=urls[:2], failed=[])
    assert [(s.method, s.path) for s in hub.seen] == [("POST", "/hub")] * 2
    assert [s.form for s in hub.seen] == [
        {"hub.mode": ["publish"], "hub.url": [url]} for url in urls[:2]
    ]
    for seen in hub.seen:
        assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
        assert seen.headers["user-agent"] == f"feedkit/{__version__}"
    assert sleeps == []


def test_percent_encoded_chinese_url_arrives_intact(hub: Hub) -> None:
    raw = "https://news.example/feeds/tag/银川.rss"
    report = ping(hub.url, [CHINESE, raw])
    assert report.pinged == [CHINESE, raw]
    assert [s.form["hub.url"] for s in hub.seen] == [[CHINESE], [raw]]
    assert "%E9%93%B6" in CHINESE  # the %XX escapes themselves survived, not their decoding


@pytest.mark.parametrize("status", [503, 429, 500])
def test_overload_is_retried_with_exponential_backoff(
    hub: Hub, sleeps: list[float], status: int
) -> None:
    hub.script = [status, status, 204]
    report = ping(hub.url, [FEED], backoff=0.5, sleep=sleeps.append)
    assert report == PingReport(pinged=[FEED], failed=[])
    assert len(hub.seen) == 3
    assert all(s.form["hub.url"] == [FEED] for s in hub.seen)
    assert sleeps == [0.5, 1.0]


def test_persistent_5xx_gives_up_after_all_retries(hub: Hub, sleeps: list[float]) -> None:
    hub.script = [500]
    report = ping(hub.url, [FEED], retries=3, sleep=sleeps.append)
    assert report == PingReport(
        pinged=[], failed=[(FEED, "hub answered 500 Internal Server Error after 4 attempts")]
    )
    assert len(hub.seen) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_client_error_is_not_retried_and_other_urls_still_go(hub: Hub, sleeps: list[float]) -> None:
    hub.script = [400, 204]
    report = ping(hub.url, [FEED, CHINESE], sleep=sleeps.append)
    assert report == PingReport(pinged=[CHINESE], failed=[(FEED, "hub answered 400 Bad Request")])
    assert [s.form["hub.url"] for s in hub.seen] == [[FEED], [CHINESE]]
    assert sleeps == []


def test_redirect_is_reported_not_followed_as_a_get(hub: Hub) -> None:
    hub.script = [302]
    report = ping(hub.url, [FEED], sleep=lambda _: None)
    assert report.failed == [(FEED, "hub answered 302 Found")]
    assert [s.method for s in hub.seen] == ["POST"]


def test_dead_hub_is_not_retried_for_every_url(hub: Hub, sleeps: list[float]) -> None:
    hub.script = [503]
    report = ping(hub.url, [FEED, CHINESE], retries=1, sleep=sleeps.append)
    assert report.pinged == []
    assert report.failed == [
        (FEED, "hub answered 503 Service Unavailable after 2 attempts"),
        (CHINESE, SKIPPED),
    ]
    assert len(hub.seen) == 2


def test_unreachable_hub_is_reported_not_raised(sleeps: list[float]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hub"
    report = ping(url, [FEED], retries=1, sleep=sleeps.append)
    assert report.pinged == []
    [(failed_url, reason)] = report.failed
    assert failed_url == FEED
    assert reason.startswith("hub unreachable: ")
    assert "refused" in reason.lower()
    assert reason.endswith(" after 2 attempts")
    assert sleeps == [1.0]


def test_slow_hub_is_reported_as_timed_out(hub: Hub, sleeps: list[float]) -> None:
    hub.script = [SLOW]
    report = ping(hub.url, [FEED], timeout=0.2, retries=1, sleep=sleeps.append)
    assert report == PingReport(
        pinged=[], failed=[(FEED, "timed out after 0.2 s on all 2 attempts")]
    )
    assert len(hub.seen) == 2


def test_single_attempt_reasons_have_no_count(hub: Hub) -> None:
    hub.script = [SLOW]
    report = ping(hub.url, [FEED], timeout=0.2, retries=0)
    assert report.failed == [(FEED, "timed out after 0.2 s")]


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://hub.example/",
        "file:///etc/passwd",
        "hub.example/publish",
        "https://",
        "http://hub.example:port/",
        "https://hüb.example/",
        "https://hub.example/a b",
    ],
)
def test_bad_hub_url_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="hub URL"):
        ping(bad, [FEED])


def test_one_string_instead_of_a_list_is_refused() -> None:
    with pytest.raises(TypeError):
        ping("https://hub.example/", FEED)


def test_no_urls_sends_nothing(hub: Hub) -> None:
    assert ping(hub.url, []) == PingReport()
    assert hub.seen == []
