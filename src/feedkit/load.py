"""Stage 1: find post files and split each into front matter and body.

The front matter rule is Jekyll's: a post has front matter only if its very first line is
``---`` (a leading blank line means none, and Jekyll then publishes the file as an untitled page).
TOML (``+++``) and JSON (``{``) front matter are read through python-frontmatter's handlers.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import JSONHandler

from . import yamltext
from .errors import ConfigError, PostError, Problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Progress = Callable[[int], None]  # advanced by the number of files done

MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown", ".mkdown", ".mkdn", ".mkd"})
POST_EXTENSIONS = MARKDOWN_EXTENSIONS | {".html", ".htm"}
# A file changed this close to a run may change again within the same tick of the file system's
# clock (coarse: a few ms on Linux, 2 s on FAT) without its mtime moving.
RACY_NS = 2_000_000_000

# Jekyll::Document::YAML_FRONT_MATTER_REGEXP, in Python's dialect.
_YAML_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n?)^(?:---|\.\.\.)[ \t]*$\n?", re.S | re.M)
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n?)^\+\+\+[ \t]*$\n?", re.S | re.M)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class Source:
    """A post file read and split, front matter parsed but not yet checked."""

    path: str  # relative to the site root, forward slashes
    front_matter: dict[str, Any]
    front_matter_text: str  # YAML text, for locating keys in messages ("" for TOML/JSON)
    front_matter_line: int  # 1-based line of the first front matter line
    body: str
    body_line: int


@dataclass(frozen=True)
class PostFile:
    """A candidate post file, as found on disk: one stat, no parsing yet."""

    path: str  # relative to the site root, forward slashes
    location: str  # where to open it (a str: a Path per file costs more than the stat)
    size: int
    mtime_ns: int
    racy: bool = False  # changed so recently that its mtime may not show the next change

    @property
    def file(self) -> Path:
        return Path(self.location)

    def read(self) -> bytes:
        """The file's bytes, read with the size the scan saw (see `read_bytes`)."""
        return read_bytes(self.location, self.size)

    @property
    def recorded_mtime_ns(self) -> int:
        """The mtime to remember for the next run: -1 for a racy file, so it is compared by
        content then. (A file written twice in one tick of the file system's clock keeps its
        mtime; git calls such index entries "racily clean".)"""
        return -1 if self.racy else self.mtime_ns


def read_bytes(location: str, size: int = -1) -> bytes:
    """The bytes of the file at `location`, expected to be `size` long (-1: ask the file).

    About half the time of Path.read_bytes() (no Path, no buffered reader), which counts over
    100,000 posts. A regular file reads short only at its end; one that grew is read on to it.
    """
    fd = os.open(location, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if size < 0:
            size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:
            return data
        chunks = [data]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def find_posts(posts_dir: Path, site_root: Path) -> list[PostFile]:
    """Every candidate post file under `posts_dir`, sorted by path, never leaving the site.

    Like Jekyll's safe mode, symbolic links are not followed: a link in ``_posts`` could make
    feedkit publish any file on the machine. One stat per file: a cron run over 100,000 posts
    spends most of its time here when nothing changed.
    """
    if posts_dir.is_symlink():
        link = relative(posts_dir, site_root)
        message = "is a symbolic link; feedkit follows no links (as Jekyll's safe mode)"
        raise ConfigError([Problem(link, 0, "posts_dir", message)])
    if not posts_dir.is_dir():
        return []
    prefix = relative(posts_dir, site_root)
    found: list[PostFile] = []
    _scan(str(posts_dir), prefix + "/" if prefix else "", found, time.time_ns() - RACY_NS)
    found.sort(key=lambda f: f.path)
    return found


def _scan(folder: str, rel: str, found: list[PostFile], racy_after: int) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if _ignored(entry.name) or entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                _scan(entry.path, f"{rel}{entry.name}/", found, racy_after)
            elif "." + entry.name.rpartition(".")[2].lower() in POST_EXTENSIONS:
                stat = entry.stat(follow_symlinks=False)
                mtime = stat.st_mtime_ns
                found.append(
                    PostFile(f"{rel}{entry.name}", entry.path, stat.st_size, mtime,
                             mtime >= racy_after)
                )  # fmt: skip


def _ignored(name: str) -> bool:
    """Jekyll's EntryFilter: dot-, underscore- and hash-files and editor backups are skipped."""
    return name[0] in "._#" or name[-1] == "~"


def relative(path: Path, root: Path) -> str:
    """`path` relative to `root`, with forward slashes (or as it is, if outside `root`)."""
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    return path.as_posix()


def read_source(file: Path, site_root: Path) -> Source:
    """Read one post file. Raises PostError with the line of whatever is wrong."""
    return parse_source(file.read_bytes(), file, site_root)


def body_of(data: bytes, rel: str) -> str:
    """The body of the post file at `rel` (relative to the site root), already checked: its
    YAML front matter is skipped, not parsed again."""
    text = _decode(data, rel)
    match = _YAML_FRONT_MATTER.match(text)
    return text[match.end() :] if match else split(text, rel).body


def parse_source(data: bytes, file: Path, site_root: Path) -> Source:
    """Parse the bytes of one post file (already read, e.g. to hash them)."""
    return parse(data, relative(file, site_root))


def parse(data: bytes, rel: str) -> Source:
    """`parse_source` for the post file at `rel`, relative to the site root.

    A cold run parses every post: taking the relative path the scan already made, instead of
    deriving it from a Path, saves ~7 us a post (a quarter of parsing one).
    """
    return split(_decode(data, rel), rel)


def _decode(data: bytes, rel: str) -> str:
    if not data or data.isspace():  # data.strip() would copy the whole file
        raise _error(rel, 1, "file", "is empty: a post needs front matter and a body")
    if data.startswith(_UTF16_BOMS):
        try:
            return _normalise_newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise _error(rel, 1, "file", "has a UTF-16 byte order mark but is not UTF-16") from None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise _error(rel, line, "file", "contains NUL bytes: a binary file, not a text post")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _error(
            rel, line, "file", f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save as UTF-8"
        ) from None
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str, rel: str) -> Source:
    """Split front matter from body (YAML, TOML or JSON) and parse it."""
    match = _YAML_FRONT_MATTER.match(text)
    if match:
        fm_text = match.group(1)
        data = _load_yaml(fm_text, rel)
        return _source(rel, data, fm_text, text, match.end())
    match = _TOML_FRONT_MATTER.match(text)
    if match:
        return _source(rel, _load_toml(match.group(1), rel), "", text, match.end())
    if text.startswith("{"):
        return _split_json(text, rel)
    return _no_front_matter(text, rel)


