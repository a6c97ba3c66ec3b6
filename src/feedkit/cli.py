"""The command line: parse options, call the library, turn its errors into exit codes."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import (
    ConfigError,
    InvalidPostsError,
    LockBusyError,
    PostError,
    Problem,
    WriteError,
)
from .publish import PublishResult, offsetless_warnings, publish, validate
from .site import load_site
from .version import __version__

EXIT_OK, EXIT_REJECTED, EXIT_CONFIG, EXIT_WRITE = 0, 1, 2, 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run is busy; cron can simply try again next time
PROGRESS_THRESHOLD = 2000  # show a progress bar on a terminal from this many post files

F = TypeVar("F", bound=Callable[..., Any])

SITE = click.argument(
    "site", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: 'output' in feedkit.toml, else SITE/feeds).",
)
CONFIG = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="feedkit settings file (default: SITE/feedkit.toml, if present).",
)


def _errors_to_exit_codes(command: F) -> F:
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            _print_lines(str(p) for p in exc.problems)
            click.echo("Error: the site configuration is invalid; nothing was done.", err=True)
            sys.exit(EXIT_CONFIG)
        except InvalidPostsError as exc:
            _print_rejected(exc.rejected, kwargs["site"])
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_REJECTED)
        except WriteError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_WRITE)
        except LockBusyError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_LOCKED)

    return wrapper  # type: ignore[return-value]


def _print_lines(lines: Iterable[str], err: bool = True) -> None:
    for line in lines:
        click.echo(line, err=err)


def _print_rejected(rejected: list[PostError], site: Path, err: bool = True) -> None:
    """One line per problem, with paths as the user can open them from where they ran us."""
    _print_lines((str(_from_cwd(p, site)) for e in rejected for p in e.problems), err=err)


def _from_cwd(problem: Problem, site: Path) -> Problem:
    return replace(problem, path=os.path.normpath(os.path.join(site, problem.path)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedkit")
def cli() -> None:
    """Publish RSS, Atom and JSON Feed files for a Jekyll-style site."""


@cli.command("validate")
@SITE
@CONFIG
@_errors_to_exit_codes
def validate_command(site: Path, config: Path | None) -> None:
    """Check every post's front matter and print each problem as path:line: field: message.

    Exits 0 if every post is valid, 1 if any is not, 2 if the configuration is invalid.

    Example: feedkit validate path/to/site
    """
    with _without_gc():
        collected = validate(site, config=config)
    _print_rejected(collected.rejected, site, err=False)
    problems = sum(len(e.problems) for e in collected.rejected)
    click.echo(
        f"{collected.read} post file(s) checked: {collected.published} valid, "
        f"{len(collected.rejected)} invalid ({problems} problem(s)), "
        f"{collected.unpublished} unpublished."
    )
    for warning in offsetless_warnings(load_site(site, config), collected):
        click.echo(f"warning: {warning}", err=True)
    sys.exit(EXIT_REJECTED if collected.rejected else EXIT_OK)


@cli.command("publish")
@SITE
@OUT
@CONFIG
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option(
    "--dry-run", is_flag=True, help="Write nothing; list what would be written or removed."
)
@click.option("--future", is_flag=True, default=None, help="Include posts dated in the future.")
@click.option("--strict", is_flag=True, help="Publish nothing if any post is invalid.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to wait for another run to finish before giving up (exit 75).",
)
@click.option("--no-cache", is_flag=True, help="Ignore the cache: read and render every post.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@_errors_to_exit_codes
def publish_command(
    site: Path,
    out: Path | None,
    config: Path | None,
    check: bool,
    dry_run: bool,
    future: bool | None,
    strict: bool,
    lock_timeout: float,
    no_cache: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Write RSS 2.0, Atom 1.0 and JSON Feed 1.1 files for the site, each category and tag.

    Invalid posts are reported (path:line: field: message) and left out; the rest is
    published. Files whose bytes would not change are left alone; feeds of categories and tags
    that no longer have posts are removed (only files feedkit wrote). One run at a time: a
    second run waits --lock-timeout seconds, then gives up.

    \b
    Exit codes:
      0   all posts published (or, with --check, every file is current)
      1   some posts were rejected (or --check: a file would change)
      2   usage or configuration error
      3   the feeds could not be written (the previous files are left in place)
      75  another feedkit run is busy with this site; try again later

    Example: feedkit publish path/to/site --out path/to/site/feeds
    """
    with ExitStack() as stack:
        stack.enter_context(_without_gc())
        bar = None if quiet or as_json else _progress_bar(stack)
        result = publish(
            site, out=out, config=config, future=future, strict=strict, check=check,
            dry_run=dry_run, use_cache=not no_cache, lock_timeout=lock_timeout, progress=bar,
        )  # fmt: skip
    _print_rejected(result.collected.rejected, site)
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False, indent=2))
    elif not quiet:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(_summary(result), err=True)
        if result.planned:
            _print_lines((f"write: {name}" for name in result.changed), err=False)
            _print_lines((f"remove: {name}" for name in result.stale), err=False)
    stale = check and bool(result.changed or result.stale)
    sys.exit(EXIT_REJECTED if result.collected.rejected or stale else EXIT_OK)


