"""render.py: safe feed HTML with absolute URLs, clean summaries and clean truncation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html.parser import HTMLParser
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.model import Post
from feedkit.render import ELLIPSIS, SUMMARY_LENGTH, render, sanitise, summarise, truncate, xml_text

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

BASE = "https://finews.withounder.com/emnews/2021/12/08/x.html"
FOLDER = "https://finews.withounder.com/emnews/2021/12/08/"

# XML 1.0, production [2] Char, written out from the spec.
XML_CHAR = re.compile("[\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")

EM_STOCK_SHAPE = (
    '<p style="display:none;height:1px;overflow:hidden;"><br /></p>'
    "<!-- EM_StockImg_Start -->"
    '<p style="text-align:center;"><a href="http://quote.eastmoney.com/x">'
    '<img src="https://x/y.png" alt="K图 601336_0" /></a></p>'
    "<!-- EM_StockImg_End -->"
    "<p>“新华铁军”，曾共同谱写了...</p>"
)

FAMILY = "👩\u200d👩\u200d👧"
FLAG_CN = "🇨🇳"
E_ACUTE = "e\u0301"


class _Markup(HTMLParser):
    """Records the tags and attributes of sanitised output (what a browser would see)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def attribute_values(html: str, name: str) -> list[str]:
    return [value for _, attr, value in markup(html).attributes if attr == name]


def url_scheme(value: str) -> str:
    """The scheme a browser would see: leading C0/space trimmed, tab and newlines ignored."""
    value = re.sub("[\t\n\r]", "", value).lstrip("".join(map(chr, range(0x21))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", value)
    return match.group(1).lower() if match else ""


def assert_xml_chars_only(text: str) -> None:
    assert XML_CHAR.fullmatch(text), [hex(ord(ch)) for ch in text if not XML_CHAR.fullmatch(ch)]


def make_post(body: str, *, markdown: bool, description: str | None = None) -> Post:
    when = datetime(2021, 12, 8, 9, 30, tzinfo=timezone.utc)
    return Post(
        path="_posts/2021-12-08-x.md",
        title="x",
        date=when,
        updated=when,
        categories=(),
        tags=(),
        url=BASE,
        id=BASE,
        body=body,
        markdown=markdown,
        date_has_offset=True,
        description=description,
    )


# --- sanitise: what is removed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "gone"),
    [
        ("<script>alert('pwned')</script><p>ok</p>", "pwned"),
        ("<SCRIPT type='text/javascript'>steal()</SCRIPT><p>ok</p>", "steal"),
        ("<style>p { color: red }</style><p>ok</p>", "color"),
        ('<iframe src="https://evil.example/"></iframe><p>ok</p>', "evil"),
    ],
)
def test_sanitise_removes_script_style_and_iframe_with_their_content(html: str, gone: str) -> None:
    out = sanitise(html, BASE)
    assert gone not in out
    assert not {"script", "style", "iframe"} & set(markup(out).tags)
    assert "<p>ok</p>" in out


def test_sanitise_removes_style_attributes() -> None:
    out = sanitise('<p style="position:fixed;top:0">text</p>', BASE)
    assert out == "<p>text</p>"


@pytest.mark.parametrize(
    "html",
    [
        '<img src="a.png" onerror="alert(1)">',
        '<img src="a.png" ONERROR="alert(1)">',
        "<p onclick=\"alert('x')\">text</p>",
        '<a href="/a" onmouseover="alert(1)">link</a>',
        '<svg onload="alert(1)"><circle r="1"/></svg>',
        '<body onload="alert(1)"><p>text</p></body>',
    ],
)
def test_sanitise_removes_event_handlers(html: str) -> None:
    out = sanitise(html, BASE)
    assert not [name for _, name, _ in markup(out).attributes if name.startswith("on")]
    assert "alert" not in out


def test_sanitise_keeps_the_image_whose_event_handler_it_removed() -> None:
    out = sanitise('<img src="a.png" alt="chart" onerror="alert(1)">', BASE)
    assert out == f'<img src="{FOLDER}a.png" alt="chart">'


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;&#x61;vascript:alert(1)",
        "java&#x09;script:alert(1)",
        "java\nscript:alert(1)",
        "  javascript:alert(1)",
        "&#1;javascript:alert(1)",
        "javascript&colon;alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DaTa:text/html,<script>alert(1)</script>",
    ],
)
def test_sanitise_removes_script_and_data_urls_from_links(href: str) -> None:
    out = sanitise(f'<a href="{href}">click</a>', BASE)
    assert attribute_values(out, "href") == []
    assert "click" in out
    assert "script:" not in out.lower()
    assert "data:" not in out.lower()


