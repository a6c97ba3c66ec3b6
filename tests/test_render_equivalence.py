"""render.py's fast paths give byte for byte what the plain implementations they replace give.

The reference implementations below are render.py as it was before the speed-ups: markdown-it
with its own link normalisation, nh3.clean() with a per-call filter, and the summariser that
stops only between 1 KB chunks. Feeds are pinned byte for byte, so any difference is a bug.

More examples: FEEDKIT_EQUIVALENCE_EXAMPLES=5000 pytest tests/test_render_equivalence.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import partial
from html.parser import HTMLParser
from types import SimpleNamespace
from unittest.mock import patch

import nh3
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from feedkit import markdown_fast, render
from feedkit.render import (
    _ALLOWED_ATTRIBUTES,
    _BLOCK_TAGS,
    _CHUNK,
    _HIDDEN_STYLE,
    _SKIPPED_TAGS,
    _SPACE,
    _URL_ATTRIBUTES,
    _VOID_TAGS,
    SUMMARY_LENGTH,
    _plain_text,
    sanitise,
    summarise,
    truncate,
    xml_text,
)
from feedkit.urls import absolute_url

EQUIVALENCE = settings(
    max_examples=int(os.environ.get("FEEDKIT_EQUIVALENCE_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the reference implementations -------------------------------------------------------------

_reference_markdown = MarkdownIt("commonmark", {"html": True})


def reference_sanitise(html: str, base_url: str) -> str:
    cleaned = nh3.clean(
        xml_text(html),
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=partial(_reference_absolutise, base_url),
        link_rel="noopener noreferrer",
    )
    return xml_text(cleaned).strip()


def _reference_absolutise(base_url: str, tag: str, attribute: str, value: str) -> str | None:
    if attribute in _URL_ATTRIBUTES:
        return absolute_url(value, base_url)
    return value


def reference_summarise(html: str, limit: int = SUMMARY_LENGTH) -> str:
    extractor = _ReferenceVisibleText()
    try:
        for start in range(0, len(html), _CHUNK):
            extractor.feed(html[start : start + _CHUNK])
            if extractor.length > limit and len(_reference_visible(extractor)) > limit + 2:
                break
        else:
            extractor.close()
    except AssertionError:
        return truncate(_plain_text(html), limit)
    return truncate(_reference_visible(extractor), limit)


def _reference_visible(extractor: _ReferenceVisibleText) -> str:
    return xml_text(_SPACE.sub(" ", "".join(extractor.parts)).strip())


class _ReferenceVisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self._stack: list[tuple[str, bool]] = []

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")
        if tag in _VOID_TAGS:
            return
        attributes = dict(attrs)
        hides = (
            tag in _SKIPPED_TAGS
            or "hidden" in attributes
            or attributes.get("aria-hidden") == "true"
            or bool(_HIDDEN_STYLE.search(attributes.get("style") or ""))
        )
        self._stack.append((tag, self._hidden or hides))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                break
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)
            self.length += len(data)


# --- strategies --------------------------------------------------------------------------------

TRICKY_CHARS = (
    "aZ0 \t\n\r.,;:!?-_/\\'\"=<>&#%[]()"
    "新华铁军，。“”"  # CJK, wide punctuation
    "\u0301\u093f\u200d\ufe0f\U0001f3fd"  # combining marks, ZWJ, variation selector, skin tone
    "👍🇨🇳\U000e0067é"  # emoji, a flag half, a tag character
    "\x00\x01\x0b\x7f\ud800\ufffe\u2028\xa0"  # controls, a lone surrogate, non-characters
)
text = st.text(st.sampled_from(TRICKY_CHARS), max_size=40)
long_text = st.text(st.sampled_from(TRICKY_CHARS), min_size=200, max_size=1500)
fillers = st.integers(0, 2 * _CHUNK + 40).flatmap(
    lambda n: st.sampled_from(["x", "新", " ", "\n", "a ", "&amp;", "<b> </b>"]).map(
        lambda unit: (unit * n)[:n]
    )
)
ENTITIES = [
    "&amp;", "&amp", "&am", "&", "&;", "&#", "&#1;", "&#x;", "&#x41;", "&#65", "&#X1F600;",
    "&#0;", "&#xD800;", "&#1114112;", "&#" + "0" * 40 + "65;", "&notin;", "&notit;", "&not",
    "&CounterClockwiseContourIntegral;", "&" + "a" * 40 + ";", "&lt;p&gt;", "&nbsp;",
]  # fmt: skip
TAGS = [
    "<p>", "</p>", "<div>", "</div>", "<span>", "</span>", "<b>", "</b>", "<li>", "</li>",
    "<br>", "<br/>", "<br />", "</br>", "<hr>", "<img src=x alt=y>", "<input hidden>",
    "<h1>", "</h1>", "<tr>", "<pre>", "</pre>", "<blockquote>", "</blockquote>",
    "<script>", "</script>", "<style>", "</style>", "<template>", "</template>",
    "<svg>", "</svg>", "<noscript>", "</noscript>", "<head>", "</head>", "<textarea>",
    "<title>", "</title>", "<xmp>",
    '<p style="display:none;height:1px;overflow:hidden;">', '<span style="DISPLAY : NONE">',
    '<div style="visibility:hidden">', "<div style=display:none>", "<P STYLE='display:none'>",
    "<div hidden>", '<div hidden="false">', '<span aria-hidden="true">',
    '<span aria-hidden="false">', '<span aria-hidden="TRUE">', "<span aria-hidden>",
    '<p style="color:red" style="display:none">', '<p style="display:none" style="">',
    "<p hidden hidden>", '<a href="x" style>', '<a href="x" title="&quot;&amp">',
    '<p style="display:none', "</ p>", "</>", "< p>", "<p/>", "<div/>", "</span foo>",
    "<!-- c -->", "<!--", "-->", "--!>", "<!- x ->", "<!>", "<!doctype html>", "<!DOCTYPE",
    "<![CDATA[x]]>", "<![CDATA[", "]]>", "<![foo", "<![if x]>", "<![endif]>", "<![", "<!",
    "<?pi ?>", "<?", "<", ">", "</", "<a", "<a ", "=", '"', "'", "/>",
]  # fmt: skip
html_pieces = st.one_of(
    text,
    st.sampled_from(ENTITIES),
    st.sampled_from(TAGS),
    st.tuples(st.sampled_from(TAGS), text).map("".join),
    long_text,
    fillers,
)
html_documents = st.lists(html_pieces, max_size=30).map("".join)
limits = st.one_of(st.just(SUMMARY_LENGTH), st.integers(0, 300))

SCHEMES = [
    "http://", "https://", "HTTP://", "//", "", "mailto:", "javascript:", "JaVaScRiPt:",
    "ftp://", "data:image/png;base64,", "data:text/html,", "skype:", "file:///", " https://",
]  # fmt: skip
HOSTS = [
    "example.com", "finews.withounder.com", "例子.测试", "xn--fiqs8s.cn", "EXAMPLE.com",
    "a" * 64 + ".com", "b" * 250 + ".cn", "[::1]", "[::1", "user:pw@host", "user@host",
    "host:8080", "host:", "bücher.de", "ﬀ.com", "a..b", "-a-.b", "a_b.c", "", "a。b",
]  # fmt: skip
URL_TAILS = [
    "", "/", "/a/b.html", "/category/x(y).html", "/news/1350,2023.html", "/a b", "/%20",
    "/%zz", "/%", "/中文", "?q=1&r=2", "/?q=1&r=2", "#frag", "/#f?g", "/../x", "\\", "'",
    "`", "~", "/a:b@c", "/*!$+;=", "/\t", "/<>", "/\u00a0", "/\ud83d\ude00", "/xn--x",
]  # fmt: skip
urls = st.one_of(
    st.tuples(
        st.sampled_from(SCHEMES), st.sampled_from(HOSTS), st.lists(st.sampled_from(URL_TAILS))
    ).map(lambda p: p[0] + p[1] + "".join(p[2])),
    st.lists(st.sampled_from([*URL_TAILS, "..", "./", "x", "a:b", "//"]), max_size=6).map("".join),
    st.text(st.sampled_from(TRICKY_CHARS + "@:%"), max_size=30),
)
markdown_pieces = st.one_of(
    text,
    st.sampled_from(
        [
            "\n",
            "\n\n",
            "*em*",
            "**b**",
            "`code`",
            "# ",
            "> ",
            "- ",
            "1. ",
            "    ",
            "```\nfence\n```\n",
            "***\n",
            "\\",
            "[",
            "]",
            "(",
            ")",
            "<",
            ">",
            "!",
            "[ref]",
        ]
    ),
    st.sampled_from(ENTITIES + TAGS),
    st.tuples(text, urls).map(lambda p: f"[{p[0]}]({p[1]})"),
    st.tuples(text, urls).map(lambda p: f"[{p[0]}](<{p[1]}>)"),
    st.tuples(text, urls, text).map(lambda p: f'[{p[0]}]({p[1]} "{p[2]}")'),
    st.tuples(text, urls).map(lambda p: f"![{p[0]}]({p[1]})"),
    urls.map(lambda u: f"<{u}>"),
    urls.map(lambda u: f"\n\n[ref]: {u}\n"),
    st.just("<user@example.com>"),
)
markdown_documents = st.lists(markdown_pieces, max_size=25).map("".join)
bases = st.sampled_from(
    [
        "https://finews.withounder.com/emnews/2021/12/08/x.html",
        "https://example.com/",
        "http://例子.测试/a/b/",
        "https://example.com/a%20b/c?q#f",
    ]
)


# --- markdown ----------------------------------------------------------------------------------


@EQUIVALENCE
@given(urls)
def test_link_normalisation_is_markdown_its_own(url: str) -> None:
    md = render.commonmark()
    assert outcome(md.normalizeLink, url) == outcome(partial(MarkdownIt.normalizeLink, md), url)
    assert outcome(md.normalizeLinkText, url) == outcome(
        partial(MarkdownIt.normalizeLinkText, md), url
    )


def outcome(function: Callable[[str], str], argument: str) -> tuple[str, str]:
    """The result, or the kind of error (mdurl cannot encode lone surrogates, for one)."""
    try:
        return ("result", function(argument))
    except Exception as error:
        return ("error", type(error).__name__)


@EQUIVALENCE
@given(urls)
def test_plain_links_are_left_unchanged_by_markdown_it(url: str) -> None:
    """The fast path's claim, checked on the library itself for every URL it applies to."""
    md = _reference_markdown
    if render._is_plain_link(url):
        assert md.normalizeLink(url) == url
        assert md.normalizeLinkText(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://finance.eastmoney.com/a/202312312000009999.html",
        "//finews.withounder.com/category/huataijinrongkonggu(xianggang).html",
        "//finews.withounder.com/",
        "https://hk.example.net/news/1350,2023.html?x=1&y=2#top",
        "../emnews/",
        "img/a.png",
        "#section",
        "",
    ],
)
def test_links_of_real_posts_take_the_fast_path(url: str) -> None:
    assert render._is_plain_link(url)
    assert _reference_markdown.normalizeLink(url) == url
    assert _reference_markdown.normalizeLinkText(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://例子.测试/",
        "http://xn--fiqs8s.cn/",
        "HTTP://example.com/",
        "http://Example.com/",
        "http://user@host/",
        "http://host:80/",
        "http://[::1]/",
        "/a b",
        "/%41",
        "/中文",
        "a:b",
        "javascript:alert(1)",
        "//" + "a" * 64 + ".com/",
        "//a..b/",
        "http://host?q",
    ],
)
def test_links_markdown_it_may_change_take_the_slow_path(url: str) -> None:
    assert not render._is_plain_link(url)


