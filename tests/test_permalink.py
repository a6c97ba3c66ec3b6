"""Permalinks: each expectation is the page.url real Jekyll 4.3.1 built for the same post."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.permalink import (
    _STRFTIME,
    PLACEHOLDER_NAMES,
    PermalinkError,
    Placeholders,
    _date_part,
    _squeeze_slashes,
    escape_path,
    generate,
    slugify,
)
from feedkit.site import PERMALINK_STYLES
from feedkit.validate import categories_of, tags_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def url(style: str, slug: str, categories: list[str], when: str = "2022-03-23 00:00:00") -> str:
    moment = datetime.fromisoformat(when).replace(tzinfo=SHANGHAI)
    template = PERMALINK_STYLES.get(style, style)
    return generate(template, Placeholders(moment, slug, categories, slug))


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["emnews"], "/emnews/2022/03/23/c.html"),
        (["21shijijingjibaodao", "21caijingAPP"], "/21shijijingjibaodao/21caijingapp/2022/03/23/c.html"),
        (["财经新闻"], "/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB/2022/03/23/c.html"),
        (["anxinguojizhengquan(xianggang)"], "/anxinguojizhengquan(xianggang)/2022/03/23/c.html"),
        (["A&B"], "/a&b/2022/03/23/c.html"),
        (["a/b"], "/a/b/2022/03/23/c.html"),
        (["x y"], "/x%20y/2022/03/23/c.html"),
        (["News", "news"], "/news/2022/03/23/c.html"),
        (["财经\u3000新闻"], "/%E8%B4%A2%E7%BB%8F%E3%80%80%E6%96%B0%E9%97%BB/2022/03/23/c.html"),
        (["a..b"], "/a/b/2022/03/23/c.html"),
        (["/a//b/"], "/a/b/2022/03/23/c.html"),
        (["x."], "/x2022/03/23/c.html"),
        ([], "/2022/03/23/c.html"),
    ],
)  # fmt: skip
def test_categories_in_the_default_permalink(categories: list[str], expected: str) -> None:
    assert url("date", "c", categories) == expected


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("中文标题", "/2022/03/23/%E4%B8%AD%E6%96%87%E6%A0%87%E9%A2%98.html"),
        ("Hello World", "/2022/03/23/Hello-World.html"),
        ("a&b", "/2022/03/23/a&b.html"),
        ("UPPER", "/2022/03/23/UPPER.html"),
        ("dots.in.name", "/2022/03/23/dots.in.name.html"),
        ("t#t-hash", "/2022/03/23/t-t-hash.html"),
        ("t%20t-pct20", "/2022/03/23/t-20t-pct20.html"),
        ("t:t-colon", "/2022/03/23/t-t-colon.html"),
        ("t+t-plus", "/2022/03/23/t+t-plus.html"),
        ("t_t-under", "/2022/03/23/t_t-under.html"),
        ("tét-accent", "/2022/03/23/t%C3%A9t-accent.html"),
        ("安信国际证券（香港）-fwparen", "/2022/03/23/%E5%AE%89%E4%BF%A1%E5%9B%BD%E9%99%85%E8%AF%81%E5%88%B8-%E9%A6%99%E6%B8%AF-fwparen.html"),
        ("①-circled", "/2022/03/23/circled.html"),
        ("２０２２-fwdigit", "/2022/03/23/%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%92-fwdigit.html"),
        ("a..b", "/2022/03/23/a/b.html"),
        ("Custom Slug!", "/2022/03/23/Custom-Slug!.html"),
    ],
)  # fmt: skip
def test_titles_from_file_names(slug: str, expected: str) -> None:
    assert url("date", slug, []) == expected


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("date", "/finance/x%20y/2022/03/07/Hello-World.html"),
        ("pretty", "/finance/x%20y/2022/03/07/Hello-World/"),
        ("ordinal", "/finance/x%20y/2022/066/Hello-World.html"),
        ("none", "/finance/x%20y/Hello-World.html"),
        ("weekdate", "/finance/x%20y/2022/W10/Mon/Hello-World.html"),
        ("/:categories/:year/:month/:day/:title/", "/finance/x%20y/2022/03/07/Hello-World/"),
        ("/news/:year/:i_month/:i_day/:slug:output_ext", "/news/2022/3/7/hello-world.html"),
        ("/:title.html", "/Hello-World.html"),
        ("/:year/:month/:day/:title", "/2022/03/07/Hello-World"),
    ],
)
def test_permalink_styles(style: str, expected: str) -> None:
    assert url(style, "Hello World", ["Finance", "x y"], "2022-03-07 20:00:00") == expected


def test_weekdate_uses_the_calendar_year_like_jekyll() -> None:
    assert url("weekdate", "plain", [], "2022-01-02 00:00:00") == "/2022/W52/Sun/plain.html"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("/custom/path/", "/custom/path/"),
        ("/p/:year/:title/", "/p/2022/pp/"),
        ("custom-noslash", "/custom-noslash"),
        ("/a/../b/./c/", "/a/b/c/"),
    ],
)
def test_per_post_permalinks(template: str, expected: str) -> None:
    assert url(template, "pp", []) == expected


def test_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(PermalinkError, match=":nonexistent"):
        url("/p/:title/:nonexistent/", "x", [])


@pytest.mark.parametrize(
    ("text", "pretty", "default"),
    [
        ("Hello World", "Hello-World", "hello-world"),
        ("Custom Slug!", "Custom-Slug!", "custom-slug"),
        ("dots.in.name", "dots.in.name", "dots-in-name"),
        ("-lead-", "lead", "lead"),
    ],
)
def test_jekyll_slugify_modes(text: str, pretty: str, default: str) -> None:
    assert slugify(text, "pretty", cased=True) == pretty
    assert slugify(text) == default


@pytest.mark.parametrize(
    ("value", "expected"),
    [("x y", "x%20y"), ("x#y", "x%23y"), ("x%y", "x%25y"), ('x"y', "x%22y"), ("x<y", "x%3Cy"),
     ("x~y", "x~y"), ("x@y", "x@y"), ("x:y", "x:y"), ("x'y", "x'y"), ("x+y", "x+y"), ("a/b", "a/b")],
)  # fmt: skip
def test_escape_path_matches_jekyll(value: str, expected: str) -> None:
    assert escape_path(value) == expected


@pytest.mark.parametrize(
    ("front_matter", "categories", "tags"),
    [
        ({"categories": "21shijijingjibaodao 21caijingAPP"}, ["21shijijingjibaodao", "21caijingAPP"], []),
        ({"category": "a", "categories": "b c"}, ["b", "c", "a"], []),
        ({"category": "a", "categories": "a b"}, ["a", "b"], []),
        ({"category": ["one", "two"]}, ["one", "two"], []),
        ({"categories": [2022, "news"]}, ["2022", "news"], []),
        ({"categories": "财经\u3000新闻"}, ["财经\u3000新闻"], []),
        ({"categories": "a\u00a0b"}, ["a\u00a0b"], []),
        ({"categories": [True, None, 1.5]}, ["true", "1.5"], []),
        ({"tags": "a b"}, [], ["a", "b"]),
        ({"tags": ["x", 2022]}, [], ["x", "2022"]),
        ({"tag": "one", "tags": "two three"}, [], ["one"]),
        ({"tag": "a b"}, [], ["a b"]),
    ],
)  # fmt: skip
def test_categories_and_tags_are_collected_as_jekyll_does(
    front_matter: dict[str, object], categories: list[str], tags: list[str]
) -> None:
    assert categories_of(front_matter) == categories
    assert tags_of(front_matter) == tags


@given(st.text(max_size=30), st.lists(st.text(max_size=12), max_size=3))
def test_generated_urls_are_clean_paths(slug: str, categories: list[str]) -> None:
    path = url("date", slug, categories)
    assert path.startswith("/")
    assert "//" not in path and "/../" not in path and "/./" not in path
    assert " " not in path and "#" not in path


def test_question_mark_is_encoded_so_the_link_reaches_the_page() -> None:
    # Jekyll leaves "?" raw in page.url, which turns the rest into a query string; the page it
    # writes is at ".../b#c?d/...", so the working link needs %3F (and %23, which Jekyll does).
    assert url("date", "c", ["a", "b#c?d"]) == "/a/b%23c%3Fd/2022/03/23/c.html"


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30), st.booleans())
def test_ascii_fast_path_matches_the_general_rule(text: str, pretty: bool) -> None:
    from feedkit.permalink import _default_sub, _pretty_sub

    general = re.sub(r"^-|-$", "", _pretty_sub(text) if pretty else _default_sub(text))
    assert slugify(text, "pretty" if pretty else "default", cased=True) == general


# Fast paths against the general code: set e.g. 20000 for a thorough run.
EQUIVALENCE = settings(
    max_examples=int(os.environ.get("FEEDKIT_EQUIVALENCE_EXAMPLES", "300")), deadline=None
)
zones = st.one_of(
    st.timezones(),
    st.integers(min_value=-1439, max_value=1439).map(lambda m: timezone(timedelta(minutes=m))),
)
moments = st.datetimes(timezones=zones) | st.sampled_from(
    [datetime(1, 1, 1, tzinfo=SHANGHAI), datetime(999, 12, 31, tzinfo=SHANGHAI),
     datetime(1000, 1, 1, tzinfo=SHANGHAI), datetime(9999, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)]
)  # fmt: skip


@EQUIVALENCE
@given(moments, st.sampled_from(sorted(_STRFTIME)))
def test_date_parts_are_what_strftime_gives(moment: datetime, key: str) -> None:
    assert _date_part(moment, key) == moment.strftime(_STRFTIME[key])


names = st.text(max_size=8) | st.sampled_from(
    ["a b", "财经 新闻", "a/b", "x..y", "/a//b/", "A&B", "x."]
)
placeholder = st.sampled_from(sorted(PLACEHOLDER_NAMES)).flatmap(
    lambda name: st.sampled_from([f":{name}", f":{name}_", f":{name}x", f":{name}_x"])
)
literal = st.text(alphabet="/-._~%:aZ9 ?#中\u3000", max_size=4)
templates = st.lists(placeholder | literal | st.just(":nonexistent"), max_size=8).map("".join)


@EQUIVALENCE
@given(templates, moments, names, st.lists(names, max_size=3), names)
def test_placeholders_generate_what_every_value_in_a_mapping_gives(
    template: str, moment: datetime, slug: str, categories: list[str], basename: str
) -> None:
    """Placeholders skips collecting its names and formats dates without strftime."""
    reference = dict(Placeholders(moment, slug, categories, basename))
    reference.update((name, moment.strftime(form)) for name, form in _STRFTIME.items())
    values = Placeholders(moment, slug, categories, basename)
    assert _generated(template, values) == _generated(template, reference)


def _generated(template: str, values: Mapping[str, str]) -> str:
    try:
        return generate(template, values)
    except PermalinkError as exc:
        return f"PermalinkError {exc}"


@EQUIVALENCE
@given(st.text(alphabet="/a.", max_size=12))
def test_squeezing_slashes_is_the_substitution(text: str) -> None:
    assert _squeeze_slashes(text) == re.sub(r"/{2,}", "/", text)
