"""Front matter validation: the compiled fast check never disagrees with jsonschema."""

from __future__ import annotations

from typing import Any

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.resources import load_schema
from feedkit.validate import _compile, _passes

SCHEMA = load_schema("post.schema.json")
AUTHORITY = jsonschema.Draft202012Validator(SCHEMA)
FAST = _compile(SCHEMA)

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