@pytest.mark.parametrize(
    "src",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:x", "data:image/png;base64,AA"],
)
def test_sanitise_removes_script_and_data_urls_from_images(src: str) -> None:
    out = sanitise(f'<img src="{src}" alt="pic">', BASE)
    assert attribute_values(out, "src") == []
    assert attribute_values(out, "alt") == ["pic"]


@pytest.mark.parametrize(
    "html",
    [
        '<base href="https://evil.example/">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<form action="https://evil.example/"><input name="pw"><button>go</button></form>',
        '<object data="https://evil.example/x.swf"></object>',
        '<embed src="https://evil.example/x.swf">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
    ],
)
def test_sanitise_removes_page_altering_elements(html: str) -> None:
    out = sanitise(html + "<p>after</p>", BASE)
    assert "evil.example" not in out
    assert set(markup(out).tags) == {"p"}


def test_sanitise_removes_html_comments() -> None:
    out = sanitise(
        "<!-- EM_StockImg_Start --><p>x</p><!--[if IE]><script>a</script><![endif]-->", BASE
    )
    assert out == "<p>x</p>"
    assert markup(out).comments == []


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"]
)
def test_sanitise_strips_control_characters(char: str) -> None:
    out = sanitise(f'<p title="a{char}b">a{char}b</p>', BASE)
    assert char not in out
    assert "ab" in out


@pytest.mark.parametrize("ref", ["&#1;", "&#x0B;", "&#x1F;", "&#xFFFE;", "&#xFFFF;", "&#0;"])
def test_sanitise_strips_control_characters_written_as_character_references(ref: str) -> None:
    # nh3 decodes character references, so the check has to happen after cleaning too.
    out = sanitise(f'<p>a{ref}b</p><img src="x.png" alt="c{ref}d">', BASE)
    assert_xml_chars_only(out)
    assert "<p>a" in out
    assert "b</p>" in out


# --- sanitise: what is kept, and URLs ----------------------------------------------------------


def test_sanitise_keeps_ordinary_formatting() -> None:
    html = (
        "<p>Intro <strong>bold</strong> and <em>italic</em></p>"
        '<blockquote cite="https://a.example/q"><p>quoted</p></blockquote>'
        '<p><a href="https://a.example/">link</a> <img src="https://a.example/i.png" alt="alt"></p>'
    )
    out = sanitise(html, BASE)
    parsed = markup(out)
    assert {"p", "strong", "em", "blockquote", "a", "img"} <= set(parsed.tags)
    assert attribute_values(out, "href") == ["https://a.example/"]
    assert attribute_values(out, "src") == ["https://a.example/i.png"]
    assert attribute_values(out, "alt") == ["alt"]
    for text in ("Intro", "bold", "italic", "quoted", "link"):
        assert text in out


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("../emnews/", "https://finews.withounder.com/emnews/2021/12/emnews/"),
        ("/a/b", "https://finews.withounder.com/a/b"),
        ("img.png", FOLDER + "img.png"),
        ("./sub/page.html?q=1#top", FOLDER + "sub/page.html?q=1#top"),
        ("#notes", BASE + "#notes"),
        ("//finews.withounder.com/", "https://finews.withounder.com/"),
        ("//cdn.example/x.js", "https://cdn.example/x.js"),
        ("http://quote.eastmoney.com/x", "http://quote.eastmoney.com/x"),
        ("https://a.example/p?x=1&y=2", "https://a.example/p?x=1&y=2"),
        ("mailto:editor@withounder.com", "mailto:editor@withounder.com"),
    ],
)
def test_sanitise_makes_links_absolute(href: str, expected: str) -> None:
    out = sanitise(f'<a href="{escape(href)}">x</a>', BASE)
    assert attribute_values(out, "href") == [expected]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("img.png", FOLDER + "img.png"),
        ("../../12/01/y.png", "https://finews.withounder.com/emnews/2021/12/01/y.png"),
        ("/static/a.png", "https://finews.withounder.com/static/a.png"),
        ("//img.example/a.png", "https://img.example/a.png"),
        ("https://x/y.png", "https://x/y.png"),
    ],
)
def test_sanitise_makes_image_sources_absolute(src: str, expected: str) -> None:
    out = sanitise(f'<img src="{src}" alt="">', BASE)
    assert attribute_values(out, "src") == [expected]


