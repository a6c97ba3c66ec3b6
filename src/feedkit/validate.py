"""Stage 2: check front matter against the JSON Schema and resolve it into a `Post`.

Every problem in a file is reported, each with the line of the offending key, so one run tells
the owner everything to fix.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import fastjsonschema

from . import dates, fastschema, permalink, yamltext
from .errors import PostError, Problem
from .load import MARKDOWN_EXTENSIONS, Source
from .model import Author, Post
from .render import xml_text
from .resources import load_schema
from .site import Site
from .urls import absolute_url, encode_path

if TYPE_CHECKING:
    import jsonschema

NO_DATE_IN_NAME = "has no date: name post files YYYY-MM-DD-title.md (Jekyll does not publish it)"
_FRIENDLY = {
    "title": "must be non-empty text",
    "categories": "must be a name, a space-separated string of names, or a list of names",
    "tags": "must be a name, a space-separated string of names, or a list of names",
    "image": "must be a URL or path, or a mapping with a 'path'",
    "author": "must be a name or a mapping with name/email/uri",
}
_DATE_FIELDS = ("date", "updated", "last_modified_at")
_ASCII_SPACE = re.compile(r"[ \t\n\v\f\r]+")


MAX_VALUES = 10_000  # front matter values, aliases expanded: a post needs a few dozen
MAX_DEPTH = 50
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN = frozenset({str, int, float, bool, type(None)})  # exact types: not subclasses


@dataclass
class Validator:
    """The JSON Schemas a site's posts must satisfy: feedkit's own, then the site's.

    jsonschema is the authority and explains every problem, but it costs ~170 µs a post;
    fastjsonschema compiles a schema to Python and says valid/invalid ~70x faster. Valid posts
    (nearly all) only take the fast check; any post it rejects gets the full explanation.
    jsonschema is imported only then: importing it takes ~45 ms, a sixth of a warm run.
    """

    schemas: list[dict[str, Any]] = field(default_factory=list)
    fast_checks: list[Callable[[Any], Any]] = field(default_factory=list)
    max_values: int = MAX_VALUES
    _explainers: list[jsonschema.protocols.Validator] | None = field(default=None, repr=False)

    @classmethod
    def for_site(cls, site: Site) -> Validator:
        schemas = [load_schema("post.schema.json")]
        if site.schema is not None:
            schemas.append(json.loads(site.schema.read_text(encoding="utf-8")))
        # feedkit's own schema is checked restated (fastschema); a site's as its owner wrote it
        fast = [_compile(fastschema.simplify(schemas[0])), *map(_compile, schemas[1:])]
        return cls(
            schemas,
            [check for check in fast if check is not None] if all(fast) else [],
            MAX_VALUES + 2 * site.max_names,  # names count as values: raising one raises both
        )

    def problems(self, source: Source) -> list[Problem]:
        try:
            document = _Plain(self.max_values).convert(source.front_matter)
        except _Unreadable as exc:
            return [Problem(source.path, key_line(source, exc.path), exc.field, exc.message)]
        if self.fast_checks and _passes(self.fast_checks, document):
            return []
        found: dict[tuple[str, str], Problem] = {}
        for validator in self._validators():
            for error in validator.iter_errors(document):
                problem = _problem(source, error)
                found.setdefault((problem.field, problem.message), problem)
        return sorted(found.values(), key=lambda p: (p.line, p.field))

    def _validators(self) -> list[jsonschema.protocols.Validator]:
        if self._explainers is None:
            import jsonschema  # only here: see the class docstring

            self._explainers = [jsonschema.Draft202012Validator(s) for s in self.schemas]
        return self._explainers


def _compile(schema: dict[str, Any]) -> Callable[[Any], Any] | None:
    """A compiled check for `schema`, or None if fastjsonschema cannot compile it."""
    try:
        check: Callable[[Any], Any] = fastjsonschema.compile(schema)
    except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError):
        return None
    return check


def _passes(checks: list[Callable[[Any], Any]], document: Any) -> bool:
    try:
        for check in checks:
            check(document)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


class _Unreadable(Exception):
    def __init__(self, path: list[str | int], message: str) -> None:
        self.path, self.message = path, message
        self.field = _field_name(path) if path else "front matter"


class _Plain:
    """Front matter as JSON Schema sees it: YAML timestamps become their text.

    Bounded: YAML aliases share nodes, so a "billion laughs" document is a few hundred bytes
    that expand to a billion values; counting values as they are copied stops it at once.
    Lone surrogates (possible in JSON front matter) are refused: no feed could carry them.
    """

    def __init__(self, limit: int = 0) -> None:
        self.values = 0
        self.limit = limit or MAX_VALUES

    def convert(self, value: Any) -> Any:
        flat = self._flat(value) if type(value) is dict else None
        return flat if flat is not None else self.walk(value, [])

    def walk(self, value: Any, path: list[str | int]) -> Any:
        """`convert` for any value, at `path`: the reference that _flat must agree with."""
        self.values += 1
        if self.values > self.limit or len(path) > MAX_DEPTH:
            raise _Unreadable(
                path[:1],
                f"front matter is too large (over {self.limit:,} values or {MAX_DEPTH} levels, "
                "counting YAML aliases as copies)",
            )
        if isinstance(value, dict):
            return {str(k): self.walk(v, [*path, str(k)]) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, [*path, i]) for i, v in enumerate(value)]
        if isinstance(value, (datetime, date)):
            return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
        if isinstance(value, str) and _SURROGATE.search(value):
            raise _Unreadable(path, "contains a lone surrogate (such as \\ud800): not valid text")
        return value

    def _flat(self, document: dict[Any, Any]) -> dict[str, Any] | None:
        """A copy of `document` if it is text keys to plain scalars (most front matter), which
        `walk` would copy unchanged; None for anything else, left to `walk`."""
        if len(document) >= self.limit:
            return None
        for key, value in document.items():
            kind = type(value)
            if (
                type(key) is not str
                or kind not in _PLAIN
                or (kind is str and _SURROGATE.search(value))
            ):
                return None
        self.values += 1 + len(document)
        return dict(document)


def _problem(source: Source, error: jsonschema.ValidationError) -> Problem:
    path = list(error.absolute_path)
    if error.validator == "required":
        name = error.message.split("'")[1]
        return Problem(source.path, source.front_matter_line - 1, name, "is required but missing")
    name = _field_name(path)
    line = key_line(source, path)
    top = str(path[0]) if path else ""
    if top in _DATE_FIELDS:
        message = f"{error.instance!r} is not a date (use e.g. 2022-02-18 14:41:30 +0800)"
    elif top in _FRIENDLY and len(path) == 1:
        empty = error.instance is None or (
            isinstance(error.instance, str) and not error.instance.strip()
        )
        message = "is empty" if empty else f"{_FRIENDLY[top]}, not {_describe(error.instance)}"
    else:
        message = error.message
    return Problem(source.path, line, name, message)


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {json.dumps(value, ensure_ascii=False, default=str)[:60]}"


def _field_name(path: Sequence[str | int]) -> str:
    name = ""
    for step in path:
        name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else str(step))
    return name or "front matter"


def key_line(source: Source, path: Sequence[str | int]) -> int:
    """1-based file line of a front matter key (the opening line if it cannot be located)."""
    if not source.front_matter_text:
        return source.front_matter_line
    line = yamltext.node_line(source.front_matter_text, path)
    return source.front_matter_line + (line or 0)


def resolve(source: Source, site: Site, validator: Validator) -> Post | None:
    """A checked `Post`, or None when the post is not to be published (published: false).

    Raises PostError listing every problem found in the file.
    """
    problems = validator.problems(source)
    from_name = _filename_date(source, site, problems)
    fm = source.front_matter
    bad = {p.field for p in problems}
    when = None
    if from_name is not None and "date" not in bad:
        when = _date(source, fm.get("date"), from_name[0], site, problems)
    for key in ("title", "id"):
        if key in fm and key not in bad and not xml_text(str(fm[key])).strip():
            line = key_line(source, [key])
            problems.append(Problem(source.path, line, key, "has no visible characters"))
    names = categories_of(fm), tags_of(fm)
    problems.extend(_limits(source, site, names))
    if problems:
        raise PostError(sorted(problems, key=lambda p: p.line))
    if fm.get("published") is False:
        return None
    assert when is not None and from_name is not None
    return _post(source, site, when, from_name[1], names)


def _filename_date(
    source: Source, site: Site, problems: list[Problem]
) -> tuple[datetime, str] | None:
    """Date and slug from the file name; Jekyll does not publish a post without them."""
    try:
        found = dates.from_filename(posixpath.basename(source.path), site.timezone)
    except dates.DateError as exc:
        problems.insert(0, Problem(source.path, 1, "file name", str(exc)))
        return None
    if found is None:
        problems.insert(0, Problem(source.path, 1, "file name", NO_DATE_IN_NAME))
    return found


def _date(
    source: Source, value: Any, fallback: datetime, site: Site, problems: list[Problem]
) -> dates.PostDate | None:
    if value is None:
        return dates.PostDate(fallback, True)  # the file name's day: nothing to warn about
    try:
        return dates.parse(value, site.timezone)
    except dates.DateError as exc:
        problems.append(Problem(source.path, key_line(source, ["date"]), "date", str(exc)))
        return None


def _post(
    source: Source,
    site: Site,
    when: dates.PostDate,
    filename_slug: str,
    names: tuple[list[str], list[str]],
) -> Post:
    fm = source.front_matter
    categories, tags = names
    stem, extension = posixpath.splitext(posixpath.basename(source.path))
    markdown = extension.lower() in MARKDOWN_EXTENSIONS
    slug = str(fm["slug"]) if fm.get("slug") is not None else filename_slug
    template = str(fm.get("permalink") or site.permalink)
    values = permalink.Placeholders(when.value.astimezone(site.timezone), slug, categories, stem)
    try:
        path = permalink.generate(template, values)
    except permalink.PermalinkError as exc:
        line = key_line(source, ["permalink"]) if fm.get("permalink") else 0
        raise PostError([Problem(source.path, line, "permalink", str(exc))]) from None
    url = site.url + site.baseurl + encode_path(path)
    updated = _updated(source, site, when.value)
    return Post(
        path=source.path,
        title=xml_text(str(fm["title"])).strip(),
        date=when.value,
        updated=updated,
        categories=tuple(categories),
        tags=tuple(tags),
        url=url,
        id=xml_text(str(fm["id"])).strip() if fm.get("id") is not None else url,
        own_id=fm.get("id") is not None,
        body=source.body,
        markdown=markdown,
        date_has_offset=when.has_offset,
        author=_author(source, fm.get("author")) or site.author,
        description=_first_text(fm, ("description", "excerpt", "summary")),
        image=_image(source, fm.get("image"), site),
        lang=str(fm["lang"]) if fm.get("lang") else site.lang,
    )


def _updated(source: Source, site: Site, published: datetime) -> datetime:
    for key in ("last_modified_at", "updated"):
        value = source.front_matter.get(key)
        if value is not None:
            try:
                return max(dates.parse(value, site.timezone).value, published)
            except dates.DateError as exc:
                line = key_line(source, [key])
                raise PostError([Problem(source.path, line, key, str(exc))]) from None
    return published


def categories_of(fm: dict[str, Any]) -> list[str]:
    """Jekyll's Document#populate_categories: ``categories`` (split), then ``category``."""
    plural = _plural(fm.get("categories"))
    if fm.get("category") is None:  # Jekyll adds ``categories`` again: no new names
        return _unique(plural)
    return _unique([*plural, *_singular_or_plural(fm, "category", "categories")])


