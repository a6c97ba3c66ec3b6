"""The command line: parse options, call the library, turn its errors into exit codes.

Exit codes: 0 all is well; 1 some posts were rejected (or --check found a stale feed);
2 usage or configuration error; 3 the feeds could not be written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import ConfigError, InvalidPostsError, PostError, Problem, WriteError
from .publish import PublishResult, offsetless_warnings, publish, validate
from .site import load_site

EXIT_OK, EXIT_REJECTED, EXIT_CONFIG, EXIT_WRITE = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])

SITE = click.argument(
    "site", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
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
    collected = validate(site, config=config)
    _print_rejected(collected.rejected, site, err=False)
    problems = sum(len(e.problems) for e in collected.rejected)
    click.echo(
        f"{collected.read} post file(s) checked: {len(collected.posts)} valid, "
        f"{len(collected.rejected)} invalid ({problems} problem(s)), "
        f"{collected.unpublished} unpublished."
    )
    for warning in offsetless_warnings(load_site(site, config), collected):
        click.echo(f"warning: {warning}", err=True)
    sys.exit(EXIT_REJECTED if collected.rejected else EXIT_OK)


@cli.command("publish")
@SITE
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: 'output' in feedkit.toml, else SITE/feeds).",
)
@CONFIG
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any feed would change.")
@click.option("--future", is_flag=True, default=None, help="Include posts dated in the future.")
@click.option("--strict", is_flag=True, help="Publish nothing if any post is invalid.")
@_errors_to_exit_codes
def publish_command(
    site: Path,
    out: Path | None,
    config: Path | None,
    check: bool,
    future: bool | None,
    strict: bool,
) -> None:
    """Write RSS 2.0, Atom 1.0 and JSON Feed 1.1 files for the site, each category and tag.

    Invalid posts are reported (path:line: field: message) and left out; the rest is
    published.

    \b
    Exit codes:
      0  all posts published (or, with --check, every feed is current)
      1  some posts were rejected (or --check: a feed would change)
      2  usage or configuration error
      3  the feeds could not be written

    Example: feedkit publish path/to/site --out path/to/site/feeds
    """
    result = publish(site, out=out, config=config, future=future, strict=strict, check=check)
    _print_rejected(result.collected.rejected, site)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(_summary(result), err=True)
    if check and result.changed:
        _print_lines((f"would change: {name}" for name in result.changed), err=False)
    stale = check and bool(result.changed)
    sys.exit(EXIT_REJECTED if result.collected.rejected or stale else EXIT_OK)


def _summary(result: PublishResult) -> str:
    c = result.collected
    skipped = f", {c.future} future" if c.future else ""
    posts = (
        f"{c.read} post file(s): {len(c.posts)} published, {len(c.rejected)} rejected, "
        f"{c.unpublished} unpublished{skipped}"
    )
    feeds = len(result.feedset.feeds)
    where = result.site.output
    if result.check:
        state = f"{len(result.changed)} of {len(result.outputs)} file(s) would change"
    else:
        state = f"{len(result.written)} written, {len(result.unchanged)} unchanged"
    return f"feedkit: {posts}; {feeds} feed(s), {state} in {where}"


def main() -> None:
    cli(prog_name="feedkit")
