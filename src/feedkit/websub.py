"""Tell a WebSub hub that feeds changed, so subscribers get new posts without polling.

The WebSub Recommendation leaves publisher-to-hub notification open; hubs accept the
long-standing PubSubHubbub form: a POST of ``hub.mode=publish&hub.url=<feed>``.

A hub is someone else's server. Its failures are reported in a `PingReport` and never
raised, so a hub outage can never fail a publish.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol

from feedkit.version import __version__

USER_AGENT = f"feedkit/{__version__}"
FORM_TYPE = "application/x-www-form-urlencoded"
SKIPPED = "not sent: the hub failed on an earlier URL"
_PHRASES = {status.value: status.phrase for status in HTTPStatus}


class Opener(Protocol):
    """What `ping` needs from an opener; `urllib.request.OpenerDirector` fits."""

    def open(self, fullurl: urllib.request.Request, *, timeout: float) -> http.client.HTTPResponse:
        """Send the request and return the hub's response; raise for non-2xx, as urllib does."""
        ...


@dataclass(frozen=True)
class PingReport:
    """Which feed URLs the hub accepted, and why the others were not."""

    pinged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Failure:
    """One failed attempt: what went wrong and whether trying again can help."""

    reason: str
    retryable: bool
    # "timed out after 10 s" already says "after"; the count then reads "on all N attempts".
    timed_out: bool = False

    def describe(self, attempts: int) -> str:
        if attempts == 1:
            return self.reason
        return f"{self.reason} {'on all' if self.timed_out else 'after'} {attempts} attempts"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib turns a redirected POST into a body-less GET, which would fake a success."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def ping(
    hub: str,
    urls: Sequence[str],
    *,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 1.0,
    opener: Opener | None = None,
    sleep: Callable[[float], object] = time.sleep,
) -> PingReport:
    """Notify `hub` that each of `urls` changed: one POST per distinct URL, in order.

    Network errors, timeouts, 5xx and 429 are retried `retries` more times, waiting
    `backoff`, 2*`backoff`, ... seconds. Once a URL exhausts its retries the hub is taken
    to be down and the remaining URLs are reported without being sent, so a dead hub
    costs one URL's retries, not every feed's. Raises only for bad arguments (ValueError,
    or TypeError for one string passed as `urls`).
    """
    _check_arguments(hub, urls, timeout, retries, backoff)
    opener = opener or urllib.request.build_opener(_NoRedirect)
    report = PingReport()
    hub_down = False
    for url in dict.fromkeys(urls):
        if hub_down:
            report.failed.append((url, SKIPPED))
            continue
        failure, attempts = _ping_one(opener, hub, url, timeout, retries, backoff, sleep)
        if failure is None:
            report.pinged.append(url)
        else:
            report.failed.append((url, failure.describe(attempts)))
            hub_down = failure.retryable
    return report


def _check_arguments(
    hub: str, urls: Sequence[str], timeout: float, retries: int, backoff: float
) -> None:
    """Config validation lives elsewhere; this keeps a bad value from reaching the network."""
    if isinstance(urls, str):
        raise TypeError("urls must be a sequence of URLs, not one string")
    parts = urllib.parse.urlsplit(hub)
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as err:
        raise ValueError(f"hub URL has a bad port: {hub!r}") from err
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"hub URL must be http:// or https:// with a host: {hub!r}")
    if not hub.isascii() or not hub.isprintable() or " " in hub:
        raise ValueError(f"hub URL must be ASCII without spaces (percent-encode it): {hub!r}")
    if timeout <= 0 or retries < 0 or backoff < 0:
        raise ValueError("timeout must be > 0, retries and backoff >= 0")


def _ping_one(
    opener: Opener,
    hub: str,
    url: str,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> tuple[_Failure | None, int]:
    """Try until success, a final answer, or no retries left; return the last failure."""
    request = _request(hub, url)
    attempts = 0
    while True:
        attempts += 1
        failure = _attempt(opener, request, timeout)
        if failure is None or not failure.retryable or attempts > retries:
            return failure, attempts
        sleep(backoff * 2 ** (attempts - 1))


def _request(hub: str, url: str) -> urllib.request.Request:
    """The publish notification; urlencode percent-encodes the URL as UTF-8, `%` included."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii")
    headers = {"Content-Type": FORM_TYPE, "User-Agent": USER_AGENT}
    return urllib.request.Request(hub, data=body, headers=headers, method="POST")


def _attempt(opener: Opener, request: urllib.request.Request, timeout: float) -> _Failure | None:
    """One POST. None means the hub accepted it; every hub or network problem is a _Failure."""
    try:
        with opener.open(request, timeout=timeout) as response:
            status, phrase = response.status, response.reason
    except urllib.error.HTTPError as err:
        err.close()
        return _status_failure(err.code, str(err.reason))
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            return _timed_out(timeout)
        detail = getattr(err.reason, "strerror", None) or str(err.reason)
        return _Failure(f"hub unreachable: {detail}", retryable=True)
    except TimeoutError:
        return _timed_out(timeout)
    except (OSError, http.client.HTTPException) as err:
        return _Failure(f"hub connection failed: {err or type(err).__name__}", retryable=True)
    return None if 200 <= status < 300 else _status_failure(status, phrase)


def _timed_out(timeout: float) -> _Failure:
    return _Failure(f"timed out after {timeout:g} s", retryable=True, timed_out=True)


def _status_failure(code: int, phrase: str) -> _Failure:
    """Name the status the standard way; only overload (5xx, 429) is worth retrying."""
    reason = f"hub answered {code} {_PHRASES.get(code, phrase)}".rstrip()
    return _Failure(reason, retryable=code >= 500 or code == 429)
