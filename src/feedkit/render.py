"""Stage 3: turn a post body into feed content: safe HTML with absolute URLs, and a summary.

Downstream sites embed ``content_html`` as it is, so the sanitiser (nh3, the Rust ammonia
library) is the last thing to touch content: scripts, event handlers, ``style``, iframes and
``javascript:``/``data:`` URLs never get through, and every link is made absolute on the way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from contextvars import ContextVar
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import nh3

from . import markdown_fast
from .markdown_fast import is_plain_link as _is_plain_link
from .model import Post
from .urls import absolute_url

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

SUMMARY_LENGTH = 200
_CHUNK = 1024
ELLIPSIS = "…"

# XML 1.0 allows tab, LF, CR and these ranges; anything else makes a feed unreadable.
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster"})
_SPACE = re.compile(r"\s+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "head", "noscript", "img", "svg"})
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"}
)

_LINK_CACHE_SIZE = 1024


@lru_cache(maxsize=1)
def commonmark() -> MarkdownIt:
    """CommonMark with raw HTML, whose link normalisation is memoised; built on first use.

    normalizeLink and normalizeLinkText (mdurl parse, punycode, percent-encoding) are a large
    share of inline parsing, are pure functions of the URL, and posts repeat their links (a
    footer in every post). Plain links skip them: the library returns those unchanged (mdurl
    keeps such a host, path and scheme as they are; punycode only touches non-ASCII labels and
    "xn--" ones; encode and decode only touch other characters and "%"). validateLink is kept.
    markdown_fast renders as this preset with these options does (the equivalence tests check).
    Imported here, not with this module: most runs render no post markdown_fast cannot, and
    importing markdown-it costs ~20 ms.
    """
    from markdown_it import MarkdownIt

    class CommonMark(MarkdownIt):
        def __init__(self) -> None:
            super().__init__("commonmark", {"html": True})
            self._link = lru_cache(maxsize=_LINK_CACHE_SIZE)(super().normalizeLink)
            self._link_text = lru_cache(maxsize=_LINK_CACHE_SIZE)(super().normalizeLinkText)

        def normalizeLink(self, url: str) -> str:
            return url if _is_plain_link(url) else self._link(url)

        def normalizeLinkText(self, link: str) -> str:
            return link if _is_plain_link(link) else self._link_text(link)

    return CommonMark()


_ALLOWED_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRIBUTES.setdefault("img", set()).update({"alt", "title", "width", "height"})
_ALLOWED_ATTRIBUTES.setdefault("a", set()).add("title")
# The base URL of the sanitise() call running in this thread (or task), for the cleaner's filter.
_base_url: ContextVar[str] = ContextVar("feedkit_render_base_url")


def xml_text(text: str) -> str:
    """Drop characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/F)."""
    return _XML_INVALID.sub("", text)


def body_html(post: Post) -> str:
    """The body as HTML: Markdown posts rendered as CommonMark (raw HTML kept), HTML as is.

    Most bodies are in the subset markdown_fast renders exactly as markdown-it does, in a
    fraction of the time; markdown-it renders the rest.
    """
    if not post.markdown:
        return post.body
    html = markdown_fast.render(post.body)
    return commonmark().render(post.body) if html is None else html


def sanitise(html: str, base_url: str) -> str:
    """Safe HTML for embedding, with every href/src resolved against `base_url`."""
    token = _base_url.set(base_url)
    try:
        cleaned = _cleaner.clean(xml_text(html))  # lone surrogates cannot even be handed to nh3
    finally:
        _base_url.reset(token)
    # After cleaning: nh3 decodes character references such as &#1; into the raw character.
    return xml_text(cleaned).strip()


def _absolutise(tag: str, attribute: str, value: str) -> str | None:
    if attribute in _URL_ATTRIBUTES:
        return absolute_url(value, _base_url.get())
    return value


# Built once: nh3.clean() would build the same ammonia cleaner again for every post. The
# filter takes the base URL from the context, as nh3 passes it only tag, attribute and value.
_cleaner = nh3.Cleaner(
    attributes=_ALLOWED_ATTRIBUTES, attribute_filter=_absolutise, link_rel="noopener noreferrer"
)


def summarise(html: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first `limit` characters of the visible text, cut cleanly, with an ellipsis."""
    try:
        text = _visible_text(html, limit)
    except AssertionError:  # html.parser gives up on some markup (e.g. "<![foo" before 3.13)
        text = _plain_text(html)
    return truncate(text, limit)


def _visible_text(html: str, limit: int) -> str:
    """The visible text of `html`, or a prefix of it longer than `limit` + 2 (all a cut sees).

    Markup of the subset _scanned_visible_text reads (nearly all real posts) skips html.parser's
    tokeniser, which costs most of the time here; anything else is parsed.
    """
    text = _scanned_visible_text(html, limit)
    return _parsed_visible_text(html, limit) if text is None else text


