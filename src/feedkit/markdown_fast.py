"""An exact fast path in front of markdown-it for the Markdown nearly every post is made of.

Most posts are one raw-HTML block and two one-line paragraphs (an autolink to the source, a
footer of links), some with a one-line block quote (a digest) before them. markdown-it spends
most of its time on those short paragraphs: rule dispatch, tokens, delimiter bookkeeping.
`render` recognises a small subset of CommonMark and returns exactly what markdown-it
("commonmark" preset, ``html: True``) returns for it, and None for anything outside the
subset, which markdown-it then renders as before.

The subset: a document without CR or NUL (markdown-it's only input normalisations) that is
a sequence of blocks separated by blank lines (lines of spaces and tabs only, markdown-it's
isEmpty), each block one of

* an HTML block of CommonMark type 6: its first line starts in column 0 with ``<`` or
  ``</`` and a block tag name followed by whitespace, ``>``, ``/>`` or the end of the line.
  Such a block runs to the next blank line and is emitted verbatim;
* a paragraph: lines made of plain text, autolinks ``<http(s)://...>`` and inline links
  ``[plain text](destination)`` whose URLs markdown-it leaves unchanged, each line starting
  and ending with a visible character that starts no other block;
* a block quote of such a paragraph, each of its lines marked with ``> ``.

tests/test_render_equivalence.py checks the claim against markdown-it on generated
documents, near misses included.
"""

from __future__ import annotations

import re

# CommonMark's block tag names (HTML blocks of type 6), as markdown-it lists them in
# markdown_it.common.html_blocks; a test holds the two lists equal. Importing that module
# would import all of markdown-it (~20 ms), which only posts outside the subset need.
BLOCK_NAMES = (
    "address", "article", "aside", "base", "basefont", "blockquote", "body", "caption",
    "center", "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2",
    "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "iframe", "legend", "li", "link",
    "main", "menu", "menuitem", "nav", "noframes", "ol", "optgroup", "option", "p", "param",
    "search", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title",
    "tr", "track", "ul",
)  # fmt: skip

# Links both markdown-it normalisers return unchanged (see render._CommonMark), made of
# characters percent-encoding keeps ("%" excepted): http(s) or protocol-relative ones with a
# lowercase ASCII host of at most 255 characters in labels of at most 63, and no user or port;
# and relative ones without ":" (no scheme) that do not start with "//" (no host).
_PLAIN_ABSOLUTE_LINK = re.compile(
    r"(?:https?:)?//(?=[^/]{1,255}(?:/|\Z))[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*"
    r"(?:/[A-Za-z0-9;/?:@&=+$,_.!~*'()#-]*)?"
)
_PLAIN_RELATIVE_LINK = re.compile(r"(?!//)[A-Za-z0-9;/?@&=+$,_.!~*'()#-]*")


def is_plain_link(url: str) -> bool:
    """Whether markdown-it's normalisers would return `url` unchanged (a safe subset)."""
    return "xn--" not in url and bool(
        _PLAIN_ABSOLUTE_LINK.fullmatch(url) or _PLAIN_RELATIVE_LINK.fullmatch(url)
    )


# Blank lines: markdown-it's isEmpty counts only spaces and tabs as blank (not NBSP, U+3000),
# and a last line of them without "\n" is not even a line to it. Searched from a line start.
_NON_BLANK_LINE = re.compile(r"^[ \t]*[^ \t\n]", re.MULTILINE)
# The "\n" ending a block: the next line is blank, or the rest of the document is.
_BLOCK_END = re.compile(r"\n(?=[ \t]*(?:\n|\Z))")

# markdown-it's own type 6 start condition, on the same tag names. Types 1 to 5 start with
# "<!", "<?" or one of script/pre/style/textarea followed by whitespace or ">", so no line
# matches both; type 6 is tried before type 7. Matched in the document rather than the
# line: at the end of a line "\s" matches the "\n" where "$" matched the end of the line.
_HTML_BLOCK_START = re.compile(
    r"</?(?a:(" + "|".join(BLOCK_NAMES) + r"))(?=\s|/?>|$)", re.IGNORECASE
)