def tags_of(fm: dict[str, Any]) -> list[str]:
    """Jekyll's pluralized_array_from_hash: a ``tag`` key wins over ``tags``."""
    return _unique(_singular_or_plural(fm, "tag", "tags"))


def _singular_or_plural(fm: dict[str, Any], singular: str, plural: str) -> list[str]:
    if fm.get(singular) is not None:  # the singular is taken whole, never split
        value = fm[singular]
        return (
            [_text(v) for v in value if v is not None]
            if isinstance(value, list)
            else [_text(value)]
        )
    return _plural(fm.get(plural))


def _plural(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_text(v) for v in value if v is not None]
    # Ruby's String#split: ASCII whitespace only (an ideographic space stays inside a name).
    return [part for part in _ASCII_SPACE.split(_text(value)) if part]


def _unique(names: Iterable[str]) -> list[str]:
    return [name for name in dict.fromkeys(names) if name]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _first_text(fm: dict[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = fm.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _author(source: Source, value: Any) -> Author | None:
    if isinstance(value, str) and value.strip():
        return Author(xml_text(value).strip())
    if isinstance(value, dict) and value.get("name"):
        uri = value.get("uri") or value.get("url")
        if uri is not None and _scheme(str(uri)) not in ("http", "https", "mailto"):
            line = key_line(source, ["author"])
            raise PostError(
                [Problem(source.path, line, "author", "uri must be a valid http(s) or mailto URL")]
            )
        return Author(xml_text(str(value["name"])), value.get("email"), uri)
    return None


def _scheme(url: str) -> str:
    """The URL's scheme, or "" when it is no valid URL at all (e.g. "http://[x")."""
    try:
        return urlsplit(xml_text(url).strip()).scheme.lower()
    except ValueError:
        return ""


def _image(source: Source, value: Any, site: Site) -> str | None:
    if isinstance(value, dict):
        value = value.get("path")
    if not isinstance(value, str) or not value.strip():
        return None
    path: str = xml_text(value).strip()
    if path.startswith("/") and not path.startswith("//"):  # site-relative, as absolute_url
        url: str | None = site.url + site.baseurl + path
    else:
        url = absolute_url(path, site.home_url)
    if url is None or _scheme(url) not in ("http", "https"):  # consumers embed it as it is
        line = key_line(source, ["image"])
        message = "must be a valid http(s) URL or a path"
        raise PostError([Problem(source.path, line, "image", message)])
    return encode_path(url)


def _limits(source: Source, site: Site, found: tuple[list[str], list[str]]) -> list[Problem]:
    """Bounds that keep one pathological post from taking a run minutes."""
    problems = []
    names = len(found[0]) + len(found[1])
    if names > site.max_names:
        problems.append(
            Problem(source.path, source.front_matter_line, "categories/tags",
                    f"{names:,} names; at most {site.max_names:,} per post (max_names)")
        )  # fmt: skip
    depth = html_depth(source.body)
    if depth > MAX_HTML_DEPTH:
        problems.append(
            Problem(source.path, source.body_line, "body",
                    f"HTML nests {depth:,} elements deep; at most {MAX_HTML_DEPTH:,}")
        )  # fmt: skip
    return problems


MAX_HTML_DEPTH = 512
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def html_depth(body: str) -> int:
    """How deep elements nest (an estimate: unclosed elements count as open).

    HTML sanitising is quadratic in nesting depth; ordinary posts nest a dozen levels, so
    only bodies with many tags are measured at all.
    """
    if body.count("<") < 2 * MAX_HTML_DEPTH:
        return 0
    depth = deepest = 0
    for closing, name in _TAG.findall(body):
        if closing:
            depth = max(0, depth - 1)
        elif name.lower() not in _VOID:  # HTML ignores "/>" on other elements: <div/> opens
            depth += 1
            deepest = max(deepest, depth)
    return deepest
