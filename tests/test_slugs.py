"""slugify(): tag and category names become one safe, bounded, stable file-name segment."""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.slugs import MAX_SLUG_BYTES, slugify

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# Every code point Python can hold, lone surrogates included: names can come from
# os.fsdecode() with surrogateescape, so slugify() must cope with them.
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=80)
# Long names, mostly multi-byte, so the byte limit and the digest suffix are exercised.
long_text = st.text(any_char, min_size=40, max_size=400)
modes = st.sampled_from(["unicode", "ascii"])

FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def assert_safe_segment(slug: str) -> None:
    """One path segment that cannot escape the output folder, hide itself or break a name."""
    assert slug not in {"", ".", ".."}
    assert not slug.startswith(".")
    for separator in {"/", "\\", os.sep, os.altsep or "/"}:
        assert separator not in slug
    assert "\x00" not in slug
    assert not any(unicodedata.category(ch) in FORBIDDEN_CATEGORIES for ch in slug), slug
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES


# --- examples ----------------------------------------------------------------------------


def test_chinese_tag_is_kept_as_written() -> None:
    assert slugify("银川新闻网新闻") == "银川新闻网新闻"


def test_letters_are_lower_cased() -> None:
    assert slugify("PyCon") == "pycon"
    assert slugify("ÉTÉ") == "été"


def test_spaces_become_single_dashes() -> None:
    assert slugify("hello world") == "hello-world"
    assert slugify("hello   \t world") == "hello-world"
    assert slugify("  padded  ") == "padded"


@pytest.mark.parametrize(
    ("name", "forbidden"),
    [
        ("news/2021", "/"),
        ("../../etc/passwd", "/"),
        ("back\\slash", "\\"),
        ("..\\..\\windows", "\\"),
        ("nul\x00byte", "\x00"),
        ("two\nlines", "\n"),
        ("\u200fright-to-left", "\u200f"),
        ("bidi\u202eoverride", "\u202e"),
        ("zero\u200bwidth", "\u200b"),
        ("zero\u200cnon-joiner", "\u200c"),
        ("zero\u200djoiner", "\u200d"),
        ("\ufeffbyte-order-mark", "\ufeff"),
        ("word\u2060joiner", "\u2060"),
    ],
)
def test_unsafe_and_invisible_characters_never_reach_the_slug(name: str, forbidden: str) -> None:
    slug = slugify(name)
    assert forbidden not in slug
    assert_safe_segment(slug)


def test_visible_text_survives_around_removed_characters() -> None:
    assert slugify("a\u200bb") == "ab"
    assert slugify("\u200fabc") == "abc"
    assert slugify("a/b\\c") == "a-b-c"


@pytest.mark.parametrize("name", [".", "..", "...", ". .", "./..", ".hidden", "..secret", "-.-"])
def test_dot_names_never_become_dot_segments_or_hidden_files(name: str) -> None:
    slug = slugify(name)
    assert slug not in {".", ".."}
    assert not slug.startswith(".")
    assert_safe_segment(slug)


def test_dot_names_keep_their_visible_part() -> None:
    assert slugify(".hidden") == "hidden"
    assert slugify("../../etc/passwd") == "etc-passwd"


@pytest.mark.parametrize("name", ["", " ", "/", "\x00", "\u200b", "...", "???", "\ud800"])
def test_names_with_nothing_usable_still_give_a_non_empty_slug(name: str) -> None:
    slug = slugify(name)
    assert slug
    assert_safe_segment(slug)


def test_names_with_nothing_usable_stay_apart() -> None:
    assert slugify("/") != slugify("?")
    assert slugify("") != slugify(" ")


@pytest.mark.parametrize("name", ["新" * 200, "x" * 1000, "é" * 300, "👩‍👩‍👧" * 60])
def test_very_long_names_fit_the_byte_limit(name: str) -> None:
    slug = slugify(name)
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES
    assert_safe_segment(slug)


@pytest.mark.parametrize("mode", ["unicode", "ascii"])
@pytest.mark.parametrize("unit", ["x", "新", "é", "a b/"])
def test_long_names_sharing_a_300_char_prefix_get_different_slugs(unit: str, mode: str) -> None:
    prefix = (unit * 300)[:300]
    first = slugify(prefix + "alpha", mode)
    second = slugify(prefix + "omega", mode)
    assert first != second
    assert len(first.encode("utf-8")) <= MAX_SLUG_BYTES
    assert len(second.encode("utf-8")) <= MAX_SLUG_BYTES


def test_ascii_mode_transliterates_chinese() -> None:
    slug = slugify("站长消息", "ascii")
    assert slug
    assert slug.isascii()
    assert slug.isalnum()  # a transliteration, not a digest fallback


def test_ascii_mode_drops_accents() -> None:
    assert slugify("Café Crème", "ascii") == "cafe-creme"


def test_nfc_and_nfd_forms_give_the_same_slug() -> None:
    nfc = unicodedata.normalize("NFC", "café")
    nfd = unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    assert slugify(nfc) == slugify(nfd) == "café"
    assert slugify(nfc, "ascii") == slugify(nfd, "ascii") == "cafe"


@pytest.mark.parametrize("mode", ["unicode", "ascii"])
def test_long_nfc_and_nfd_names_give_the_same_slug(mode: str) -> None:
    # Long enough to be truncated, so the digest suffix must come from the normalised name.
    name = "café " * 60
    nfc = unicodedata.normalize("NFC", name)
    nfd = unicodedata.normalize("NFD", name)
    slug = slugify(nfc, mode)
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES
    assert slugify(nfd, mode) == slug


# --- properties --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(any_text, modes)
def test_any_name_gives_one_safe_path_segment(name: str, mode: str) -> None:
    assert_safe_segment(slugify(name, mode))


@PROPERTY_SETTINGS
@given(long_text, modes)
def test_any_long_name_fits_the_byte_limit(name: str, mode: str) -> None:
    assert len(slugify(name, mode).encode("utf-8")) <= MAX_SLUG_BYTES


@PROPERTY_SETTINGS
@given(st.one_of(any_text, long_text), modes)
def test_slugify_is_deterministic(name: str, mode: str) -> None:
    copy = "".join(list(name))  # an equal but distinct string object
    assert slugify(name, mode) == slugify(copy, mode)


@PROPERTY_SETTINGS
@given(st.one_of(any_text, long_text))
def test_ascii_mode_output_is_ascii(name: str) -> None:
    slug = slugify(name, "ascii")
    assert slug.isascii()
    assert_safe_segment(slug)


@PROPERTY_SETTINGS
@given(st.one_of(any_text, long_text), modes)
def test_canonically_equivalent_names_give_the_same_slug(name: str, mode: str) -> None:
    nfc = unicodedata.normalize("NFC", name)
    nfd = unicodedata.normalize("NFD", name)
    assert slugify(nfc, mode) == slugify(nfd, mode)


@PROPERTY_SETTINGS
@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=40), modes)
def test_slugify_is_idempotent_on_its_own_output(name: str, mode: str) -> None:
    slug = slugify(name, mode)
    assert slugify(slug, mode) == slug