@EQUIVALENCE
@given(markdown_documents)
def test_markdown_renders_as_markdown_it_does(body: str) -> None:
    assert outcome(render.commonmark().render, body) == outcome(_reference_markdown.render, body)


def rendered(body: str) -> str:
    """The body as HTML; bodies markdown-it cannot render (lone surrogates) are skipped."""
    try:
        return _reference_markdown.render(body)
    except UnicodeEncodeError:
        assume(False)
        raise


def test_the_link_caches_are_bounded() -> None:
    md = render.commonmark()
    for n in range(render._LINK_CACHE_SIZE + 10):
        md.normalizeLink(f"/中文/{n}")
    assert md._link.cache_info().currsize <= render._LINK_CACHE_SIZE


# --- the markdown fast path ---------------------------------------------------------------------

# Real shapes: a raw-HTML block, the source's autolink and a footer of links; a digest quote.
REAL_HEAD = (
    '<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start -->'
    '<p style="text-align:center;"><a href="http://quote.eastmoney.com/unify/r/116.00700">'
    '<img src="https://x/GetPic.aspx?nid=1&imageType=k" alt="K图" /></a></p>\n'
    " <p>互联网平台企业，集中度持续提升。</p>\n"
    " <p><strong>机构观点</strong></p>\n"
)
REAL_SOURCE = "<http://finance.eastmoney.com/news/1350,202201012000000000.html>"
REAL_FOOTER = (
    "[返回新浪财经新闻](//finews.withounder.com/category/xinlangcaijing.html)"
    "｜[返回首页](//finews.withounder.com/)"
)
REAL_SHAPES = [
    f"{REAL_HEAD}\n{REAL_SOURCE}\n\n{REAL_FOOTER}\n",
    f"{REAL_HEAD}\n{REAL_SOURCE}\n\n{REAL_FOOTER}",
    f"> 针对市场传闻，交易所回应称，目前生产经营一切正常。（新华社）\n\n{REAL_HEAD}\n"
    f"{REAL_SOURCE}\n\n{REAL_FOOTER}\n",
    "离岸人民币兑美元升至6.3512，为2018年以来最高水平。\n\n"
    "<http://finance.eastmoney.com/news/11060,202112082206672930.html>\n\n"
    "[返回东财滚动新闻](../emnews/)\n[返回首页](../)\n",
    "[返回华泰金融控股(香港)新闻](//finews.withounder.com/category/huataijinrongkonggu(xianggang).html)\n",
    "祝贺开站\n",
    "",
]

