"""Post dates: every expectation here is what Jekyll 4.3.1 gave the same front matter."""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit import dates
from feedkit.resources import load_schema

SHANGHAI = ZoneInfo("Asia/Shanghai")


def front_matter_date(line: str) -> object:
    """The value PyYAML gives for a `date:` line, as the loader would see it."""
    return yaml.safe_load(line)["date"]


@pytest.mark.parametrize(
    ("line", "shown", "has_offset"),
    [
        ("date: 2022-02-18 14:41:30 +0800", "2022-02-18T14:41:30+08:00", True),
        # unquoted, no zone: Ruby's YAML says UTC, Jekyll shows it in the site zone: next day
        ("date: 2022-03-07 20:00:00", "2022-03-08T04:00:00+08:00", False),
        ("date: 2022-03-07 23:30:00", "2022-03-08T07:30:00+08:00", False),
        # quoted: a string, parsed in the site zone
        ('date: "2022-03-07 20:00:00"', "2022-03-07T20:00:00+08:00", False),
        ("date: 2022-03-07", "2022-03-07T00:00:00+08:00", False),
        ('date: "2022-03-07"', "2022-03-07T00:00:00+08:00", False),
        ("date: 2022-03-07T20:00:00Z", "2022-03-07T20:00:00+00:00", True),
        ("date: 2022-03-07 20:00:00 +08:00", "2022-03-07T20:00:00+08:00", True),
        ('date: "2022-03-07 20:00:00 +0800"', "2022-03-07T20:00:00+08:00", True),
        ("date: 2022-03-07 20:00:00.5 -0500", "2022-03-07T20:00:00-05:00", True),
        ('date: "2022-03-07 20:00"', "2022-03-07T20:00:00+08:00", False),
        # without seconds it is no YAML timestamp: a string, read in the site zone
        ("date: 2022-03-07 20:00", "2022-03-07T20:00:00+08:00", False),
        ("date: 2022-03-07 20:00:00 UTC", "2022-03-07T20:00:00+00:00", True),
    ],
)
def test_front_matter_dates_follow_jekyll(line: str, shown: str, has_offset: bool) -> None:
    parsed = dates.parse(front_matter_date(line), SHANGHAI)
    assert dates.rfc3339(parsed.value) == shown
    assert parsed.has_offset is has_offset


@pytest.mark.parametrize(
    ("line", "url_day"),
    [
        ("date: 2022-03-07 20:00:00", "2022/03/08"),
        ('date: "2022-03-07 20:00:00"', "2022/03/07"),
        ("date: 2022-03-07T20:00:00Z", "2022/03/08"),
        ("date: 2022-03-07 20:00:00 -0500", "2022/03/08"),
        ("date: 2022-03-07 20:00:00 +0800", "2022/03/07"),
    ],
)
def test_the_url_day_is_the_day_in_the_site_zone(line: str, url_day: str) -> None:
    value = dates.parse(front_matter_date(line), SHANGHAI).value
    assert value.astimezone(SHANGHAI).strftime("%Y/%m/%d") == url_day


@pytest.mark.parametrize(
    "text",
    ["+0800", "", "not a date", "2022-02-30 10:00:00 +0800", "2022-03-07 25:00:00", "20:00:00 +0800",
     "2022-03-07 20:00:00 CST", "2022-03-07 20:00:00 +2500"],
)  # fmt: skip
def test_malformed_dates_are_errors(text: str) -> None:
    with pytest.raises(dates.DateError):
        dates.parse(text, SHANGHAI)


def test_non_date_values_are_errors() -> None:
    with pytest.raises(dates.DateError, match="expected a date, got int"):
        dates.parse(20220307, SHANGHAI)


@pytest.mark.parametrize(
    ("name", "day", "slug"),
    [
        ("2022-03-23-中文标题.md", "2022-03-23", "中文标题"),
        ("2022-3-5-short.md", "2022-03-05", "short"),
        ("22-03-23-two-digit-year.md", "2022-03-23", "two-digit-year"),
        ("2022-03-23-trailing.dot..md", "2022-03-23", "trailing.dot"),
        ("2022-03-23-dots.in.name.md", "2022-03-23", "dots.in.name"),
    ],
)
def test_file_name_dates_are_midnight_in_the_site_zone(name: str, day: str, slug: str) -> None:
    found = dates.from_filename(name, SHANGHAI)
    assert found is not None
    when, got_slug = found
    assert when == datetime.fromisoformat(day).replace(tzinfo=SHANGHAI)
    assert got_slug == slug


@pytest.mark.parametrize("name", ["-202205262391921712.md", "202205262391921712.md", "notes.md"])
def test_names_without_a_date_are_not_posts(name: str) -> None:
    assert dates.from_filename(name, SHANGHAI) is None


def test_a_date_shaped_but_impossible_file_name_is_an_error() -> None:
    with pytest.raises(dates.DateError, match="'2022-13-45' in the file name"):
        dates.from_filename("2022-13-45-bad.md", SHANGHAI)


def test_schema_date_pattern_is_the_parsers_pattern() -> None:
    schema = load_schema("post.schema.json")
    assert schema["$defs"]["date"]["oneOf"][0]["pattern"] == dates.DATE_PATTERN


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)


