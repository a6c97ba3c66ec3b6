"""Stage 0: read the site configuration (Jekyll's _config.yml, then feedkit.toml overrides)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import fastjsonschema
import yaml

from . import yamltext
from .errors import ConfigError, Problem
from .model import Author
from .resources import load_schema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

JEKYLL_CONFIG = "_config.yml"
FEEDKIT_CONFIG = "feedkit.toml"

# Jekyll's named permalink styles (Jekyll::Utils / URL docs, 4.3).
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}

DEFAULTS: dict[str, Any] = {
    "baseurl": "",
    "description": "",
    "lang": None,
    "author": None,
    "timezone": None,
    "permalink": "date",
    "future": False,
    "output": "feeds",
    "items": 50,
    "slugify": "unicode",
    "schema": None,
    "posts_dir": "_posts",
    "cache": ".feedkit/cache.sqlite",
    "pages": True,
    "archive_size": 0,
    "max_post_bytes": 5 * 1024 * 1024,
    "max_names": 100,
    "hub": None,
}


@dataclass(frozen=True)
class Site:
    """Everything about a site that the pipeline needs, resolved and validated."""

    root: Path
    url: str
    baseurl: str
    title: str
    description: str
    lang: str | None
    author: Author | None
    timezone: ZoneInfo
    permalink: str  # a template, named styles already expanded
    future: bool
    output: Path
    feeds_url: str
    items: int
    slugify: str
    schema: Path | None
    posts_dir: Path
    cache: Path | None  # the SQLite cache; None when disabled (cache = "" in feedkit.toml)
    pages: bool = True  # discovery pages: index.html, index.opml, one HTML page per feed
    archive_size: int = 0  # posts per RFC 5005 archive page; 0: no archives
    max_post_bytes: int = 5 * 1024 * 1024  # a larger post file is an error, not a slow run
    max_names: int = 100  # categories + tags on one post
    hub: str | None = None  # a WebSub hub to declare in feeds and ping after a run

    @property
    def state_dir(self) -> Path:
        """Where feedkit keeps what is local to this machine (cache, lock): never committed."""
        return self.cache.parent if self.cache else self.root / ".feedkit"

    @property
    def home_url(self) -> str:
        return self.url + self.baseurl + "/"


def load_site(root: Path | str, config_file: Path | str | None = None) -> Site:
    """Read and validate the configuration of the site at `root`."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError([Problem(str(root), 0, "site", "not a folder")])
    settings: dict[str, Any] = dict(DEFAULTS)
    texts: dict[str, tuple[Path, str]] = {}
    jekyll_path = root / JEKYLL_CONFIG
    if jekyll_path.is_file():
        settings.update(_read_yaml_config(jekyll_path, texts))
    toml_path = Path(config_file) if config_file else root / FEEDKIT_CONFIG
    if config_file and not toml_path.is_file():
        raise ConfigError([Problem(str(toml_path), 0, "config", "file not found")])
    if toml_path.is_file():
        settings.update(_read_toml_config(toml_path))
    if not jekyll_path.is_file() and not toml_path.is_file():
        raise ConfigError(
            [Problem(str(root), 0, "config", f"no {JEKYLL_CONFIG} or {FEEDKIT_CONFIG} here")]
        )
    _check(settings, texts, jekyll_path if jekyll_path.is_file() else toml_path)
    return _resolve(root, settings)


def _read_yaml_config(path: Path, texts: dict[str, tuple[Path, str]]) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = yamltext.load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise ConfigError([Problem(str(path), line, "yaml", _yaml_reason(exc))]) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(path), 1, "config", "must be a mapping of settings")])
    for key in data:
        texts[str(key)] = (path, text)
    return {str(k): v for k, v in data.items()}


def _read_toml_config(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([Problem(str(path), 0, "toml", str(exc))]) from None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} (column {mark.column + 1})" if mark else str(problem)


def _check(settings: dict[str, Any], texts: dict[str, tuple[Path, str]], default: Path) -> None:
    problems = [] if _valid_config(settings) else _config_problems(settings, texts, default)
    zone = settings.get("timezone")
    if zone and not problems:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            path, text = texts.get("timezone", (default, ""))
            line = (yamltext.node_line(text, ["timezone"]) or 0) + 1 if text else 0
            problems.append(Problem(str(path), line, "timezone", f"unknown time zone {zone!r}"))
    if problems:
        raise ConfigError(sorted(problems))


def _valid_config(settings: dict[str, Any]) -> bool:
    """The fast check (as for posts, see validate.Validator): jsonschema, which explains, is
    imported only for a configuration that fails it; importing it costs ~45 ms a run."""
    try:
        fastjsonschema.compile(load_schema("config.schema.json"))(settings)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def _config_problems(
    settings: dict[str, Any], texts: dict[str, tuple[Path, str]], default: Path
) -> list[Problem]:
    import jsonschema  # only here: see _valid_config

    validator = jsonschema.Draft202012Validator(load_schema("config.schema.json"))
    problems = []
    for error in validator.iter_errors(settings):
        key = str(error.absolute_path[0]) if error.absolute_path else "config"
        if error.validator == "required":
            key = error.message.split("'")[1]
        path, text = texts.get(key, (default, ""))
        line = yamltext.node_line(text, [key]) if text else None
        problems.append(Problem(str(path), (line or 0) + 1 if text else 0, key, error.message))
    return problems


def _resolve(root: Path, s: dict[str, Any]) -> Site:
    url = str(s["url"]).rstrip("/")
    baseurl = str(s.get("baseurl") or "")
    permalink = str(s.get("permalink") or "date")
    permalink = PERMALINK_STYLES.get(permalink, permalink)
    if not permalink.startswith("/"):
        permalink = "/" + permalink
    feeds_url = s.get("feeds_url") or f"{url}{baseurl}/{Path(str(s['output'])).name}/"
    schema = s.get("schema")
    return Site(
        root=root,
        url=url,
        baseurl=baseurl,
        title=str(s["title"]),
        description=str(s.get("description") or ""),
        lang=s.get("lang"),
        author=_author(s.get("author")),
        timezone=ZoneInfo(s["timezone"]) if s.get("timezone") else ZoneInfo("UTC"),
        permalink=permalink,
        future=bool(s.get("future")),
        output=(root / str(s["output"])).resolve(),
        feeds_url=str(feeds_url),
        items=int(s["items"]),
        slugify=str(s["slugify"]),
        schema=(root / schema) if schema else None,
        posts_dir=root / str(s["posts_dir"]),
        cache=(root / str(s["cache"])) if s.get("cache") else None,
        pages=bool(s["pages"]),
        archive_size=int(s["archive_size"]),
        max_post_bytes=int(s["max_post_bytes"]),
        max_names=int(s["max_names"]),
        hub=str(s["hub"]) if s.get("hub") else None,
    )


def _author(value: Any) -> Author | None:
    if not value:
        return None
    if isinstance(value, str):
        return Author(value)
    return Author(
        str(value.get("name") or ""),
        value.get("email"),
        value.get("uri") or value.get("url"),
    )
