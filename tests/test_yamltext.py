"""yamltext.load's fast path for simple front matter against the full (libyaml) loader."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, EXAMPLE, FIXTURES
from feedkit import yamltext
from feedkit.load import _YAML_FRONT_MATTER

# YAMLTEXT_EXAMPLES=50000 for a long run
EXAMPLES = int(os.environ.get("YAMLTEXT_EXAMPLES", "500"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values that YAML 1.1 reads as another type than text, or nearly does.
NOT_TEXT = """
    yes Yes YES yEs no No NO on On ON oN off Off OFF true True TRUE tRue false False FALSE
    y Y n N null Null NULL nUll ~ 0 00 012 08 0o12 0x1F 0X1f 0b101 0b2 1_000 _1 -1 +1 +0 -0
    1:20 1:20:30 190:20:30.15 1:60 0:30 1.5 1. -.5 .5 ._ 1e5 1.0e+5 1.0E-5 1e+5 6.8523015e+5
    .inf .Inf .INF -.inf +.INF .nan .NaN .NAN NaN nan inf 2022 2022-01-01 2022-1-1 2022-02-30
    2022-01-01T12:00:00Z 2022-01-01t12:00:00z 2022-01-01T24:00:00 1_0:2 0x_ 9:99 1__2 0b_
    << = == ~~ http://x.org/a:b a:b a#b a,b [a] {a}
