"""Page URLs exactly as Jekyll 4.3 builds them for posts (``Jekyll::URL`` and ``Drops::UrlDrop``).

A reader who clicks an item must land on the page Jekyll wrote, so this follows Jekyll's code
rather than what would be tidier: placeholders are escaped one by one, ``..`` becomes ``/``,
repeated slashes collapse, and the day is the one in the site's time zone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import quote

_PLACEHOLDER = re.compile(r":([a-z_]+)")
_SAFE_PATH = re.compile(r"^[a-zA-Z0-9./-]+$")
# RFC 3986 pchar minus percent, plus "/": what Jekyll's escape_path leaves alone.
_PATH_SAFE_CHARS = "-._~!$&'()*+,;=:@/"


class PermalinkError(ValueError):
    """A permalink template names a placeholder Jekyll does not know."""


def escape_path(path: str) -> str:
    """Jekyll::URL.escape_path: percent-encode all but unreserved, sub-delims, ':', '@', '/'."""
    if not path or _SAFE_PATH.match(path):
        return path
    return quote(path, safe=_PATH_SAFE_CHARS)


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll::Utils.slugify for the "default" and "pretty" modes used in post URLs."""
    slug = _pretty_sub(text) if mode == "pretty" else _default_sub(text)
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def _is_slug_char(ch: str, extra: str) -> bool:
    # Ruby's \p{M}\p{L}\p{Nd}: marks, letters, decimal digits (no underscore, unlike \w).
    return ch in extra or ch.isalpha() or ch.isdecimal() or _is_mark(ch)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _replace_runs(text: str, keep: Callable[[str], bool]) -> str:
    out: list[str] = []
    in_run = False
    for ch in text:
        if keep(ch):
            out.append(ch)
            in_run = False
        elif not in_run:
            out.append("-")
            in_run = True
    return "".join(out)


def _default_sub(text: str) -> str:
    return _replace_runs(text, lambda ch: _is_slug_char(ch, ""))


def _pretty_sub(text: str) -> str:
    return _replace_runs(text, lambda ch: _is_slug_char(ch, "._~!$&'()+,;=@"))


def placeholders(
    date: datetime,
    slug: str,
    categories: Sequence[str],
    basename: str,
    output_ext: str = ".html",
    collection: str = "posts",
) -> dict[str, str]:
    """The values Jekyll's UrlDrop offers a post's permalink template."""
    cats: list[str] = []
    for category in categories:
        lowered = category.lower()
        if lowered not in cats:
            cats.append(lowered)
    return {
        "collection": collection,
        "path": "",
        "name": slugify(basename),
        "title": slugify(slug, "pretty", cased=True),
        "slug": slugify(slug),
        "categories": "/".join(cats),
        "year": date.strftime("%Y"),
        "month": date.strftime("%m"),
        "day": date.strftime("%d"),
        "hour": date.strftime("%H"),
        "minute": date.strftime("%M"),
        "second": date.strftime("%S"),
        "i_day": str(date.day),
        "i_month": str(date.month),
        "short_year": date.strftime("%y"),
        "y_day": date.strftime("%j"),
        "short_month": date.strftime("%b"),
        "long_month": date.strftime("%B"),
        "short_day": date.strftime("%a"),
        "long_day": date.strftime("%A"),
        "week": f"{date.isocalendar()[1]:02d}",
        "w_year": str(date.isocalendar()[0]),
        "w_day": str(date.isocalendar()[2]),
        "output_ext": output_ext,
    }


def generate(template: str, values: dict[str, str]) -> str:
    """URL#generate_url_from_drop followed by URL#sanitize_url."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        winner = next((key for key in pool if key in values), None)
        if winner is None:
            raise PermalinkError(f"the permalink template has no :{name} placeholder")
        return match.group(0).replace(f":{winner}", escape_path(values[winner]), 1)

    url = _squeeze_slashes(_PLACEHOLDER.sub(replace, template))
    url = ("/" + url).replace("..", "/").replace("./", "")
    return _squeeze_slashes(url)


def _squeeze_slashes(text: str) -> str:
    return re.sub(r"/{2,}", "/", text)