@cli.command("serve")
@SITE
@OUT
@CONFIG
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 serves your whole network).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@_errors_to_exit_codes
def serve_command(site: Path, out: Path | None, config: Path | None, host: str, port: int) -> None:
    """Publish the site, serve its feeds on a local web server and republish on every change.

    The server sends what a web host would (feed media types, ETag, Last-Modified, 304, gzip),
    so a feed reader pointed at it sees what your readers will get. Posts and settings are
    checked every second; each republish, rejected post or error is reported on stderr.
    Press Ctrl-C to stop.

    Example: feedkit serve path/to/site --port 8000
    """
    from .serve import serve  # http.server and ssl: ~10 ms that every cron run would pay

    try:
        serve(
            site, out=out, config=config, host=host, port=port,
            on_event=lambda line: click.echo(line, err=True),
        )  # fmt: skip
    except OSError as exc:
        click.echo(f"Error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_CONFIG)


def _progress_bar(stack: ExitStack) -> Callable[[int], Callable[[int], None] | None] | None:
    """A progress bar on stderr for long runs on a terminal; nothing under cron."""
    if not sys.stderr.isatty():
        return None

    def start(total: int) -> Callable[[int], None] | None:
        if total < PROGRESS_THRESHOLD:
            return None
        bar = stack.enter_context(_bar(total))
        update: Callable[[int], None] = bar.update
        return update

    return start


@contextmanager
def _without_gc() -> Iterator[None]:
    """The cyclic garbage collector off for one run of a command whose process then ends.

    Nearly everything a run makes lives until it ends, and it makes almost no cycles: the
    collector spent ~80 ms of a 10,000-post cold run's CPU finding next to nothing (its
    full passes found 0-8 objects). Forked workers inherit the setting. Not in the library:
    a program calling feedkit.publish keeps its own collector as it likes it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _bar(total: int) -> Iterator[Any]:
    with click.progressbar(length=total, label="reading posts", file=sys.stderr) as bar:
        yield bar


def _summary(result: PublishResult) -> str:
    c = result.collected
    posts = (
        f"{c.read} post file(s): {c.published} published, {len(c.rejected)} rejected, "
        f"{c.unpublished} unpublished, {c.future} future, {c.cached} from cache"
    )
    if result.planned:
        files = (
            f"{len(result.changed)} file(s) to write, {len(result.unchanged)} unchanged, "
            f"{len(result.stale)} to remove (nothing written)"
        )
    else:
        files = (
            f"{len(result.written)} file(s) written, {len(result.unchanged)} unchanged, "
            f"{len(result.removed)} removed"
        )
    feeds = result.feeds
    return (
        f"feedkit: {posts}; {feeds} feed(s): {files}; {result.seconds:.2f} s; {result.site.output}"
    )


def main() -> None:
    try:
        cli(prog_name="feedkit")
    finally:
        # The process is ending: spare its last garbage collection a walk over every object
        # a run made (10,000 posts: interpreter teardown 32 -> 13 ms).
        gc.freeze()
