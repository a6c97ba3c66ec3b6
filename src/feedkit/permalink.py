"""Page URLs exactly as Jekyll 4.3 builds them for posts (``Jekyll::URL`` and ``Drops::UrlDrop``).

A reader who clicks an item must land on the page Jekyll wrote, so this follows Jekyll's code
rather than what would be tidier: placeholders are escaped one by one, ``..`` becomes ``/``,
repeated slashes collapse, and the day is the one in the site's time zone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

_PLACEHOLDER = re.compile(r":([a-z_]+)")
_SAFE_PATH = re.compile(r"^[a-zA-Z0-9./-]+$")
# RFC 3986 pchar minus percent, plus "/": what Jekyll's escape_path leaves alone.
_PATH_SAFE_CHARS = "-._~!$&'()*+,;=:@/"
_ASCII_DEFAULT = re.compile(r"[^A-Za-z0-9]+")
_ASCII_PRETTY = re.compile(r"[^A-Za-z0-9._~!$&'()+,;=@]+")
_EDGE_DASH = re.compile(r"^-|-$")
_SLASHES = re.compile(r"/{2,}")


class PermalinkError(ValueError):
    """A permalink template names a placeholder Jekyll does not know."""


def escape_path(path: str) -> str:
    """Jekyll::URL.escape_path: percent-encode all but unreserved, sub-delims, ':', '@', '/'."""
    if not path or _SAFE_PATH.match(path):
        return path
    return quote(path, safe=_PATH_SAFE_CHARS)


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll::Utils.slugify for the "default" and "pretty" modes used in post URLs."""
    if text.isascii():  # ASCII letters and digits are exactly Ruby's \p{L}\p{Nd} there
        pattern = _ASCII_PRETTY if mode == "pretty" else _ASCII_DEFAULT
        slug = pattern.sub("-", text)
    else:
        slug = _pretty_sub(text) if mode == "pretty" else _default_sub(text)
    slug = _EDGE_DASH.sub("", slug)
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


class Placeholders(Mapping[str, str]):
    """The values Jekyll's UrlDrop offers a post's permalink template, computed on demand.

    A template uses three or four of the two dozen, so only those are ever formatted.
    """

    def __init__(
        self,
        date: datetime,
        slug: str,
        categories: Sequence[str],
        basename: str,
        output_ext: str = ".html",
        collection: str = "posts",
    ) -> None:
        self._date = date
        self._slug = slug
        self._categories = categories
        self._basename = basename
        self._values = {"collection": collection, "path": "", "output_ext": output_ext}

    def __getitem__(self, key: str) -> str:
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = self._compute(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(PLACEHOLDER_NAMES)

    def __len__(self) -> int:
        return len(PLACEHOLDER_NAMES)

    def __contains__(self, key: object) -> bool:
        return key in PLACEHOLDER_NAMES

    def _compute(self, key: str) -> str:
        if key in _DATE_PARTS:  # first: templates are mostly dates
            return _date_part(self._date, key)
        if key == "title":
            return slugify(self._slug, "pretty", cased=True)
        if key == "slug":
            return slugify(self._slug)
        if key == "name":
            return slugify(self._basename)
        if key == "categories":
            return "/".join(dict.fromkeys(c.lower() for c in self._categories))
        raise KeyError(key)


def _date_part(date: datetime, key: str) -> str:
    if key in _TWO_DIGITS:  # what %m, %d, %H, %M and %S give, without strftime's cost
        return f"{getattr(date, key):02d}"
    if key == "year" and date.year >= 1000:  # %Y pads earlier years on some platforms only
        return str(date.year)
    if key == "i_day":
        return str(date.day)
    if key == "i_month":
        return str(date.month)
    if key in ("week", "w_year", "w_day"):
        year, week, weekday = date.isocalendar()
        return {"week": f"{week:02d}", "w_year": str(year), "w_day": str(weekday)}[key]
    return date.strftime(_STRFTIME[key])


_TWO_DIGITS = frozenset({"month", "day", "hour", "minute", "second"})


_STRFTIME = {
    "year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S",
    "short_year": "%y", "y_day": "%j", "short_month": "%b", "long_month": "%B",
    "short_day": "%a", "long_day": "%A",
}  # fmt: skip
_DATE_PARTS = frozenset({"i_day", "i_month", "week", "w_year", "w_day", *_STRFTIME})
PLACEHOLDER_NAMES = frozenset(
    {"collection", "path", "output_ext", "title", "slug", "name", "categories", *_DATE_PARTS}
)


def generate(template: str, values: Mapping[str, str]) -> str:
    """URL#generate_url_from_drop followed by URL#sanitize_url."""
    # A Placeholders offers every name: collecting them (~0.7 µs) tells nothing new.
    keys = PLACEHOLDER_NAMES if type(values) is Placeholders else frozenset(values)
    parts = []
    for literal, key, rest in _compile(template, keys):
        parts.append(literal)
        if key:
            parts.append(escape_path(values[key]) + rest)
    url = _squeeze_slashes("".join(parts))
    url = ("/" + url).replace("..", "/").replace("./", "")
    return _squeeze_slashes(url)


@lru_cache(maxsize=64)
def _compile(template: str, keys: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    """A template as (literal, placeholder, leftover) triples; Jekyll's winner rule applied.

    As in generate_url_from_drop, ``:name_`` falls back to ``:name`` when there is no
    ``name_`` placeholder, leaving the underscore after the value.
    """
    parts: list[tuple[str, str, str]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        name = match.group(1)
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        winner = next((key for key in pool if key in keys), None)
        if winner is None:
            raise PermalinkError(f"the permalink template has no :{name} placeholder")
        parts.append((template[position : match.start()], winner, name[len(winner) :]))
        position = match.end()
    parts.append((template[position:], "", ""))
    return tuple(parts)


def _squeeze_slashes(text: str) -> str:
    return _SLASHES.sub("/", text) if "//" in text else text