@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    offsets,
)
def test_jekyll_style_text_round_trips(moment: datetime, offset: timezone) -> None:
    aware = moment.replace(microsecond=0, tzinfo=offset)
    text = aware.strftime("%Y-%m-%d %H:%M:%S %z")
    assert re.match(dates.DATE_PATTERN, text)
    parsed = dates.parse(text, SHANGHAI)
    assert parsed.value == aware and parsed.value.utcoffset() == aware.utcoffset()


@given(st.dates(min_value=date(1000, 1, 1)), st.times())
def test_yaml_timestamps_survive_the_schema_and_the_parser(day: date, time: object) -> None:
    """What PyYAML gives for an unquoted timestamp passes the schema pattern and parses."""
    from feedkit.validate import _Plain

    moment = datetime.combine(day, time)  # type: ignore[arg-type]
    as_json = json.loads(json.dumps(_Plain().convert({"date": moment})))["date"]
    assert re.match(dates.DATE_PATTERN, as_json)
    assert dates.parse(moment, SHANGHAI).value == moment.replace(microsecond=0, tzinfo=timezone.utc)


@given(st.text(max_size=40))
def test_parse_never_raises_anything_but_date_error(text: str) -> None:
    try:
        parsed = dates.parse(text, SHANGHAI)
    except dates.DateError:
        return
    assert parsed.value.tzinfo is not None


@given(st.datetimes(timezones=st.timezones()))
def test_rfc3339_drops_the_fraction_and_keeps_the_offset(moment: datetime) -> None:
    """Seconds precision whatever the microseconds, the offset as isoformat writes it."""
    assert dates.rfc3339(moment) == moment.replace(microsecond=0).isoformat()


# The fast path for "2022-02-18 14:41:30 +0800" against the general parser: same PostDate
# (offset and zone included, hence repr) or the same error. Set e.g. 20000 for a thorough run.
EQUIVALENCE = settings(
    max_examples=int(os.environ.get("FEEDKIT_EQUIVALENCE_EXAMPLES", "300")), deadline=None
)


def _common_text(moment: datetime, sign: str, hours: int, minutes: int) -> str:
    return f"{moment.year:04d}-{moment:%m-%d %H:%M:%S} {sign}{hours:02d}{minutes:02d}"


EDGE_MOMENTS = [datetime(1, 1, 1), datetime(999, 12, 31, 23, 59, 59), datetime(1000, 1, 1),
                datetime(1000, 12, 31, 23), datetime(1001, 1, 1), datetime(9998, 12, 31, 23, 59, 59),
                datetime(9999, 1, 1), datetime(9999, 12, 31, 23, 59, 59)]  # fmt: skip
common_texts = st.builds(
    _common_text,
    st.datetimes(datetime(1001, 1, 1), datetime(9998, 12, 31)) | st.sampled_from(EDGE_MOMENTS),
    st.sampled_from("+-"),
    st.integers(0, 25),  # past 23 and 59: no offset
    st.integers(0, 60),
)


@st.composite
def _edited(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A text with a few characters replaced, inserted or deleted: near misses of its form,
    some still of the form (another digit, including those \\d and int() accept)."""
    chars = list(draw(texts))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(chars) - 1))
        char = draw(st.sampled_from("0159٣０ T:-+\n\tx."))
        edit = draw(st.sampled_from(["replace", "replace", "insert", "delete"]))
        chars[at : at + (edit != "insert")] = [] if edit == "delete" else [char]
    return "".join(chars)


common_shaped = common_texts | _edited(common_texts)
zones = st.one_of(
    st.timezones(),
    st.sampled_from(
        [SHANGHAI, timezone.utc, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Etc/GMT+12")]
    ),
    offsets,
    st.integers(min_value=-1439, max_value=1439).map(lambda m: timezone(timedelta(minutes=m))),
)


@EQUIVALENCE
@given(common_shaped | st.text(alphabet="0123456789-: +T\n", max_size=30), zones)
def test_the_common_form_parses_as_the_general_path_does(text: str, zone: tzinfo) -> None:
    assert _parsed(dates.parse, text, zone) == _parsed(dates._parse_general, text, zone)


@EQUIVALENCE
@given(
    st.datetimes(timezones=st.none() | st.timezones() | offsets)
    | st.dates()
    | st.text(max_size=30),
    zones,
)
def test_any_value_parses_as_the_general_path_does(value: object, zone: tzinfo) -> None:
    assert _parsed(dates.parse, value, zone) == _parsed(dates._parse_general, value, zone)


def _parsed(parse: Any, value: object, zone: tzinfo) -> str:
    try:
        return repr(parse(value, zone))
    except dates.DateError as exc:
        return f"DateError {exc}"


def test_the_common_form_takes_the_fast_path() -> None:
    assert dates._parse_common("2022-02-18 14:41:30 +0800") == dates._parse_general(
        "2022-02-18 14:41:30 +0800", SHANGHAI
    )
    for text in ["2022-02-30 10:00:00 +0800", "0999-01-01 00:00:00 +0800",
                 "2022-02-18 14:41:30 +2400", "2022-02-18 14:41:30 +0800\n"]:  # fmt: skip
        assert dates._parse_common(text) is None