# Plain text: no character that starts an inline rule markdown-it's commonmark preset runs
# (escape, backticks, emphasis, entity, image, link, autolink, raw HTML), no "]" (ends a
# link label) and no control character (tab and line ends included).
_TEXT = r"[^\x00-\x1f\x7f\\`*_&<\[\]!]+"
# A link destination with at most one level of balanced parentheses (markdown-it allows 32),
# no space, "<" (the <...> form), "\" (escapes) or "&" (markdown-it decodes entities in it).
_DEST_CHARS = r"[^\s()<>&\\]*"
_DEST = rf"{_DEST_CHARS}(?:\({_DEST_CHARS}\){_DEST_CHARS})*"
_INLINE = re.compile(
    rf"(?P<text>{_TEXT})"
    r"|<(?P<autolink>https?://[^\s<>]*)>"
    rf"|\[(?P<label>{_TEXT})\]\((?P<dest>{_DEST})\)"
)
# Line starts another block rule might claim, on a paragraph's first line or to interrupt it:
# ATX headings, block quotes, thematic breaks and bullets, setext underlines, "~" fences,
# table pipes and ordered-list markers. "`", "*" and "_" are not plain text at all.
_BLOCK_MARKER = re.compile(r"[#>+\-=~|]|[0-9]+[.)]")


def render(doc: str) -> str | None:
    """What markdown-it renders `doc` to, or None if `doc` is outside the subset."""
    if "\r" in doc or "\0" in doc:
        return None  # markdown-it normalises these first: leave them to it
    out: list[str] = []
    pos, length = 0, len(doc)
    while True:
        block = _NON_BLANK_LINE.search(doc, pos)
        if block is None:
            return "".join(out)
        pos = block.start()
        end = _BLOCK_END.search(doc, pos)
        stop = end.end() if end else length  # past the block's "\n", if it has one
        if _HTML_BLOCK_START.match(doc, pos):
            # A type 6 block ends at a blank line; markdown-it keeps its lines as they are.
            out.append(doc[pos:stop])
        else:
            lines = doc[pos : stop - 1 if end else stop].split("\n")
            html = _blockquote(lines) if lines[0].startswith(">") else _paragraph(lines)
            if html is None:
                return None
            out.append(html)
        pos = stop


def _blockquote(lines: list[str]) -> str | None:
    """A block quote of one paragraph, every line of it marked with "> ".

    markdown-it takes the ">" and the one space after it off each line and parses what is
    left as blocks of their own; with no line lazy (unmarked), none blank after the marker and
    none indented further, that is the paragraph below.
    """
    if not all(line.startswith("> ") for line in lines):
        return None
    paragraph = _paragraph([line[2:] for line in lines])
    return None if paragraph is None else f"<blockquote>\n{paragraph}</blockquote>\n"


def _paragraph(lines: list[str]) -> str | None:
    """A paragraph as markdown-it renders it, or None outside the subset.

    Every line starts in column 0 (not indented code) and neither starts nor ends with
    whitespace, a control or a format character: markdown-it's trimming of the paragraph
    (Unicode whitespace included) and of each line around its "\n" is then a no-op, and each
    "\n" is a soft break, rendered as "\n". No line starts another block or, after the first,
    interrupts the paragraph or underlines it (setext): _BLOCK_MARKER, and "`", "*", "_"
    are not plain text. A line starting with "[" cannot be a reference definition: its label
    is plain text followed by "(", not ":". One starting with "<" is an autolink, and "<" +
    scheme + ":" matches no HTML block start condition (a tag name is followed by whitespace,
    "/" or ">"). Every inline construct of the subset starts and ends on one line.
    """
    out = ["<p>"]
    for number, line in enumerate(lines):
        if _BLOCK_MARKER.match(line) or not (_edge(line[:1]) and _edge(line[-1:])):
            return None
        if number:
            out.append("\n")
        pos, length = 0, len(line)
        while pos < length:
            match = _INLINE.match(line, pos)
            if match is None:
                return None
            text, autolink, label, dest = match.group("text", "autolink", "label", "dest")
            if text is not None:
                out.append(escape_html(text))
            elif autolink is not None:
                # markdown-it checks the scheme, then normalises the URL for href and for the
                # text and validates it: for a plain http(s) link all of that is the identity.
                if not is_plain_link(autolink):
                    return None
                url = escape_html(autolink)
                out.append(f'<a href="{url}">{url}</a>')
            else:
                # An empty destination is no destination to markdown-it: leave it to it.
                if not dest or not is_plain_link(dest):
                    return None
                out.append(f'<a href="{escape_html(dest)}">{escape_html(label)}</a>')
            pos = match.end()
    out.append("</p>\n")
    return "".join(out)


def _edge(char: str) -> bool:
    """Whether `char` is one character and not whitespace, a control or a format character."""
    return char.isprintable() and not char.isspace() and len(char) == 1


def escape_html(text: str) -> str:
    """markdown-it's escapeHtml: ``&``, ``<``, ``>`` and ``"`` (not ``'``) as references."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