def _parsed_visible_text(html: str, limit: int) -> str:
    """_visible_text by html.parser, for any markup.

    Only the first `limit` characters matter: parse in chunks and stop once the visible text so
    far is long enough, instead of parsing a long body to its end.
    """
    extractor = _VisibleText(limit)
    try:
        for start in range(0, len(html), _CHUNK):
            end = start + _CHUNK
            # html.parser raises AssertionError only on "<![": once one is in the markup, stop
            # only between chunks, so that an error later in a chunk still means the fallback.
            if extractor.may_stop and html.find("<![", max(0, start - 2), end) >= 0:
                extractor.may_stop = False
            extractor.feed(html[start:end])
            if (text := extractor.decisive_text()) is not None:
                return text
        extractor.close()
    except _Enough as enough:
        return enough.text
    return extractor.text()


# The tokens _scanned_visible_text reads: text, and markup that every html.parser since 3.10
# tokenises alike, before and after the 2025 HTML5 rework of tags and comments. A start tag: an
# ASCII name, then attributes after ASCII whitespace (not "\v" or U+00A0: the rework narrowed
# whitespace), named in ASCII, each valued at most once (the old parser allows "=="): "double",
# 'single' (the content is the value) or bare, a bare value ending at whitespace or ">" as it
# does in both (so "a=x/>" is read as a="x/", not as self-closing). An end tag "</name>". A
# comment with no "--" inside: "--\s*>" (before) and "--!?>" (after) both end it at its "-->",
# and it is not "<!-->" or "<!--->" (closed at once after, not before).
_SCAN_TOKEN = re.compile(
    r"([^<]+)"  # 1: text
    r"|<(?:([a-zA-Z][a-zA-Z0-9]*)"  # 2: a start tag's name
    r"((?:[\t\n\f\r ]+[a-zA-Z_:][-a-zA-Z0-9_:.]*"  # 3: its attributes
    r"""(?:="[^"]*"|='[^']*'|=[^\s"'=<>`]+(?=[\t\n\f\r >]))?)*)"""
    r"[\t\n\f\r ]*(/?)>"  # 4: "/" if self-closing
    r"|/([a-zA-Z][a-zA-Z0-9]*)>"  # 5: an end tag's name
    r"|!--(?!-?>)[^-]*(?:-[^-]+)*-->)"  # a comment
)
_SCAN_ATTRIBUTE = re.compile(r"""([^\s=]+)(=(?:"([^"]*)"|'([^']*)'|(\S*)))?""")
# Elements whose content is not markup to some html.parser: CDATA (script, style), RCDATA
# (textarea, title), RAWTEXT and PLAINTEXT since the rework, noscript with scripting on.
_RAW_TEXT_TAGS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
    | {"noscript", "plaintext"}
)


def _scanned_visible_text(html: str, limit: int) -> str | None:
    """_parsed_visible_text(html, limit), without html.parser's tokeniser; None if the markup
    read before the result is decided is not all of the subset _SCAN_TOKEN reads.

    The same _VisibleText gets the same calls in the same order, as html.parser makes them
    when fed chunk by chunk: a tag or comment once the chunk it ends in is fed (a buffer that
    holds only part of one of these makes the parser wait for more), text up to the next "<"
    or the end of the fed chunks (with no "&" in it the parser holds none of it back). Between
    feeds comes the same check, and the same "<![" look (a chunk with one is refused here).
    Refused too: text with an "&" unless its "<" is in the chunk where it starts (one piece,
    decoded by html.unescape as the parser does; cut, it could be held back); raw-text
    elements; an "&" in the attributes of an element that may be hidden (the rework decodes
    attribute values differently). Some 2025 releases' parsers wait, after a feed with nothing
    they could parse, until the buffer doubles: they stop at another point, but with visible
    text that is a prefix long enough all the same, which truncate cuts alike.
    """
    extractor = _VisibleText(limit)
    handle_data, handle_endtag = extractor.handle_data, extractor.handle_endtag
    scan = _SCAN_TOKEN.match
    size = len(html)
    pos = fed = 0  # fed: where the chunks fed so far end
    try:
        while (match := scan(html, pos)) is not None:
            end = match.end()
            data, name, attributes, slash, closing = match.groups()
            if data is not None and "&" in data:
                if end == size or pos // _CHUNK != end // _CHUNK:
                    return None
                data = unescape(data)
            while end > fed:  # feed the next chunk
                if data is not None and pos < fed:  # text cut by the end of the fed chunks
                    handle_data(html[pos:fed])
                    data, pos = html[fed:end], fed
                if fed and (text := extractor.decisive_text()) is not None:
                    return text
                if html.find("<![", max(0, fed - 2), fed + _CHUNK) >= 0:
                    return None
                fed = min(fed + _CHUNK, size)
            pos = end
            if data is not None:
                handle_data(data)
            elif closing:
                handle_endtag(closing.lower())
            elif name:
                tag = name.lower()
                attrs = _scanned_attributes(attributes) if tag not in _VOID_TAGS else []
                if attrs is None or tag in _RAW_TEXT_TAGS:
                    return None
                if slash:
                    extractor.handle_startendtag(tag, attrs)
                else:
                    extractor.handle_starttag(tag, attrs)
    except _Enough as enough:
        return enough.text
    return extractor.text() if pos == size else None