def test_sanitise_makes_blockquote_cite_absolute() -> None:
    out = sanitise('<blockquote cite="source.html">q</blockquote>', BASE)
    assert attribute_values(out, "cite") == [FOLDER + "source.html"]


# --- sanitise / xml_text: properties -----------------------------------------------------------

# Any text at all, lone surrogates and controls included, is inserted into markup.
inserted_text = st.text(st.characters(exclude_categories=()), max_size=30)
character_refs = st.integers(0, 0x10FFFF + 1).flatmap(
    lambda n: st.sampled_from([f"&#{n};", f"&#x{n:x};", f"&#X{n:X}"])  # last: no ";"
)
event_names = st.sampled_from(["onerror", "onclick", "onload", "OnMouseOver", "onfocus"])
script_prefixes = st.sampled_from(
    ["javascript:", "JaVaScRiPt:", " javascript:", "java\tscript:", "&#106;avascript:", "data:"]
)


@st.composite
def hostile_html(draw: st.DrawFn) -> str:
    pieces = st.one_of(
        inserted_text,
        inserted_text.map(lambda t: f"<p>{t}</p>"),
        inserted_text.map(lambda t: f"<script>{t}</script>"),
        inserted_text.map(lambda t: f"<style>{t}</style>"),
        inserted_text.map(lambda t: f'<iframe src="{t}">{t}</iframe>'),
        st.tuples(script_prefixes, inserted_text).map(lambda p: f'<a href="{p[0]}{p[1]}">a</a>'),
        st.tuples(script_prefixes, inserted_text).map(lambda p: f"<img src='{p[0]}{p[1]}'>"),
        st.tuples(event_names, inserted_text).map(lambda p: f'<img src=x {p[0]}="{p[1]}">'),
        st.tuples(event_names, inserted_text).map(lambda p: f"<svg {p[0]}={p[1]!r}></svg>"),
        inserted_text.map(lambda t: f'<p style="{t}">{t}</p>'),
        character_refs,
        st.tuples(character_refs, inserted_text).map(lambda p: f'<img alt="{p[0]}{p[1]}">'),
        st.sampled_from(["<", ">", '"', "'", "=", "/", "<!--", "-->", "<![CDATA[", "]]>", "&"]),
    )
    return "".join(draw(st.lists(pieces, max_size=8)))


@PROPERTY_SETTINGS
@given(hostile_html())
def test_sanitised_output_has_no_scripts_handlers_or_script_urls(html: str) -> None:
    out = sanitise(html, BASE)
    parsed = markup(out)
    assert "<script" not in out.lower()
    assert not {"script", "style", "iframe", "svg"} & set(parsed.tags)
    for tag, name, value in parsed.attributes:
        assert not name.lower().startswith("on"), (tag, name)
        assert name != "style"
        if name in {"href", "src", "cite", "poster"}:
            assert url_scheme(value) in {"", "http", "https", "mailto"}, value
    assert_xml_chars_only(out)


@PROPERTY_SETTINGS
@given(script_prefixes, inserted_text)
def test_script_url_links_leave_no_javascript_anywhere(prefix: str, payload: str) -> None:
    out = sanitise(f'<a href="{prefix}{payload}">x</a>', BASE)
    assert "javascript:" not in out.lower()
    assert attribute_values(out, "href") == []


