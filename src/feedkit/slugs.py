"""File-name slugs for category and tag feeds.

A slug is one path segment inside the output folder, whatever the name it comes from: it can
never be empty, ``.`` or ``..``, contain a separator or a control character, or exceed the
file-system limit once an extension and a temporary-file prefix are added.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

# 255 bytes is the name limit on ext4, APFS, NTFS (in UTF-16 units, looser). Leave room for
# ".atom", ".json" and the ".<name>.<random>.tmp" names atomic writes use.
MAX_SLUG_BYTES = 180

_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
_UNSAFE = re.compile(r"[\s/\\:*?\"<>|#%&+'`^{}\[\]~!$=;,@()]+")
_DASHES = re.compile(r"-{2,}")


def slugify(name: str, mode: str = "unicode") -> str:
    """A stable, safe file-name stem for `name` (Unicode kept unless mode is "ascii")."""
    name = unicodedata.normalize("NFC", name)  # NFC and NFD spellings are one name
    text = name
    if mode == "ascii":
        text = anyascii(text)
    text = "".join(_clean_char(ch) for ch in text).lower()
    text = _UNSAFE.sub("-", text)
    text = _DASHES.sub("-", text).strip("-.")
    if not text:
        return "_" + _digest(name)
    head, dot, rest = text.partition(".")
    if head in _WINDOWS_DEVICES:  # con.rss or prn.txt.rss cannot be checked out on Windows
        return f"{head}-{_digest(text)}{dot}{rest}"
    return _truncate(text, name)


def _clean_char(ch: str) -> str:
    """Drop characters that are invisible or unsafe in a file name (controls, bidi marks)."""
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "-" if category in ("Cc", "Zl", "Zp") else ""
    return ch


def _truncate(text: str, name: str) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_SLUG_BYTES:
        return text
    # Cut on a character boundary and add a digest so long names sharing a prefix stay apart.
    head = encoded[: MAX_SLUG_BYTES - 9].decode("utf-8", "ignore").rstrip("-.")
    return f"{head}-{_digest(name)}"


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