def _scanned_attributes(text: str) -> list[tuple[str, str | None]] | None:
    """The attributes of a start tag of _SCAN_TOKEN as _hides sees them; None if unsure.

    With no "hidden" or "style" in any case, none of them hides the element, and an empty
    list says just that to _VisibleText. Otherwise all of them in order (the last of repeated
    ones counts in _hides), named in lowercase, None for one without a value and what is
    inside the quotes for a quoted one, as html.parser gives them: with no "&" in them, there
    is nothing for the parser to decode.
    """
    lowered = text.lower()
    if "hidden" not in lowered and "style" not in lowered:
        return []
    if "&" in text:
        return None
    return [
        (name.lower(), (double + single + bare) if value else None)
        for name, value, double, single, bare in _SCAN_ATTRIBUTE.findall(text)
    ]


def _plain_text(html: str) -> str:
    """A rougher visible text: comments and tags removed, entities decoded."""
    text = re.sub(r"<!--.*?(?:-->|$)|<[^>]*>?", " ", html, flags=re.S)
    return xml_text(_SPACE.sub(" ", unescape(text)).strip())


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters plus an ellipsis.

    Counts characters, not words, so CJK text (no spaces) is cut like any other; Latin text is
    cut at a space when one is near, and never inside a combining sequence or an emoji.
    """
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and _joins_previous(text, cut):
        cut -= 1
    space = text.rfind(" ", max(0, cut - 20), cut + 1)
    if space > 0 and not _is_wide(text[cut - 1]):
        cut = space
    return text[:cut].rstrip() + ELLIPSIS


def _joins_previous(text: str, index: int) -> bool:
    """True if cutting before text[index] would split a user-perceived character."""
    ch, prev = text[index], text[index - 1]
    if prev == "\u200d" or ch == "\u200d":
        return True
    if "\ufe00" <= ch <= "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff":
        return True  # variation selectors and skin tones modify the character before them
    if "\U000e0020" <= ch <= "\U000e007f":
        return True  # tag characters spell out a subdivision flag such as England's
    if "\U0001f1e6" <= ch <= "\U0001f1ff" and "\U0001f1e6" <= prev <= "\U0001f1ff":
        return True
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


class _Enough(Exception):
    """Raised inside the parser once the visible text so far decides the summary."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class _VisibleText(HTMLParser):
    """Collects the text a reader would see: no hidden elements, comments, images or scripts.

    While `may_stop`, it ends the parse (raises _Enough) in the middle of a chunk once the
    visible text is longer than `limit` + 2: that text only grows by appending, so the cut is
    the one summarise would make after the whole chunk.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0  # characters collected so far
        self.may_stop = True
        self._limit = limit
        self._check_at = limit  # the length after which to look at the visible text again
        self._stack: list[tuple[str, bool]] = []  # (tag, hides its content)
        self._hidden = False  # whether content at this point is hidden

    def text(self) -> str:
        """The visible text so far, whitespace collapsed."""
        return xml_text(" ".join("".join(self.parts).split()))  # as _SPACE.sub(" ", …).strip()

    def decisive_text(self) -> str | None:
        """The visible text so far if it is long enough to decide the summary."""
        if self.length > self._limit:
            text = self.text()
            if len(text) > self._limit + 2:
                return text
            # Mostly whitespace so far: look again only after about a chunk of text, not at
            # every piece, so that a long body costs no more looks than one per chunk.
            self._check_at = self.length + _CHUNK
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")
        if tag in _VOID_TAGS:
            return
        hidden = self._hidden or tag in _SKIPPED_TAGS or (bool(attrs) and _hides(attrs))
        self._stack.append((tag, hidden))
        self._hidden = hidden

    def handle_endtag(self, tag: str) -> None:
        stack = self._stack
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == tag:
                del stack[depth:]
                self._hidden = bool(stack) and stack[-1][1]
                break
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.parts.append(data)
        self.length += len(data)
        if self.length > self._check_at and self.may_stop:
            text = self.decisive_text()
            if text is not None:
                raise _Enough(text)


def _hides(attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an element with these attributes is hidden (the last of repeated ones counts)."""
    attributes = dict(attrs)
    return (
        "hidden" in attributes
        or attributes.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE.search(attributes.get("style") or ""))
    )


def render(post: Post) -> Post:
    """Fill in `content_html` and `summary` (the post's own description wins)."""
    render_all([post])
    return post


def render_all(posts: Sequence[Post]) -> None:
    """`render` for many posts, one stage at a time.

    Each stage (Markdown, nh3, the summary's parser) runs over every post before the next: its
    code stays in the CPU's caches, which makes rendering a batch ~30% faster than rendering
    post after post.
    """
    htmls = [body_html(post) for post in posts]
    for post, html in zip(posts, htmls, strict=True):
        post.content_html = sanitise(html, post.url)
    for post, html in zip(posts, htmls, strict=True):
        if post.description:
            post.summary = xml_text(_SPACE.sub(" ", post.description).strip())
        else:
            post.summary = summarise(html)
