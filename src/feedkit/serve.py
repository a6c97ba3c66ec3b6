"""A local preview server: serve the output folder as a web host would, republish on change.

A feed reader or browser pointed at it gets the headers a real host sends (feed media types,
ETag, Last-Modified, 304, gzip), so the preview shows what readers will get. It is read-only,
uses only the standard library and is meant for one machine, not the internet: it binds to
127.0.0.1 by default.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import logging
import mimetypes
import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from . import manifest
from .errors import FeedkitError, LockBusyError
from .load import find_posts, relative
from .publish import PublishResult, publish
from .site import FEEDKIT_CONFIG, JEKYLL_CONFIG, Site, load_site

__all__ = ["PreviewServer", "make_server", "serve"]

logger = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
FEED_JSON = "application/feed+json; charset=utf-8"  # for the .json files feedkit wrote

Snapshot = frozenset[tuple[str, int, int]]  # (path, size, mtime_ns) of every watched file
Republish = Callable[..., PublishResult]


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its folder and logs errors instead of printing them."""

    daemon_threads = True  # an idle keep-alive connection never blocks shutdown

    def __init__(self, address: tuple[str, int], root: Path) -> None:
        self.root = root
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-response is normal; keep tracebacks off the terminal."""
        logger.debug("error while serving %s", client_address, exc_info=True)


def make_server(out_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> PreviewServer:
    """A server for `out_dir`, bound but not yet serving: call ``serve_forever()``.

    Binding here makes a busy port fail at once (OSError). Port 0 picks a free port: see
    ``server.server_address`` or ``server.url``.
    """
    return PreviewServer((host, port), Path(out_dir).resolve())


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"  # keep-alive: a reader fetching many feeds reuses one socket
    server_version = "feedkit-preview"
    timeout = 30  # seconds an idle keep-alive connection may hold a thread

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)

    def _respond(self, send_body: bool) -> None:
        url_path = urlsplit(self.path).path
        parts = url_parts(url_path)
        root = self.server.root
        file = locate(root, parts) if parts is not None else None
        if parts is None or file is None:
            return self._send_plain(HTTPStatus.NOT_FOUND, send_body)
        if root.joinpath(*parts).is_dir() and not url_path.endswith("/"):
            return self._redirect("/" + "".join(quote(p) + "/" for p in parts))
        try:
            with file.open("rb") as handle:  # read and stat one file: a rename cannot split them
                data, mtime = handle.read(), os.fstat(handle.fileno()).st_mtime
        except OSError:
            return self._send_plain(HTTPStatus.NOT_FOUND, send_body)
        name = file.relative_to(root).as_posix()
        entity = _Entity.of(data, media_type(root, name), mtime, self.headers)
        self._send_entity(entity, send_body)

    def _send_entity(self, entity: _Entity, send_body: bool) -> None:
        fresh = not_modified(self.headers, entity.etag, entity.mtime)
        self.send_response(HTTPStatus.NOT_MODIFIED if fresh else HTTPStatus.OK)
        self.send_header("ETag", entity.etag)
        self.send_header("Last-Modified", email.utils.formatdate(entity.mtime, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        if entity.varies:
            self.send_header("Vary", "Accept-Encoding")
        if not fresh:
            self.send_header("Content-Type", entity.media_type)
            self.send_header("X-Content-Type-Options", "nosniff")
            if entity.gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(entity.body)))
        self.end_headers()
        if send_body and not fresh:
            self.wfile.write(entity.body)

    def _send_plain(self, status: HTTPStatus, send_body: bool) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        """A folder without its slash: redirect, so relative links in its index.html work."""
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@dataclass(frozen=True)
class _Entity:
    """One representation of a file: the bytes sent and the validators that name them."""

    body: bytes
    media_type: str
    etag: str
    mtime: float
    varies: bool  # compressible, so the response depends on Accept-Encoding
    gzipped: bool

    @classmethod
    def of(cls, data: bytes, media_type: str, mtime: float, headers: Message) -> _Entity:
        """The gzip variant has its own ETag: a strong ETag names exact bytes on the wire."""
        tag = hashlib.blake2b(data, digest_size=12).hexdigest()
        varies = compressible(media_type)
        if varies and accepts_gzip(headers.get("Accept-Encoding", "")):
            body = gzip.compress(data, mtime=0)  # mtime=0: the same file gives the same bytes
            return cls(body, media_type, f'"{tag}-gzip"', mtime, varies, gzipped=True)
        return cls(data, media_type, f'"{tag}"', mtime, varies, gzipped=False)


def url_parts(url_path: str) -> list[str] | None:
    """The path's segments, percent-decoded as UTF-8; None if any is hidden or a traversal.

    Every segment starting with "." is refused, which covers "..", "%2e%2e" and dotfiles such as
    the manifest and the id ledger. Empty segments are dropped, so "//etc" stays in the folder.
    """
    try:
        text = unquote(url_path, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    parts = [p for p in text.split("/") if p]
    if any(p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
        return None
    return parts


def locate(root: Path, parts: list[str]) -> Path | None:
    """The file to serve for `parts` under `root` (a folder's index.html), or None for 404."""
    target = _inside(root, root.joinpath(*parts))
    if target is not None and target.is_dir():
        target = _inside(root, target / "index.html")
    return target if target is not None and target.is_file() else None


def _inside(root: Path, path: Path) -> Path | None:
    """`path` with symlinks resolved, if it neither leaves `root` nor lands on a dotfile."""
    try:
        real = path.resolve()
        inner = real.relative_to(root)
    except (OSError, RuntimeError, ValueError):  # a symlink loop, or outside the folder
        return None
    return None if any(p.startswith(".") for p in inner.parts) else real


def media_type(root: Path, name: str) -> str:
    """The Content-Type for `name`; .json files listed in the manifest are JSON Feeds."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".json" and name in manifest.read(root):
        return FEED_JSON
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def compressible(media_type: str) -> bool:
    essence = media_type.split(";")[0].strip()
    return essence.startswith("text/") or essence.endswith(("xml", "json"))


def accepts_gzip(header: str) -> bool:
    """True if Accept-Encoding lists gzip without q=0."""
    for item in header.split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            return not re.fullmatch(r"q=0(\.0{0,3})?", params.replace(" ", "").lower())
    return False


def not_modified(headers: Message, etag: str, mtime: float) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; If-Modified-Since only without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):  # an unparsable date is ignored, as RFC says
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(mtime) <= when.timestamp()  # Last-Modified has whole seconds


def snapshot(site: Site, config: Path | None) -> Snapshot:
    """(path, size, mtime_ns) of every post file publish reads, plus the settings files.

    It lists what `find_posts` lists, so editor swap files and backups (".x.swp", "x~"), which
    Jekyll and feedkit ignore, trigger no republish. Raises OSError if a folder vanishes mid-scan.
    """
    files = {(f.path, f.size, f.mtime_ns) for f in find_posts(site.posts_dir, site.root)}
    settings = [site.root / JEKYLL_CONFIG, config or site.root / FEEDKIT_CONFIG]
    if site.schema is not None:
        settings.append(site.schema)
    for path in settings:
        try:
            stat = path.stat()
        except OSError:
            continue  # absent: a file that appears later changes the snapshot
        files.add((relative(path, site.root), stat.st_size, stat.st_mtime_ns))
    return frozenset(files)


def changed_paths(before: Snapshot, after: Snapshot) -> str:
    """The first changed path and how many more, for a one-line event."""
    paths = sorted({path for path, _, _ in before ^ after})
    more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
    return f"{paths[0]}{more}" if paths else "nothing"


def describe(result: PublishResult) -> str:
    """One line: what was read, what was written, and the first problem if a post was rejected."""
    c = result.collected
    text = (
        f"{c.published} post(s), {len(c.rejected)} rejected; {len(result.written)} file(s) "
        f"written, {len(result.removed)} removed; {result.seconds:.2f} s"
    )
    problems = [str(p) for e in c.rejected for p in e.problems]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        text += f"; {problems[0]}{more}"
    return text


def _one_line(exc: BaseException) -> str:
    return " | ".join(str(exc).splitlines()) or type(exc).__name__


@dataclass
class _Watcher:
    """Polls the site's inputs and republishes when they change; never raises a publish error.

    A change is published once two polls in a row agree, so a file caught mid-write is not
    published and a batch of files written within one interval is published once.
    """

    site_dir: Path | str
    out: Path | str | None
    config: Path | None
    republish: Republish
    on_event: Callable[[str], object]
    site: Site
    seen: Snapshot | None = None  # what was last published; None before the first publish
    pending: Snapshot | None = None  # a change seen once, published if the next poll agrees

    def poll(self) -> None:
        try:
            current = snapshot(self.site, self.config)
        except OSError:
            return  # a folder vanished mid-scan: look again next time
        if current == self.seen:
            return
        if self.seen is not None and current != self.pending:
            self.pending = current  # wait until an editor or scraper has finished writing
            return
        reason = "published" if self.seen is None else f"republished ({self._what(current)})"
        if self._publish(reason):
            self.seen = current

    def _what(self, current: Snapshot) -> str:
        return f"{changed_paths(self.seen or frozenset(), current)} changed"

    def _publish(self, reason: str) -> bool:
        """Publish and report; False when another run holds the lock, so the next poll retries."""
        try:
            result = self.republish(self.site_dir, out=self.out, config=self.config)
        except LockBusyError as exc:
            self.on_event(f"{reason}: not yet, {_one_line(exc)}; retrying")
            return False
        except FeedkitError as exc:  # a bad edit: report it once, wait for the next edit
            self.on_event(f"{reason}: failed: {_one_line(exc)}")
            return True
        except Exception as exc:  # a bug must not take the preview down with it
            logger.exception("publishing %s failed", self.site_dir)
            self.on_event(f"{reason}: failed unexpectedly: {type(exc).__name__}: {exc}")
            return True
        self.site = result.site  # settings may have moved posts_dir
        self.on_event(f"{reason}: {describe(result)}")
        return True


def serve(
    site_dir: Path | str = ".",
    *,
    out: Path | str | None = None,
    config: Path | str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    interval: float = 1.0,
    republish: Republish = publish,
    on_event: Callable[[str], object] = print,
    stop: threading.Event | None = None,
) -> None:
    """Publish the site, serve its output folder and republish whenever an input changes.

    Blocks until `stop` is set or Ctrl-C. A configuration error at start raises `ConfigError`
    and a busy port raises OSError; after that, publish errors are reported through `on_event`
    and the previous feeds stay served. Polling (every `interval` seconds) needs no extra
    package and works on every file system, network mounts included.
    """
    if interval <= 0:
        raise ValueError("interval must be positive")
    config_path = Path(config) if config is not None else None
    site = load_site(site_dir, config_path)
    out_dir = Path(out) if out is not None else site.output
    watcher = _Watcher(site_dir, out, config_path, republish, on_event, site)
    server = make_server(out_dir, host, port)  # bind first: a busy port fails before any work
    try:
        watcher.poll()
        _run(server, watcher, stop or threading.Event(), interval)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    on_event("stopped")


def _run(server: PreviewServer, watcher: _Watcher, stop: threading.Event, interval: float) -> None:
    thread = threading.Thread(target=server.serve_forever, args=(0.2,), name="feedkit-serve")
    thread.daemon = True
    thread.start()
    watcher.on_event(f"serving {server.root} at {server.url} (Ctrl-C to stop)")
    try:
        while not stop.wait(interval):
            watcher.poll()
    finally:
        server.shutdown()
        thread.join()
