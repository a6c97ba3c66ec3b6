"""Front matter validation: the compiled fast check never disagrees with jsonschema."""

from __future__ import annotations

import json
import math
import os
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.fastschema import simplify
from feedkit.resources import load_schema
from feedkit.validate import (
    _compile,
    _passes,
    _Plain,
    _plural,
    _singular_or_plural,
    _unique,
    _Unreadable,
    categories_of,
)

SCHEMA = load_schema("post.schema.json")
AUTHORITY = jsonschema.Draft202012Validator(SCHEMA)
FAST = _compile(SCHEMA)
RESTATED = _compile(simplify(SCHEMA))  # what Validator runs
# Fast paths against the general code: set e.g. 20000 for a thorough run.
EQUIVALENCE = settings(
    max_examples=int(os.environ.get("FEEDKIT_EQUIVALENCE_EXAMPLES", "300")), deadline=None
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["2022-02-18 14:41:30 +0800", "2022-03-07", "+0800", "", " ", "2022-3-7 8:00"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = ["title", "date", "updated", "last_modified_at", "categories", "category", "tags", "tag",
        "author", "description", "excerpt", "summary", "image", "permalink", "published", "lang",
        "slug", "id", "layout"]  # fmt: skip
front_matter = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


def test_the_post_schema_compiles() -> None:
    assert FAST is not None


@settings(max_examples=500, deadline=None)
@given(front_matter)
def test_fast_check_agrees_with_jsonschema(document: dict[str, Any]) -> None:
    assert FAST is not None
    assert _passes([FAST], document) == AUTHORITY.is_valid(document)


# Every field's edges: the values each branch of the schema tells apart, and near misses.
EDGES = ("\t", "\n", "\u3000", "\u200b", "x", "0", "/a.png", "2022-02-18T14:41:30+08:00",
         "2022-02-18 14:41:30 +0800\n", " 2022-02-18 ", "2022-02-18 14:41", "2022-02-18 14:41:30 +08",
         "2022-02-18 14:41:30 CST", "２０２２-０２-１８", 0, 1.5, -0.0, 10**30, True, False, None)  # fmt: skip
edge_scalars = st.one_of(scalars, st.sampled_from(EDGES))
edge_values = st.recursive(
    edge_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["name", "uri", "path", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
# Values no JSON document holds but YAML or TOML front matter can: the restated schema must
# still decide as the schema as written does (jsonschema is no authority on these).
python_values = st.recursive(
    st.one_of(
        edge_scalars,
        st.binary(max_size=3),
        st.decimals(allow_nan=False, places=2),
        st.sampled_from([math.nan, math.inf, time(1), frozenset({1}), {2}]),
        st.tuples(edge_scalars, edge_scalars),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.sampled_from(["name", "uri", "path", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)


def _rarely(odd: st.SearchStrategy[Any], usual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`odd` one time in ten: documents pass as often as not, and fail on any one field."""
    return st.integers(0, 9).flatmap(lambda n: odd if n == 0 else usual)


def _documents(odd: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Front matter of mostly allowed values, `odd` among them (and inside their lists and
    mappings) now and then: a title nine times in ten, and up to five other keys."""
    texts = st.text(max_size=6) | st.sampled_from(["x", " x ", "\u3000"])
    numbers = st.integers() | st.floats(allow_nan=False)
    name = _rarely(odd, st.none() | texts | numbers)
    mapping = st.dictionaries(st.sampled_from(["name", "email", "uri", "url", "path", "x"]),
                              _rarely(odd, texts), max_size=3)  # fmt: skip
    dates = st.sampled_from(["2022-02-18 14:41:30 +0800", "2022-02-18", "2022-3-7 8:00",
                             "2022-02-18T14:41:30Z", " 2022-02-18 14:41:30.5 UTC "])  # fmt: skip
    allowed = {
        "title": texts | numbers | st.sampled_from(["\t", "", " "]),
        "date": dates, "updated": dates, "last_modified_at": dates,
        "categories": name | st.lists(name, max_size=3),
        "author": st.none() | texts | mapping, "image": st.none() | texts | mapping,
        "permalink": texts, "published": st.booleans(), "slug": texts | numbers,
        "description": st.none() | texts, "layout": odd,
    }  # fmt: skip
    like = {"category": "categories", "tags": "categories", "tag": "categories", "id": "slug",
            "excerpt": "description", "summary": "description", "lang": "description"}  # fmt: skip
    fields = {key: _rarely(odd, allowed[like.get(key, key)]) for key in KEYS}
    keys = st.tuples(
        st.integers(0, 9), st.lists(st.sampled_from(KEYS[1:]), max_size=5, unique=True)
    )
    return keys.flatmap(
        lambda p: st.fixed_dictionaries({k: fields[k] for k in (["title"] if p[0] else []) + p[1]})
    )


@EQUIVALENCE
@given(_documents(edge_values))
def test_the_restated_schema_accepts_what_jsonschema_accepts(document: dict[str, Any]) -> None:
    assert RESTATED is not None and FAST is not None
    verdict = AUTHORITY.is_valid(document)
    assert _passes([RESTATED], document) == verdict
    assert _passes([FAST], document) == verdict


@EQUIVALENCE
@given(_documents(python_values))
def test_the_restated_schema_decides_as_the_written_one(document: dict[str, Any]) -> None:
    assert RESTATED is not None and FAST is not None
    assert _passes([RESTATED], document) == _passes([FAST], document)


def test_the_post_schema_is_restated_without_a_oneof() -> None:
    """No oneOf is left to compile into exceptions; the schema as loaded is left alone."""
    schema = load_schema("post.schema.json")
    restated = simplify(schema)
    assert schema == load_schema("post.schema.json")
    assert "oneOf" not in json.dumps(restated)
    assert restated["properties"]["title"] == {
        "type": ["string", "number"], "minLength": 1, "pattern": "\\S"
    }  # fmt: skip


@pytest.mark.parametrize(
    "one_of",
    [
        [{"type": "integer"}, {"type": "number"}],  # overlapping types
        [{"type": "string"}, {"type": ["null", "string"]}],
        [{"type": "null", "minLength": 1}, {"type": "string"}],  # minLength would reach strings
        [{"type": "string", "enum": ["a"]}, {"type": "null"}],  # a keyword for every type
        [{"minLength": 1}, {"type": "null"}],  # no type
        [{"$ref": "#/$defs/missing"}, {"type": "null"}],
    ],
)
def test_a_oneof_that_cannot_be_merged_is_kept(one_of: list[dict[str, Any]]) -> None:
    schema = {"properties": {"x": {"oneOf": one_of}}}
    assert simplify(schema) == schema


def test_a_oneof_beside_other_keywords_is_kept() -> None:
    schema = {"properties": {"x": {"oneOf": [{"type": "null"}], "not": {"type": "null"}}}}
    assert simplify(schema) == schema


plain_keys = st.one_of(st.text(max_size=3), st.integers(0, 3), st.booleans(), st.none())
plain_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.sampled_from(["\ud800", "a\udfff", "\U0001f600"]),
)
plain_values = st.recursive(
    plain_scalars
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(timezone.utc))
    | st.times()
    | st.binary(max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(plain_keys, inner, max_size=3),
    max_leaves=5,
)
# Flat documents of text keys (the fast path's), with now and then a value it leaves alone.
plain_documents = st.dictionaries(
    st.text(max_size=3), _rarely(plain_values, plain_scalars), max_size=6
) | st.dictionaries(plain_keys, plain_values, max_size=6)


@EQUIVALENCE
@given(plain_documents, st.integers(min_value=1, max_value=12))
def test_plain_front_matter_converts_as_the_general_walk_does(
    document: dict[Any, Any], limit: int
) -> None:
    fast, general = _Plain(limit), _Plain(limit)
    assert _outcome(fast.convert, document) == _outcome(lambda d: general.walk(d, []), document)
    assert fast.values == general.values


def _outcome(convert: Any, document: dict[Any, Any]) -> tuple[str, Any]:
    try:
        return "ok", repr(convert(document))
    except _Unreadable as exc:
        return "unreadable", (exc.path, exc.message, exc.field)


def test_plain_front_matter_is_copied() -> None:
    document = {"title": "T", "date": "2022-02-18 14:41:30 +0800", "n": 1.5, "x": None}
    converted = _Plain().convert(document)
    assert converted == document and converted is not document
    assert _Plain().convert({"date": date(2022, 2, 18)}) == {"date": "2022-02-18"}
    moment = datetime(2022, 2, 18, 14, 41, 30)
    assert _Plain().convert({"date": moment, "t": time(1)}) == {
        "date": "2022-02-18 14:41:30", "t": time(1)
    }  # fmt: skip
    assert _Plain().convert({"d": Decimal(1)}) == {"d": Decimal(1)}


@EQUIVALENCE
@given(st.dictionaries(st.sampled_from(["categories", "category", "tags"]), edge_values))
def test_categories_are_collected_as_jekyll_adds_them(front_matter: dict[str, Any]) -> None:
    """Without a ``category``, Jekyll adds ``categories`` twice: the names are the same."""
    plural = _plural(front_matter.get("categories"))
    added = _singular_or_plural(front_matter, "category", "categories")
    assert categories_of(front_matter) == _unique([*plural, *added])