"""
LOOKALIKES = [
    *NOT_TEXT.split(),
    *["2022-01-01 12:00:00", "2022-01-01 12:00:00 +0800", "2022-01-01 12:00:00 +08:00"],
    *["2022-01-01 12:00:00.5 -5", "2022-01-01   1:02:03", "2001-12-14 21:59:43.10 -5"],
]
# fmt: off
SPECIAL = [
    *"-?:,[]{}#&*!|>'\"%@`.\\",  # indicators, quotes, escapes
    ": ", " #", " : ", ":\t", "\t#", "---", "...", "--- ", "... ", "- ", "? ", "!!str ", "&a ",
    "*a", "%YAML 1.1", "\\n", "\\u263a", "''", '""', "\\\"", "'a'", '"a"', "'a''b'",
    " ", "  ", "\t", "\n", "\n ", "\n\n", "\n- ", "\r", "\r\n", "\x85", "\u2028", "\u2029",
    "\ufeff", "\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x9f", "\xa0", "\u3000",
    "\ud800", "\ufffe", "\uffff", "\U0001f600", "é", "中文", "：", "＃",
]
# fmt: on
PLAIN = st.sampled_from(
    ["post", "a", "b c", "中文", "外汇局：创年内新高", "x-y_z", "1", "é", "A&B"]
)
TRICKY = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=3))
PIECES = st.one_of(PLAIN, st.sampled_from(LOOKALIKES), TRICKY)
COMMON_KEYS = st.sampled_from(["layout", "title", "date", "tags", "categories", "published", "a"])
QUOTES = st.sampled_from(["{}", "{}", '"{}"', "'{}'", '"{}', "{}'", "[{}]", "{{{}}}"])


def joined(pieces: st.SearchStrategy[str], min_size: int = 0) -> st.SearchStrategy[str]:
    return st.lists(pieces, min_size=min_size, max_size=4).map("".join)


@st.composite
def simple_lines(draw: st.DrawFn) -> str:
    """A line such as front matter has, whose key or value may look like another type."""
    pieces = st.one_of(PLAIN, st.sampled_from(LOOKALIKES))
    key = draw(joined(pieces, 1) if draw(st.sampled_from("cckkkkkkkk")) == "c" else COMMON_KEYS)
    value = draw(joined(pieces) if draw(st.booleans()) else st.sampled_from(LOOKALIKES))
    quotes = draw(st.sampled_from(["{}", '"{}"', "'{}'"]))
    if draw(st.sampled_from("ssssf")) == "f":  # a flow sequence: tags: [a, b]
        items = draw(st.lists(joined(pieces), max_size=4))
        separator = draw(st.sampled_from([", ", ",", " , ", ",  "]))
        pad, end = draw(st.sampled_from(["", "", " "])), draw(st.sampled_from(["", "", ",", " "]))
        value, quotes = f"[{pad}{separator.join(items)}{end}]", "{}"
    return key + ": " + quotes.format(value) + draw(st.sampled_from(["", " "]))


@st.composite
def nearly_simple(draw: st.DrawFn) -> str:
    """Simple lines with distinct keys, and maybe one tricky piece put anywhere."""
    lines = draw(st.lists(simple_lines(), min_size=1, max_size=7))
    text = "\n".join({line.partition(":")[0]: line for line in lines}.values())
    at = draw(st.integers(0, len(text)))
    piece = draw(TRICKY) if draw(st.sampled_from("tnnn")) == "t" else ""
    return text[:at] + piece + text[at:]


@st.composite
def wild_lines(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "", "", " ", "-", "? ", "\ufeff"]))
    separator = draw(st.sampled_from([": ", ": ", ":  ", ":", " : ", ":\t", "::", ": \t"]))
    line = prefix + draw(joined(PIECES, 1)) + separator + draw(QUOTES).format(draw(joined(PIECES)))
    return line + draw(st.sampled_from(["", "", "", " ", "  ", "\t", " # c", "#c", "\n", "\n  "]))


WILD = st.lists(st.one_of(wild_lines(), wild_lines(), simple_lines(), PIECES), max_size=7)


@st.composite
def documents(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from("sssssrw"))  # simple, with repeated keys, wild
    if kind == "s":
        return draw(nearly_simple())
    return "\n".join(draw(st.lists(simple_lines(), max_size=7) if kind == "r" else WILD))


def outcome(load: Callable[[str], Any], text: str) -> tuple[str, Any]:
    try:
        return "value", load(text)
    except yamltext.DuplicateKey as exc:
        assert exc.problem_mark is not None
        return "duplicate", (exc.key, exc.first_line, exc.problem_mark.line, str(exc))
    except Exception as exc:  # whatever the full loader raises, the same must be raised
        return type(exc).__name__, str(exc)


def same(a: Any, b: Any) -> bool:
    """Equal, with equal types all the way down (True == 1 == 1.0), and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return bool(a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


def check(text: str) -> tuple[Any, str]:
    """Assert that load(text) is what the full loader makes of it.

    Returns the fast path's result (None if it left `text` to the full loader) and whether the
    full loader returned a value, found a duplicate key or raised something else."""
    fast = yamltext._load_simple(text)
    expected = outcome(lambda t: yaml.load(t, Loader=yamltext.Loader), text)
    got = outcome(yamltext.load, text)
    assert got[0] == expected[0]
    assert same(got[1], expected[1]) if got[0] == "value" else got == expected
    assert fast is None or same(fast, expected[1])
    return fast, expected[0]


@PROPERTY
@given(documents())
@example("layout: post\ntitle: 'A: b # c'\ndate: 2022-12-31 23:59:09 +0800\ntags: 第一财经新闻\n")
@example("a: 1\nb: yes\nc: ~\nd:\ne: 2022-01-01\nf: 1:20\ng: .nan\nh: 0o17\ni: 017\n")
@example("a: x\nb: y\na: z\n")  # DuplicateKey, with its lines
@example("a: 2022-02-30\n")  # a timestamp that cannot be built
@example("<<: x\n=: y\n")
@example("...: x\n... x: y\n")
@example("a: b\n\n  \nc: d")
@example("")
@example("\n\n")
@example("k" * 129 + ": x\n" + "k" * 1025 + ": y\n")  # keys must be under 1024 characters
@example("a: 'it''s'\nb: \"x\\ty\"\nc: d # e\nd:e\nf: g:\nh: -1\ni: [x]\nj: |\n  k\n")
@example("\ufeffa: b\nc: d\r\ne: f\tg\n? h\ni :j\n")
@example("tags: [安信国际证券(香港)新闻, 湖北日报新闻]\na: [ 1 , yes,0x1F ]\nb: []\nc: [ ]\n")
@example("a: [x, y,]\nb: [, x]\nc: [x,,y]\nd: [x]y\ne: [x, [y]]\nf: [x: y]\ng: [-1, 'q']\n")
def test_fast_path_matches_the_full_loader(text: str) -> None:
    fast, result = check(text)
    event("fast path" if fast is not None else "full loader")
    event(f"the full loader's outcome: {result}")


def front_matters() -> dict[str, str]:
    """The YAML front matter of every file of the example site, the fixtures and the corpus."""
    files = [(root, p) for root in (EXAMPLE, FIXTURES, CORPUS) for p in sorted(root.rglob("*.*"))]
    texts = {
        f"{root.name}/{p.relative_to(root)}": p.read_text(encoding="utf-8", errors="replace")
        for root, p in files
        if p.is_file()
    }
    matches = {name: _YAML_FRONT_MATTER.match(text) for name, text in texts.items()}
    return {name: match.group(1) for name, match in matches.items() if match}


@pytest.mark.parametrize("text", front_matters().values(), ids=front_matters().keys())
def test_real_front_matter(text: str) -> None:
    check(text)


def test_the_fast_path_reads_typical_front_matter() -> None:
    text = (EXAMPLE / "_posts" / "2022-04-06-draft.md").read_text(encoding="utf-8")
    match = _YAML_FRONT_MATTER.match(text)
    assert match and yamltext._load_simple(match.group(1)) == {
        "layout": "post",
        "title": "草稿：不发布",
        "date": "2022-04-06 09:00:00 +0800",
        "categories": "emnews",
        "tags": "东财滚动新闻",
        "published": False,
    }


def test_the_fast_path_reads_other_types_as_yaml_1_1_does() -> None:
    text = "a: 0x1F\nb: 'yes'\nc: Off\nd: ~\ne:\nf: 1:20\ng: .5\nh: 2022-01-01\ni: 2022-01-01 1:02:03\n"
    assert yamltext._load_simple(text) == {
        "a": 31,
        "b": "yes",
        "c": False,
        "d": None,
        "e": None,
        "f": 80,
        "g": 0.5,
        "h": date(2022, 1, 1),
        "i": datetime(2022, 1, 1, 1, 2, 3),
    }
    assert yamltext._load_simple("") is None and yamltext.load("") is None


def test_the_fast_path_reads_one_line_flow_sequences() -> None:
    text = "tags: [安信国际证券(香港)新闻, 湖北日报新闻]\na: [1, yes, x y]\nb: []\n"
    assert yamltext._load_simple(text) == {
        "tags": ["安信国际证券(香港)新闻", "湖北日报新闻"],
        "a": [1, True, "x y"],
        "b": [],
    }
    first, second = (yamltext.load("tags: [a, b]\n") for _ in range(2))  # a cached line
    first["tags"].append("c")
    assert second == {"tags": ["a", "b"]}