def _is_xml_char(ch: str) -> bool:
    code = ord(ch)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


xml_chars = st.one_of(
    st.sampled_from("\t\n\r"),
    st.characters(min_codepoint=0x20, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)


@PROPERTY_SETTINGS
@given(st.text(st.characters(exclude_categories=())))
def test_xml_text_output_contains_only_xml_characters(text: str) -> None:
    cleaned = xml_text(text)
    assert all(_is_xml_char(ch) for ch in cleaned)
    assert_xml_chars_only(cleaned)
    ET.fromstring(f"<r>{escape(cleaned)}</r>")  # an XML parser accepts it


@PROPERTY_SETTINGS
@given(st.text(xml_chars))
def test_xml_text_leaves_valid_text_unchanged(text: str) -> None:
    assert xml_text(text) == text


@PROPERTY_SETTINGS
@given(st.text(xml_chars, max_size=10), st.text(st.characters(exclude_categories=()), max_size=10))
def test_xml_text_keeps_every_allowed_character_in_order(valid: str, mixed: str) -> None:
    assert xml_text(valid + mixed + valid) == valid + xml_text(mixed) + valid


# --- summarise ---------------------------------------------------------------------------------


def test_summary_skips_hidden_paragraph_stock_image_and_comments() -> None:
    summary = summarise(EM_STOCK_SHAPE)
    assert summary.startswith("“新华铁军”")
    assert "K图" not in summary
    assert "EM_StockImg" not in summary
    assert summary == "“新华铁军”，曾共同谱写了..."


@pytest.mark.parametrize(
    "hidden",
    [
        "<p hidden>secret</p>",
        '<div hidden="hidden"><p>secret</p></div>',
        '<span aria-hidden="true">secret</span>',
        '<p style="display: none">secret</p>',
        '<p style="DISPLAY:NONE">secret</p>',
        '<div style="visibility:hidden"><b>secret</b></div>',
        '<div style="display:none"><p>sec<em>ret</em></p><br><img src="x.png" alt="y"></div>',
        "<script>var secret = 1;</script>",
        "<style>.secret{}</style>",
        "<template><p>secret</p></template>",
        "<noscript>secret</noscript>",
        "<!-- secret -->",
    ],
)
def test_summary_skips_invisible_content(hidden: str) -> None:
    summary = summarise(f"<p>before</p>{hidden}<p>after</p>")
    assert "secret" not in summary
    assert "sec" not in summary
    assert summary == "before after"


def test_summary_keeps_aria_hidden_false_content() -> None:
    assert summarise('<p aria-hidden="false">shown</p>') == "shown"


def test_summary_collapses_whitespace_and_separates_blocks() -> None:
    html = "<p>  one\n\n two\t three  </p><p>four</p><br><div>five</div>\u3000"
    assert summarise(html) == "one two three four five"


def test_summary_decodes_entities_and_drops_control_characters() -> None:
    assert summarise("<p>Q&amp;A &lt;tag&gt; a&#1;b c\x01d e&#xFFFE;f</p>") == "Q&A <tag> ab cd ef"


def test_long_cjk_summary_is_cut_to_exactly_the_limit_plus_ellipsis() -> None:
    text = "曾共同谱写了中国铁路建设的辉煌篇章，新华铁军一路走来。" * 12
    assert len(text) > SUMMARY_LENGTH
    summary = summarise(f"<p>{text}</p>")
    assert summary == text[:SUMMARY_LENGTH] + ELLIPSIS
    assert len(summary) == SUMMARY_LENGTH + 1


@pytest.mark.parametrize("length", [1, 150, SUMMARY_LENGTH])
def test_summary_within_the_limit_is_unchanged(length: int) -> None:
    text = ("新华铁军" * 60)[:length]
    summary = summarise(f"<p>{text}</p>")
    assert summary == text
    assert not summary.endswith(ELLIPSIS)


def test_long_latin_summary_is_cut_at_a_word_boundary() -> None:
    text = " ".join(["The quick brown fox jumps over the lazy dog."] * 10)
    summary = summarise(f"<p>{text}</p>")
    assert summary.endswith(ELLIPSIS)
    kept = summary[: -len(ELLIPSIS)]
    assert len(kept) <= SUMMARY_LENGTH
    assert text.startswith(kept)
    assert text[len(kept)] == " "  # the next character was a space: no word cut in half
    assert len(kept) > SUMMARY_LENGTH - 20  # and not cut much earlier than needed


def test_summary_limit_is_configurable() -> None:
    assert summarise("<p>abcdefghij</p>", limit=4) == "abcd" + ELLIPSIS


# --- truncate ----------------------------------------------------------------------------------


def test_truncate_returns_short_text_unchanged() -> None:
    assert truncate("short", 5) == "short"
    assert truncate("", 0) == ""


def test_truncate_cuts_latin_text_at_a_space() -> None:
    assert truncate("hello wonderful world", 12) == "hello" + ELLIPSIS


def test_truncate_cuts_cjk_text_at_the_limit() -> None:
    assert truncate("新华铁军 曾共同谱写了", 8) == "新华铁军 曾共同" + ELLIPSIS


@pytest.mark.parametrize("limit", range(3, 3 + len(FAMILY)))
def test_truncate_never_splits_a_zwj_family_emoji(limit: int) -> None:
    text = "ab " + FAMILY + " cd"
    assert len(text) > limit
    result = truncate(text, limit)
    assert result == "ab" + ELLIPSIS or result.startswith("ab " + FAMILY)
    assert "\u200d" + ELLIPSIS not in result


def test_truncate_keeps_a_whole_emoji_that_fits() -> None:
    assert truncate("ab" + FAMILY + "cd", 2 + len(FAMILY)) == "ab" + FAMILY + ELLIPSIS


@pytest.mark.parametrize("limit", [3, 4])
def test_truncate_never_splits_a_flag(limit: int) -> None:
    result = truncate("xyz" + FLAG_CN + "abc", limit)
    assert result in {"xyz" + ELLIPSIS, "xyz" + FLAG_CN + ELLIPSIS}


def test_truncate_keeps_a_whole_flag_that_fits() -> None:
    assert truncate("xyz" + FLAG_CN + "abc", 5) == "xyz" + FLAG_CN + ELLIPSIS


def test_truncate_never_separates_a_letter_from_its_combining_mark() -> None:
    assert truncate("caf" + E_ACUTE + "xyz", 4) == "caf" + ELLIPSIS
    assert truncate("caf" + E_ACUTE + "xyz", 5) == "caf" + E_ACUTE + ELLIPSIS


@pytest.mark.parametrize("cluster", ["👍🏽", "❤\ufe0f", "#\ufe0f\u20e3", "क\u093f"])
def test_truncate_never_splits_modifier_and_mark_sequences(cluster: str) -> None:
    text = "ab" + cluster + "cd"
    for limit in range(2, 2 + len(cluster)):
        assert truncate(text, limit) == "ab" + ELLIPSIS


ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


def test_truncate_never_splits_a_subdivision_flag() -> None:
    for limit in range(3, 3 + len(ENGLAND)):
        assert truncate("abc" + ENGLAND + "xyz", limit) == "abc" + ELLIPSIS
    assert truncate("abc" + ENGLAND + "xyz", 3 + len(ENGLAND)) == "abc" + ENGLAND + ELLIPSIS


# Well-formed user-perceived characters; a truncation must keep each one whole or drop it.
clusters = st.sampled_from(
    [
        "a",
        "Z",
        "7",
        " ",
        "新",
        "。",
        "é",
        E_ACUTE,
        "o\u0308\u0301",
        "क\u093f",
        FAMILY,
        "👩🏽\u200d💻",
        "👍🏽",
        "❤\ufe0f",
        "#\ufe0f\u20e3",
        FLAG_CN,
        "🇺🇸",
        "🏳\ufe0f\u200d🌈",
        ENGLAND,
    ]
)


@PROPERTY_SETTINGS
@given(st.text(st.characters(exclude_categories=()), max_size=60), st.integers(0, 70))
def test_truncate_result_is_bounded_and_a_prefix(text: str, limit: int) -> None:
    result = truncate(text, limit)
    assert len(result) <= limit + 1
    if len(text) <= limit:
        assert result == text
    else:
        assert result.endswith(ELLIPSIS)
        kept = result[: -len(ELLIPSIS)]
        assert text.startswith(kept)
        assert kept == kept.rstrip()


@PROPERTY_SETTINGS
@given(st.lists(clusters, max_size=40), st.integers(0, 80))
def test_truncate_only_cuts_between_whole_characters(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    result = truncate(text, limit)
    assert len(result) <= limit + 1
    if len(text) <= limit:
        assert result == text
        return
    kept = result[: -len(ELLIPSIS)]
    assert not kept.endswith("\u200d")
    whole_prefixes = {"".join(parts[:n]).rstrip() for n in range(len(parts) + 1)}
    assert kept in whole_prefixes


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from(["新", "华", "铁", "军", "，"]), min_size=1, max_size=300))
def test_truncate_cuts_cjk_text_at_exactly_the_limit(chars: list[str]) -> None:
    text = "".join(chars)
    result = truncate(text, SUMMARY_LENGTH)
    expected = text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH] + ELLIPSIS
    assert result == expected