def _source(rel: str, data: Any, fm_text: str, text: str, body_start: int) -> Source:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _error(rel, 2, "front matter", "must be a mapping of keys to values")
    body_line = text.count("\n", 0, body_start) + 1
    return Source(rel, data, fm_text, 2, text[body_start:], body_line)


def _load_yaml(fm_text: str, rel: str) -> Any:
    try:
        data = yamltext.load(fm_text)
    except yamltext.DuplicateKey as exc:
        assert exc.problem_mark is not None
        line = exc.problem_mark.line + 2  # +1: 1-based, +1: the opening ---
        message = f"duplicate key (first on line {exc.first_line + 2}); YAML would keep only "
        raise _error(rel, line, exc.key, message + "this value: remove one") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line if mark else 0) + 2  # +1: 1-based, +1: the opening ---
        where = f" (column {mark.column + 1})" if mark else ""
        reason = exc.problem or "invalid YAML"
        offending = (
            fm_text.split("\n")[mark.line] if mark and mark.line < fm_text.count("\n") + 1 else ""
        )
        hint = "; YAML does not allow tabs: indent with spaces" if "\t" in offending else ""
        raise _error(rel, line, "yaml", f"{reason}{where}{hint or _yaml_hint(reason)}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. U+007F
        line = fm_text.count("\n", 0, exc.position) + 2
        raise _error(
            rel, line, "yaml", f"character {exc.character!r} is not allowed in YAML"
        ) from None
    except yaml.YAMLError as exc:
        raise _error(rel, 2, "yaml", _one_line(str(exc))) from None
    except RecursionError:
        raise _error(rel, 2, "yaml", "front matter nests too deeply") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError):
        # A well-formed value the safe constructor cannot build (2022-02-30, !!int abc).
        found = yamltext.failing_scalar(fm_text)
        if found is None:
            message = "a value cannot be read; quote it to keep it as text"
            raise _error(rel, 2, "yaml", message) from None
        line, value, kind = found
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise _error(
            rel, line + 2, "yaml",
            f"{shown!r} is read as {_article(kind)} {kind} but is not a valid one; correct it, "
            "or quote it to "
            "keep it as text",
        ) from None  # fmt: skip
    return data


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml_hint(reason: str) -> str:
    if "expected <block end>" in reason or "did not find expected key" in reason:
        return "; a value with quotes inside must be quoted with the other quote mark"
    if "mapping values are not allowed" in reason:
        return "; a value containing ': ' must be quoted"
    return ""


def _load_toml(fm_text: str, rel: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(fm_text)
        return data
    except tomllib.TOMLDecodeError as exc:
        # The position is only in the message before Python 3.14: "(at line 2, column 5)".
        found = re.search(r"at line (\d+)", str(exc))
        last = fm_text.count("\n") + 1  # "at end of document": the last front matter line
        line = int(found.group(1)) + 1 if found else last
        raise _error(rel, line, "toml", _one_line(str(exc))) from None
    except RecursionError:
        raise _error(rel, 2, "toml", "front matter nests too deeply") from None


def _split_json(text: str, rel: str) -> Source:
    handler = JSONHandler()
    try:
        fm, body = handler.split(text)
    except ValueError:
        raise _error(
            rel, 1, "json", "front matter is not closed: end it with a line holding only '}'"
        ) from None
    try:
        data = json.loads(fm, object_pairs_hook=_unique_keys)
    except ValueError as exc:  # json.JSONDecodeError, or a duplicate key
        line = getattr(exc, "lineno", 1)
        raise _error(rel, line, "json", f"invalid JSON front matter: {exc}") from None
    except RecursionError:
        raise _error(rel, 1, "json", "front matter nests too deeply") from None
    return _source(rel, data, "", text, len(text) - len(body))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _value in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r}: JSON would keep only the last value")
    return dict(pairs)


def _no_front_matter(text: str, rel: str) -> Source:
    if text.startswith(("---", "+++")):
        raise _error(rel, 1, "front matter", "is not closed: add a line '---' after it")
    stripped = text.lstrip()
    if stripped.startswith(("---", "+++")):
        line = text.count("\n", 0, len(text) - len(stripped)) + 1
        raise _error(
            rel,
            line,
            "front matter",
            f"must start on line 1, found '---' on line {line}; remove what comes before it "
            "(Jekyll would publish this file with no front matter: no title, no category)",
        )
    raise _error(rel, 1, "front matter", "missing: a post starts with a '---' line")


def _error(rel: str, line: int, field: str, message: str) -> PostError:
    return PostError([Problem(rel, line, field, message)])