# Characters Markdown and HTML treat specially, whitespace of every kind, and the real text.
FAST_CHARS = (
    "aZhp09 \t.,;:!?-_/\\'\"=<>&#%[]()*`~+|{}^$@"
    "新闻，。｜\u00a0\u3000\u2028\u200b\ufeff\x0b\x0c\x1c\x85\u0301"
)
PLAIN_CHARS = "aZ09 .,;:?/'\"=>#%()~+|{}^$@-新闻，。｜（）\u00a0\u3000\u0301"
FAST_URLS = [
    "http://finance.eastmoney.com/news/1350,202201012000000000.html",
    "https://finews.withounder.com/",
    "//finews.withounder.com/category/xinlangcaijing.html",
    "//finews.withounder.com/category/huataijinrongkonggu(xianggang).html",
    "../emnews/", "../", "/a/b?c=1&d=2#e", "x(y", "x)y", "x((y))", "(", ")", "a b",
    "http://a.b", "https://x.y/z/", "HTTP://x.y/", "Http://x.y", "http://例子.测试/",
    "http://xn--fiqs8s.cn/", "http://host:80/", "http://user@host/", "mailto:a@b.c",
    "a@b.c", "javascript:alert(1)", "data:text/html,x", "ftp://x.y/", "/%41", "/a%",
    "&amp;", "a&b", "a&amp;b", "\\(", "x\\)", "<x>", "x>y", "x<y", "", "#", "/中文",
    "http://x.y/\u00a0", "http://x.y/a\tb", "http://" + "a" * 64 + ".b/", "http://a..b/",
]  # fmt: skip
fast_urls = st.one_of(st.sampled_from(FAST_URLS), urls)
plain = st.text(st.sampled_from(PLAIN_CHARS), min_size=1, max_size=12)
near_misses = st.sampled_from(
    [
        "![", "!", "*", "**", "_", "`", "\\", "\\[", "&", "&amp;", "&#65;", "&lt;", "<", ">",
        "[", "]", "](", "[]", "<>", "<1%", "<span>", "</b>", "<!-- c -->", "<a@b.c>",
        "[ref]", "[ref][]", "[x]:", "  ", "\t", "\u00a0", "\u3000", "\\\n", "  \n", "\n",
        "<http://a.b>", "<https://x.y/z?a=1&b=2>", "<HTTP://A.B>", "<http://a b>",
        "<http://a.b/<x>", "<http://例子/>", "<mailto:a@b.c>", "<javascript:x>",
    ]
)  # fmt: skip
inline_pieces = st.one_of(
    plain,
    plain,
    fast_urls.map(lambda u: f"<{u}>"),
    st.tuples(plain, fast_urls).map(lambda p: f"[{p[0]}]({p[1]})"),
    st.tuples(st.text(st.sampled_from(FAST_CHARS), max_size=4), fast_urls).map(
        lambda p: f"[{p[0]}]({p[1]})"
    ),
    near_misses,
    st.text(st.sampled_from(FAST_CHARS), min_size=1, max_size=3),
)
line_starts = st.sampled_from(
    [
        "", "", "", "", "", "> ", ">", ">  ", "> > ", " ", "   ", "    ", "\t", "\u00a0", "#",
        "# ", "- ", "-", "---", "+ ", "* ", "1. ", "1) ", "1.", "12345678901. ", "2022年",
        "=", "==", "~~~", "```", "|", "[x]: /u", "<!-- ", "<?", "<!X", "<![CDATA[",
        "<script>", "<pre>", "<textarea>", "<style>", "<span>", "<p>", "<div>",
    ]
)  # fmt: skip
line_ends = st.sampled_from(["", "", "", "", " ", "  ", "\t", "\u3000", "\\", "\x0b"])
lines = st.tuples(line_starts, st.lists(inline_pieces, min_size=1, max_size=5), line_ends).map(
    lambda p: p[0] + "".join(p[1]) + p[2]
)
HTML_STARTS = [
    '<p style="display:none;height:1px;overflow:hidden;">', "<p>", "<P>", "<p/>", "</p>",
    "<div>", "</div>", "<hr/>", "<hr />", "<details>", "<search>", "<td>", "<p", "<div ",
    "<p\u3000", "<p\u00a0", "<p\x1c", "<px>", "<pre>", "<script>", "<style>", "<textarea>",
    "<span>", "<custom-tag>", "<ſection>", "<!-- x -->", "<!--", "<? x ?>", "<!X>",
    "<![CDATA[x]]>", " <p>", "   <p>", "    <p>", "\t<p>", "<>", "< p>",
]  # fmt: skip
html_lines = st.one_of(
    lines,
    st.sampled_from([" <p>互联网平台企业。</p>", "<br />", "    code", "> q", "[x]: /u", "-->"]),
)
html_blocks = st.tuples(st.sampled_from(HTML_STARTS), lines, st.lists(html_lines, max_size=3)).map(
    lambda p: "\n".join([p[0] + p[1], *p[2]])
)
quote_lines = lines.map(lambda line: "> " + line.removeprefix("> "))
blocks = st.one_of(
    html_blocks,
    st.lists(lines, min_size=1, max_size=3).map("\n".join),
    st.lists(quote_lines, min_size=1, max_size=3).map("\n".join),
    st.lists(st.sampled_from([*REAL_SHAPES, REAL_HEAD, REAL_SOURCE, REAL_FOOTER]), max_size=2).map(
        "".join
    ),
)
separators = st.sampled_from(
    ["\n\n", "\n\n", "\n\n", "\n", "\n \n", "\n\t\n", "\n\n\n", "\n\u00a0\n", "\n\u3000\n"]
)
fast_documents = st.tuples(
    st.sampled_from(["", "", "\n", " \n", "\t\n\n", "\ufeff", "\r\n"]),
    st.lists(st.tuples(blocks, separators), max_size=5),
    st.sampled_from(["", "", "\n", "\n\n", " ", "\n ", "\n\t", "\r", "\x00", "\n\u00a0"]),
).map(lambda p: p[0] + "".join(block + sep for block, sep in p[1]).removesuffix("\n") + p[2])
# Documents of the subset itself (or nearly: some URLs are not plain), for mutating.
PLAIN_URLS = FAST_URLS[:8]
AUTOLINK_URLS = [*FAST_URLS[:2], "http://a.b", "https://x.y/z/"]
clean_lines = st.tuples(
    st.sampled_from(["", "新", "a"]),
    st.lists(
        st.one_of(
            plain,
            st.sampled_from(AUTOLINK_URLS).map(lambda u: f"<{u}>"),
            st.tuples(plain, st.sampled_from(PLAIN_URLS)).map(lambda p: f"[{p[0]}]({p[1]})"),
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["", "。", "z"]),
).map(lambda p: p[0] + "".join(p[1]) + p[2])
clean_blocks = st.one_of(
    st.tuples(st.sampled_from(HTML_STARTS[:14]), st.lists(clean_lines, max_size=3)).map(
        lambda p: "\n".join([p[0] + "".join(p[1][:1]), *p[1][1:]])
    ),
    st.lists(clean_lines, min_size=1, max_size=3).map("\n".join),
    st.lists(clean_lines, min_size=1, max_size=3).map(lambda ls: "\n".join("> " + x for x in ls)),
    st.sampled_from(REAL_SHAPES),
)
clean_documents = st.lists(
    st.tuples(clean_blocks, st.sampled_from(["\n\n", "\n \n", "\n\t\n", "\n\n\n"])), max_size=4
).map(lambda blocks: "".join(block + sep for block, sep in blocks))
edits = st.lists(
    st.tuples(
        st.floats(0, 1),
        st.integers(0, 3),
        st.one_of(st.text(st.sampled_from(FAST_CHARS + "\n"), max_size=3), near_misses),
    ),
    max_size=3,
)
# Near misses: a few characters inserted, deleted or replaced anywhere (or none).
mutated_documents = st.tuples(st.one_of(st.sampled_from(REAL_SHAPES), clean_documents), edits).map(
    lambda p: _mutate(*p)
)


def _mutate(doc: str, edits: list[tuple[float, int, str]]) -> str:
    for where, deleted, inserted in edits:
        at = int(where * len(doc))
        doc = doc[:at] + inserted + doc[at + deleted :]
    return doc


def assert_fast_path_is_markdown_it(doc: str) -> None:
    fast = markdown_fast.render(doc)
    event("fast path" if fast is not None else "markdown-it")
    if fast is not None:
        assert outcome(render.commonmark().render, doc) == ("result", fast)
        assert outcome(_reference_markdown.render, doc) == ("result", fast)


@EQUIVALENCE
@given(fast_documents)
def test_markdown_fast_path_renders_as_markdown_it_does(doc: str) -> None:
    assert_fast_path_is_markdown_it(doc)


@EQUIVALENCE
@given(mutated_documents)
def test_markdown_fast_path_on_near_misses(doc: str) -> None:
    assert_fast_path_is_markdown_it(doc)


@EQUIVALENCE
@given(st.one_of(markdown_documents, st.text(st.sampled_from(FAST_CHARS + "\n"), max_size=30)))
def test_markdown_fast_path_on_any_markdown(doc: str) -> None:
    assert_fast_path_is_markdown_it(doc)


@pytest.mark.parametrize("doc", REAL_SHAPES)
def test_real_posts_take_the_markdown_fast_path(doc: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is not vacuous: the shapes nearly every post has take it."""
    fast = markdown_fast.render(doc)
    assert fast is not None
    assert fast == _reference_markdown.render(doc)
    monkeypatch.setattr(render, "commonmark", None)  # body_html must not need it
    post = SimpleNamespace(body=doc, markdown=True)
    assert render.body_html(post) == fast  # type: ignore[arg-type]


def test_block_names_are_markdown_its() -> None:
    from markdown_it.common.html_blocks import block_names

    assert sorted(markdown_fast.BLOCK_NAMES) == sorted(block_names)


@given(st.text(st.sampled_from("&<>\"'a\u00e9\u4e2d;#x")))
def test_escape_html_is_markdown_its(text: str) -> None:
    from markdown_it.common.utils import escapeHtml

    assert markdown_fast.escape_html(text) == escapeHtml(text)


def test_plain_posts_do_not_import_markdown_it() -> None:
    """Rendering what markdown_fast covers (nearly every post) leaves markdown-it unimported."""
    script = (
        "import sys\n"
        "from types import SimpleNamespace\n"
        "from feedkit import render\n"
        f"render.body_html(SimpleNamespace(body={REAL_SHAPES[0]!r}, markdown=True))\n"
        "assert 'markdown_it' not in sys.modules, 'imported'\n"
        "render.body_html(SimpleNamespace(body='# a title', markdown=True))\n"
        "assert 'markdown_it' in sys.modules, 'not imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


@pytest.mark.parametrize(
    "doc",
    [
        "a\r\nb\n",
        "a\0b\n",
        "[x]: /u\n\n[x]\n",
        "# title\n",
        "- item\n",
        "1. item\n",
        "    code\n",
        "text\n===\n",
        "<span>inline</span>\n",
        "<!-- comment\n\nstill -->\n",
        "<pre>\n\nx\n</pre>\n",
        "*em*\n",
        "a &amp; b\n",
        "[a](/x&amp;y)\n",
        "[a]()\n",
        "<HTTP://X.Y>\n",
        "text \n",
        "> a\nlazy\n",
        ">a\n",
    ],
)
def test_markdown_outside_the_subset_is_left_to_markdown_it(doc: str) -> None:
    assert markdown_fast.render(doc) is None


# --- sanitise ----------------------------------------------------------------------------------

url_attributes = st.tuples(
    st.sampled_from(["a href", "img src", "blockquote cite", "q cite", "video poster", "a title"]),
    urls,
    text,
).map(lambda p: f'<{p[0]}="{p[1]}">{p[2]}</{p[0].split()[0]}>')


@EQUIVALENCE
@given(st.lists(st.one_of(html_pieces, url_attributes), max_size=20).map("".join), bases)
def test_sanitise_gives_what_nh3_clean_gave(html: str, base: str) -> None:
    assert sanitise(html, base) == reference_sanitise(html, base)


@EQUIVALENCE
@given(markdown_documents, bases)
def test_sanitised_markdown_is_unchanged(body: str, base: str) -> None:
    html = rendered(body)
    assert sanitise(html, base) == reference_sanitise(html, base)


def test_concurrent_sanitise_calls_each_use_their_own_base() -> None:
    html = '<a href="p">a</a><img src="../i.png"><blockquote cite="q">x</blockquote>' * 50
    bases = [f"https://site{n}.example/d{n}/post.html" for n in range(8)]
    expected = {base: reference_sanitise(html, base) for base in bases}
    failures: list[str] = []

    def work(base: str) -> None:
        for _ in range(200):
            if sanitise(html, base) != expected[base]:
                failures.append(base)

    threads = [threading.Thread(target=work, args=(base,)) for base in bases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_sanitise_leaves_no_base_url_behind() -> None:
    sanitise('<a href="x">x</a>', "https://example.com/")
    assert render._base_url.get(None) is None


# --- summarise ---------------------------------------------------------------------------------


@EQUIVALENCE
@given(html_documents, limits)
def test_summary_is_the_reference_summary(html: str, limit: int) -> None:
    assert summarise(html, limit) == reference_summarise(html, limit)


@EQUIVALENCE
@given(fillers, html_documents, limits)
def test_summary_is_the_reference_summary_at_any_chunk_offset(
    filler: str, html: str, limit: int
) -> None:
    """A filler of any length moves the tricky markup across the 1 KB chunk boundaries."""
    assert summarise(filler + html, limit) == reference_summarise(filler + html, limit)


@EQUIVALENCE
@given(markdown_documents)
def test_summary_of_rendered_markdown_is_the_reference_summary(body: str) -> None:
    html = rendered(body)
    assert summarise(html) == reference_summarise(html)


@pytest.mark.parametrize("gap", [0, 300, 600, 700, 740, 800, 1100, 1800])
@pytest.mark.parametrize("tail", ["<![foo", "<![", "<![CDATA[x]]><![foo", "<!", "<![if x]>"])
def test_marked_section_after_enough_text_in_the_same_chunk(gap: int, tail: str) -> None:
    """Before 3.13 html.parser raises on "<![foo" and the reference falls back to plain text
    (which keeps hidden text), even when the text before it already decided the summary."""
    html = "<p hidden>HIDDEN</p><p>" + "x " * 150 + "</p>" + " " * gap + tail + " y" * 1000
    assert summarise(html) == reference_summarise(html)


def test_the_marked_section_case_is_not_vacuous() -> None:
    html = "<p hidden>HIDDEN</p><p>" + "x " * 150 + "</p><![foo" + " y" * 1000
    if sys.version_info < (3, 13):
        assert reference_summarise(html).startswith("HIDDEN")
    assert summarise(html) == reference_summarise(html)


@pytest.mark.parametrize("at", range(1000, 1030))
def test_long_character_reference_across_a_chunk_boundary(at: int) -> None:
    """html.parser decodes a reference cut by the chunk boundary differently: same as before."""
    html = "<p>" + "a" * (at - 3) + "&#" + "0" * 40 + "65;" + " word" * 100 + "</p>"
    assert summarise(html) == reference_summarise(html)
    assert summarise(html, 1100) == reference_summarise(html, 1100)


def test_real_shaped_post_is_summarised_as_before() -> None:
    head = (
        '<p style="display:none;height:1px;overflow:hidden;"><br /></p>'
        "<!-- EM_StockImg_Start --><p style=\"text-align:center;\"><a href='x'>"
        '<img src="https://x/y.png?a=1&b=2" alt="K图" /></a></p><!-- EM_StockImg_End -->'
    )
    paragraph = "<p>分区域看，东部地区增长32.4%，中部地区增长5.9%，西部地区增长26.6%。</p>\n"
    for n in range(12):
        html = head + paragraph * n
        assert summarise(html) == reference_summarise(html)


# --- the scanned visible text ------------------------------------------------------------------
# _scanned_visible_text reads a subset of HTML without html.parser's tokeniser. It must give what
# _parsed_visible_text gives, or None: checked on markup of the subset, and on near misses of
# it (other names, quoting, whitespace, "&", "<", "<!", "<?", "</", raw-text elements, ...), fed
# in chunks of several sizes so that chunk ends fall everywhere.

SCAN_NAMES = [
    "p", "div", "span", "a", "b", "strong", "br", "img", "hr", "wbr", "input", "li", "h1",
    "h6", "tr", "pre", "blockquote", "template", "head", "svg", "P", "Div", "BR", "IMG", "H2",
]  # fmt: skip
RAW_NAMES = [
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    "plaintext", "SCRIPT", "Title",
]  # fmt: skip
SCAN_ATTRIBUTE_NAMES = [
    "style", "hidden", "aria-hidden", "href", "class", "data-code", "STYLE", "Hidden",
    "ARIA-hidden", "x:y", "_a", "a.b", "data-style", "stylex", "alt",
]  # fmt: skip
SCAN_VALUES = [
    "display:none", "DISPLAY : NONE", "display:none;height:1px;overflow:hidden;",
    "visibility:hidden", "visibility :HIDDEN", "display:block", "text-align:center;", "true",
    "TRUE", "false", "", "x/", "/", "a>b", "a b", "K图 00700_0", "data-code=1|2", "\n",
]  # fmt: skip
NEAR_VALUES = [
    "x&amp;y", "display&colon;none", "tru&#101;", "&", "a<b", "'", '"', "=", "`", "\xa0",
    "display:none\v", "ſtyle",
]  # fmt: skip
SCAN_SPACES = [" ", "  ", "\t", "\n", "\r", "\f", " \n "]
NEAR_SPACES = ["", "\v", "\xa0", "\u3000", "/", " / ", "\x00"]
SCAN_ENDINGS = [">", "/>", " />", " >", "\n>"]
NEAR_ENDINGS = ["", " /", "/ >", "//>", " / >", "\v>", "\x00>"]
SCAN_COMMENTS = ["", " x ", "-x", "a-b", " EM_StockImg_Start ", "<p>", "a>b>", "新\n", "x->"]
NEAR_COMMENTS = ["-", "--", "- -", "->", "--!", " -- ", "<![", "x-", "-->", "--!>", "!"]
COMMENT_ENDS = ["-->", "--!>", "-- >", "--->", "->", ">", ""]
SCAN_TEXT_CHARS = (
    "aZ0 \t\n\r.,;:!?-_/\\'\"=>#%[]()新华铁军，。“”\u0301\u200d\ufe0f👍🇨\x01\x0b\u2028\xa0"
)
NEAR_PIECES = [
    "<", "</", "<>", "</>", "<!", "<!>", "<!doctype html>", "<!DOCTYPE", "<?x?>", "<?",
    "<![CDATA[x]]>", "<![foo", "<![", "&", "&amp;", "&#65;", "&lt;p&gt;", "&notin;", "&am",
    "&#" + "0" * 40 + "65;", "< p>", "</ p>", "</p x>", "</p", "<p", "<a href='x'",
]  # fmt: skip
HIDING = [
    '<p style="display:none;height:1px;overflow:hidden;">', "<div hidden>", "<DIV HIDDEN>",
    '<span aria-hidden="true">', "<span style='visibility:hidden'>", "<p style=display:none>",
    '<p style="color:red" style="display:none">', '<p style="display:none" style="">',
]  # fmt: skip


def scan_text(alphabet: str) -> st.SearchStrategy[str]:
    """Text of any length, often around the summary's limit, or whitespace only."""
    return st.one_of(
        st.text(st.sampled_from(alphabet), min_size=1, max_size=30),
        st.text(st.sampled_from(alphabet), min_size=150, max_size=260),
        st.integers(1, 300).map(lambda n: ("新华 " * n)[:n]),
        st.text(st.sampled_from(" \t\n\r\f\u3000\xa0\u2028"), min_size=1, max_size=60),
    )


def start_tags(near: bool) -> st.SearchStrategy[str]:
    names = st.sampled_from(SCAN_NAMES)
    values = st.sampled_from(SCAN_VALUES)
    spaces = st.sampled_from(SCAN_SPACES)
    endings = st.sampled_from(SCAN_ENDINGS)
    attribute_names = st.sampled_from(SCAN_ATTRIBUTE_NAMES)
    if near:
        letters = "aZ09-:_.éſİ\u212a"
        names = st.one_of(names, st.sampled_from(RAW_NAMES), st.text(letters, min_size=1))
        values = st.one_of(values, st.sampled_from(NEAR_VALUES), text)
        spaces = st.sampled_from(SCAN_SPACES + NEAR_SPACES)
        endings = st.sampled_from(SCAN_ENDINGS + NEAR_ENDINGS)
        attribute_names = st.one_of(attribute_names, st.text(letters + "\"'=<", min_size=1))
    forms = ['{}="{}"', "{}='{}'", "{}={}", "{}"]
    if near:
        forms += ['{} = "{}"', '{}=="{}"', '{}="{}', "{}=", "{}={}'"]
    attribute = st.tuples(attribute_names, values, st.sampled_from(forms)).map(
        lambda a: a[2].format(a[0], quoted(a[1], a[2]) if not near else a[1])
    )
    return st.tuples(names, st.lists(st.tuples(spaces, attribute), max_size=4), endings).map(
        lambda t: "<" + t[0] + "".join(s + a for s, a in t[1]) + t[2]
    )


def quoted(value: str, form: str) -> str:
    """`value` made fit for the quoting `form` of the subset."""
    if form.startswith('{}="'):
        return value.replace('"', "")
    if form.startswith("{}='"):
        return value.replace("'", "")
    if form == "{}={}":
        bare = "".join(c for c in value if not c.isspace() and c not in "\"'=<>`")
        return bare or "x"
    return value


def scan_documents(near: bool) -> st.SearchStrategy[str]:
    names = st.sampled_from(SCAN_NAMES + (RAW_NAMES if near else []))
    comments = st.lists(st.sampled_from(SCAN_COMMENTS), max_size=3).map(
        lambda c: "<!--" + "".join(c) + "-->"
    )
    pieces = [
        scan_text(SCAN_TEXT_CHARS),
        start_tags(near),
        names.map(lambda n: f"</{n}>"),
        st.sampled_from(HIDING),
        st.sampled_from(["</p>", "</div>", "</span>", "<br />", "<p>"]),
    ]
    if near:
        pieces += [
            scan_text(TRICKY_CHARS),
            st.sampled_from(NEAR_PIECES),
            st.sampled_from(SCAN_ENDINGS + NEAR_ENDINGS).flatmap(
                lambda end: names.map(lambda n: f"</{n}{end}")
            ),
            st.tuples(
                st.lists(st.sampled_from(SCAN_COMMENTS + NEAR_COMMENTS), max_size=3),
                st.sampled_from(COMMENT_ENDS),
            ).map(lambda c: "<!--" + "".join(c[0]) + c[1]),
        ]
    else:
        pieces.append(comments)  # none has "--" inside, starts with ">" or ends with "-"
    return st.lists(st.one_of(*pieces), max_size=40).map("".join)


CHUNK_SIZES = st.sampled_from([1, 2, 3, 7, 16, 64, 200, render._CHUNK])


def parses_each_chunk_as_fed() -> bool:
    """Whether html.parser parses each chunk as it is fed. Some 2025 security releases wait
    instead, after a feed with nothing they could parse, until the buffer doubles: the visible
    text then stops at another point, a prefix long enough all the same (and the same summary).
    """
    seen: list[str] = []

    class Probe(HTMLParser):
        def handle_data(self, data: str) -> None:
            seen.append(data)

    probe = Probe()
    probe.feed("<a" + " b" * 10)
    probe.feed(">c")
    return seen == ["c"]


EXACT_FEEDS = parses_each_chunk_as_fed()


def parsed_summary(html: str, limit: int) -> str:
    """summarise without the scanner."""
    try:
        text = render._parsed_visible_text(html, limit)
    except AssertionError:
        text = _plain_text(html)
    return truncate(text, limit)


def check_scanned(html: str, limit: int) -> str | None:
    """The scanned visible text, checked against the parsed one and summarise's result."""
    scanned = render._scanned_visible_text(html, limit)
    if scanned is not None:
        parsed = render._parsed_visible_text(html, limit)  # html.parser does not raise here
        assert truncate(scanned, limit) == truncate(parsed, limit)
        if EXACT_FEEDS:
            assert scanned == parsed
    assert summarise(html, limit) == parsed_summary(html, limit)
    return scanned


@EQUIVALENCE
@given(scan_documents(near=True), limits, CHUNK_SIZES)
def test_scanned_visible_text_is_the_parsed_one(html: str, limit: int, chunk: int) -> None:
    with patch.object(render, "_CHUNK", chunk):
        scanned = check_scanned(html, limit)
    event("scanned" if scanned is not None else "parsed")


@EQUIVALENCE
@given(scan_documents(near=False), limits, CHUNK_SIZES)
def test_markup_of_the_subset_is_scanned(html: str, limit: int, chunk: int) -> None:
    """Not vacuous: markup of the subset is read by the scanner, whatever the limit and chunks."""
    with patch.object(render, "_CHUNK", chunk):
        assert check_scanned(html, limit) is not None


@EQUIVALENCE
@given(fillers, scan_documents(near=True), limits)
def test_scanned_summary_at_any_chunk_offset(filler: str, html: str, limit: int) -> None:
    assert summarise(filler + html, limit) == reference_summarise(filler + html, limit)
    check_scanned(filler + html, limit)


EM_HEAD = (
    '<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start -->'
    '<p style="text-align:center;"><a href="http://quote.eastmoney.com/unify/r/116.00700" '
    'data-code="00700|116|1" data-code2="00700|116|2|" class="EmImageRemark" target="_blank">'
    '<img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=116.00700&imageType=k&'
    'token=28dfeb41d35cc81d84b4664d7c23c49f&at=1" border="0" alt="K图 00700_0" '
    'data-code="K 00700|116|1" style="border:#d1d1d1 1px solid;" width="578" height="276" />'
    "</a></p><!-- EM_StockImg_End -->"
)
EM_PARAGRAPH = (
    '<p>受此消息影响，<span id="stock_1.601012"><a href="http://quote.eastmoney.com/unify/r/'
    '1.601012" class="keytip" data-code="1,601012">隆基绿能</a></span><span id="quote_1.601012">'
    "</span>板块内多只个股盘中大幅拉升，成交额明显放大。<br /></p>\n <p><strong>业绩</strong></p>"
)
DIGEST = (
    "> 据公司官网消息，某新能源车企宣布其新车型将采用新型环保制冷剂。（示例证券报）\n\n"
    '<p style="display:none;height:1px;overflow:hidden;"><br /></p><p>据悉，这也是国内首家采用'
    '该制冷剂的车企。</p><p class="em_media">（文章来源：示例证券报）</p>\n\n'
    "[返回东财滚动新闻](//news.example.com/finews/emnews/)｜[返回首页](//news.example.com/)\n"
)


@pytest.mark.parametrize("paragraphs", [0, 1, 2, 5, 40])
@pytest.mark.parametrize("offset", [0, 1, 200, 500, 900, 1023])
def test_real_shaped_posts_are_scanned(paragraphs: int, offset: int) -> None:
    """The shape of nearly every real post takes the fast path, wherever its chunks end."""
    for html in (
        " " * offset + EM_HEAD + EM_PARAGRAPH * paragraphs,
        "\n" * offset + rendered(DIGEST * (paragraphs + 1)),
    ):
        for limit in (SUMMARY_LENGTH, 0, 50, 1000):
            assert check_scanned(html, limit) is not None


def test_character_references_within_a_chunk_are_scanned() -> None:
    html = rendered('> "Q&A" 据公司官网消息\n\n' + DIGEST)
    assert "&quot;Q&amp;A&quot;" in html
    assert check_scanned(html, SUMMARY_LENGTH) is not None


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>" + "a" * 300,
        "<title>x</title>" + "a" * 300,
        "<TextArea>x</TextArea>" + "a" * 300,
        "<!-->" + "a" * 300,
        "<!--->" + "a" * 300,
        "<!-- a -- b -->" + "a" * 300,
        "<!-- a --!>" + "a" * 300,
        "<!doctype html>" + "a" * 300,
        "<?php x ?>" + "a" * 300,
        "a < b" + "a" * 300,
        "<p>x</p><![CDATA[y]]>" + "a" * 300,
        '<p style="display&colon;none">x</p>' + "a" * 300,
        "<p a=b=c>x</p>" + "a" * 300,
        "<p\va>x</p>" + "a" * 300,
        "<p a\xa0b>x</p>" + "a" * 300,
        "</p >" + "a" * 300,
        "<my-tag>" + "a" * 300,
        "a &amp; b",  # text with "&" that runs to the end of the markup
        "a" * 1020 + "&amp; b</p>",  # ... or across the end of a chunk
    ],
)
def test_markup_outside_the_subset_is_parsed(html: str) -> None:
    assert render._scanned_visible_text(html, SUMMARY_LENGTH) is None
    assert summarise(html) == reference_summarise(html)


def test_whitespace_is_collapsed_as_the_regex_collapsed_it() -> None:
    """_VisibleText.text splits on str.isspace; _SPACE (\\s) matches exactly those characters."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert "".join(_SPACE.findall(every)) == "".join(c for c in every if c.isspace())
    sample = "\t a\u3000\u3000b\x1c\x85c \xa0 \u2028 d\n"
    assert " ".join(sample.split()) == _SPACE.sub(" ", sample).strip() == "a b c d"