# --- render ------------------------------------------------------------------------------------


def test_render_turns_a_markdown_autolink_into_a_link() -> None:
    post = render(make_post("See <https://x.example/a> for more.\n", markdown=True))
    assert attribute_values(post.content_html, "href") == ["https://x.example/a"]
    assert ">https://x.example/a</a>" in post.content_html


def test_render_renders_markdown_emphasis_and_absolute_relative_links() -> None:
    post = render(make_post("Hello *x* and [chart](img/a.png)\n", markdown=True))
    assert "<em>x</em>" in post.content_html
    assert attribute_values(post.content_html, "href") == [FOLDER + "img/a.png"]


def test_render_keeps_raw_html_in_markdown() -> None:
    body = "Press <kbd>Ctrl</kbd> now.\n\n<div><mark>raw block</mark></div>\n"
    post = render(make_post(body, markdown=True))
    assert "<kbd>Ctrl</kbd>" in post.content_html
    assert "<div><mark>raw block</mark></div>" in post.content_html


def test_render_sanitises_raw_html_in_markdown() -> None:
    body = 'Text\n\n<script>alert("x")</script>\n\n<img src="a.png" onerror="alert(1)">\n'
    post = render(make_post(body, markdown=True))
    assert "alert" not in post.content_html
    assert "alert" not in post.summary
    assert attribute_values(post.content_html, "src") == [FOLDER + "a.png"]


def test_render_uses_the_front_matter_description_as_summary() -> None:
    post = make_post("Body text that is not the summary.", markdown=True)
    post.description = "  A hand-written\n   description\x01. "
    assert render(post).summary == "A hand-written description."


def test_render_summarises_the_body_when_there_is_no_description() -> None:
    post = render(make_post("# Title\n\nFirst *paragraph*.\n", markdown=True))
    assert post.summary == "Title First paragraph."


def test_render_leaves_html_bodies_unrendered() -> None:
    post = render(make_post("<p>Hello *x* and **y**</p>\n\n# not a heading", markdown=False))
    assert "*x*" in post.content_html
    assert "**y**" in post.content_html
    assert "<em>" not in post.content_html
    assert "<h1>" not in post.content_html
    assert post.summary == "Hello *x* and **y** # not a heading"


def test_render_summary_of_html_body_skips_hidden_stock_image() -> None:
    post = render(make_post(EM_STOCK_SHAPE, markdown=False))
    assert post.summary.startswith("“新华铁军”")
    assert "K图" not in post.summary
    assert attribute_values(post.content_html, "href") == ["http://quote.eastmoney.com/x"]
