"""Post dates the way Jekyll reads them.

Ruby's YAML and PyYAML disagree on purpose-made edge cases, and the day of a post decides its
URL, so each case below follows what Jekyll 4.3 does:

* ``2022-02-18 14:41:30 +0800`` is no YAML timestamp (no colon in the offset): both libraries
  leave it a string, and Jekyll parses it with its own offset.
* An unquoted ``2022-03-07 20:00:00`` is a YAML timestamp without a zone: Ruby reads it as UTC
  (PyYAML gives a naive datetime), and Jekyll shows it in the site's time zone.
* A quoted ``"2022-03-07 20:00:00"`` is a string: Jekyll parses it in the site's time zone.
* A date-only value means midnight in the site's time zone, as does the date in a file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

# The string forms accepted in front matter; schemas/post.schema.json carries the same pattern.
DATE_PATTERN = (
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
_DATE_RE = re.compile(DATE_PATTERN)
# The form nearly every post uses (Jekyll's own), read by a fast path: see _parse_common.
_COMMON_RE = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) ([+-]\d{4})\Z")
# Jekyll's Document::DATE_FILENAME_MATCHER, applied to the file name.
_FILENAME_RE = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-([^/]*)(\.[^.]+)$")


class DateError(ValueError):
    """A value that is not one of the date forms Jekyll accepts."""


@dataclass(frozen=True)
class PostDate:
    value: datetime  # always aware
    has_offset: bool  # False when the site's time zone (or UTC, as Ruby does) was assumed


def parse(value: object, zone: tzinfo) -> PostDate:
    """Turn a front matter value into an aware datetime, following Jekyll.

    Years outside 1000-9999 are refused: RSS dates cannot carry them (a year 1 would be read
    back as 2001), and near datetime's limits converting between zones overflows.
    """
    if type(value) is str:
        common = _parse_common(value)
        if common is not None:
            return common
    return _parse_general(value, zone)


def _parse_general(value: object, zone: tzinfo) -> PostDate:
    """`parse` for any value: the reference that _parse_common must agree with."""
    parsed = _parse(value, zone)
    moment = parsed.value
    try:
        in_range = all(1000 <= m.year <= 9999 for m in (moment, moment.astimezone(zone)))
    except OverflowError:
        in_range = False
    if not in_range:
        raise DateError(f"{_text(value)!r} is out of range: use a year from 1000 to 9999")
    return parsed


def _parse_common(text: str) -> PostDate | None:
    """What `parse` gives for the usual ``2022-02-18 14:41:30 +0800``, or None to leave any
    other text to the general path (~3x its speed, and posts nearly all look like this).

    Such text matches DATE_PATTERN with the same groups, and this reads them the same way.
    A year of 1001-9998 stays within 1000-9999 in any zone (offsets are under a day), so
    the range check needs no conversion.
    """
    match = _COMMON_RE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        tz = _common_offset(offset)
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz
        )
    except ValueError:  # a DateError too: the general path says what is wrong
        return None
    return PostDate(moment, True) if 1000 < moment.year < 9999 else None


def _text(value: object) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _parse(value: object, zone: tzinfo) -> PostDate:
    if isinstance(value, datetime):
        value = value.replace(microsecond=0)  # Jekyll round-trips through Time#to_s: no fraction
        if value.tzinfo is None:  # unquoted YAML timestamp without a zone: Ruby says UTC
            return PostDate(value.replace(tzinfo=timezone.utc).astimezone(zone), False)
        return PostDate(value, True)
    if isinstance(value, date):
        return PostDate(datetime(value.year, value.month, value.day, tzinfo=zone), False)
    if isinstance(value, str):
        return _parse_string(value, zone)
    raise DateError(f"expected a date, got {type(value).__name__}")


def _parse_string(text: str, zone: tzinfo) -> PostDate:
    match = _DATE_RE.match(text)
    if not match:
        raise DateError(f"{text!r} is not a date (use e.g. 2022-02-18 14:41:30 +0800)")
    year, month, day, hour, minute, second, _fraction, offset = match.groups()
    try:
        naive = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
        )
    except ValueError as exc:
        raise DateError(f"{text!r} is not a valid date: {exc}") from None
    if offset is None:
        return PostDate(_localize(naive, zone), False)
    return PostDate(naive.replace(tzinfo=_offset(offset)), True)


def _localize(naive: datetime, zone: tzinfo) -> datetime:
    return naive.replace(tzinfo=zone)


def _offset(text: str) -> timezone:
    if text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise DateError(f"offset {text!r} is out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


@lru_cache(maxsize=256)
def _common_offset(text: str) -> timezone:
    """_offset, memoised: a site's posts share a handful of offsets."""
    return _offset(text)


def from_filename(name: str, zone: tzinfo) -> tuple[datetime, str] | None:
    """Date and slug from a Jekyll post file name (``YYYY-MM-DD-slug.ext``), or None.

    Raises DateError when the name has Jekyll's date shape but no real date (2022-13-45),
    which makes Jekyll abort the build.
    """
    match = _FILENAME_RE.match(name)
    if not match:
        return None
    year, month, day, slug, _ext = match.groups()
    try:
        when = datetime(_full_year(year), int(month), int(day), tzinfo=zone)
    except ValueError:
        raise DateError(f"'{year}-{month}-{day}' in the file name is not a valid date") from None
    return when, slug.rstrip(".")  # Document#populate_title: slugs never end with a period


def _full_year(text: str) -> int:
    """Ruby's Time.parse reads a two-digit year as 1969-2068."""
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 69 else 2000
    return year


def rfc3339(value: datetime) -> str:
    """``2022-02-18T14:41:30+08:00``: the post's own offset, seconds precision."""
    return value.isoformat(timespec="seconds")  # as replace(microsecond=0), at half the cost
