"""Hostile and broken input: nothing crashes, nothing escapes, nothing is lost.

Every test builds a small site in tmp_path: one good post ("Survivor") next to the hostile input.
A broken file must come back as one clear ``path:line: field: message`` problem (never a
traceback) and the survivor must still be published; output must stay inside the output folder;
every feed must parse; content HTML must not be able to script a page that embeds it; and a
pathological post must not make a run take minutes or unbounded memory.

A newly found bug goes in as ``xfail(strict=True)`` until it is fixed (every one found so far
is). docs/robustness.md lists every case, what feedkit does, and the test covering it.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import lxml.html
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

import feedkit
from feedkit.cli import cli
from feedkit.dates import rfc3339
from feedkit.errors import ConfigError, PostError, WriteError
from feedkit.load import parse_source
from feedkit.site import Site, load_site
from feedkit.slugs import MAX_SLUG_BYTES, slugify
from feedkit.validate import Validator, resolve
from feedkit.write import Targets, target

REPO = Path(__file__).resolve().parent.parent
JSONFEED_SCHEMA = json.loads(
    (REPO / "schemas" / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8")
)
NOW = datetime(2026, 11, 25, tzinfo=timezone.utc)
SURVIVOR = "2022-01-01-survivor.md"
HOSTILE = "2022-01-02-hostile.md"
HOSTILE_PATH = f"_posts/{HOSTILE}"
NO_CACHE = 'cache = ""\nitems = 0\n'

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same inputs every run: a strict xfail never flips by luck
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- helpers ---------------------------------------------------------------------------------


def make_site(
    root: Path, posts: Mapping[str, bytes | str] | None = None, settings_toml: str = NO_CACHE
) -> Path:
    """A site with the survivor post plus `posts` (name under _posts -> content)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text(
        "title: Hostile\nurl: https://hostile.example.org\ntimezone: UTC\n", encoding="utf-8"
    )
    (root / "feedkit.toml").write_text(settings_toml, encoding="utf-8")
    folder = root / "_posts"
    folder.mkdir(exist_ok=True)
    (folder / SURVIVOR).write_text("---\ntitle: Survivor\n---\nStill here.\n", encoding="utf-8")
    for name, data in (posts or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def publish(site: Path, **options: Any) -> feedkit.PublishResult:
    return feedkit.publish(site, now=NOW, **options)


def problem_lines(result: feedkit.PublishResult | feedkit.Collected) -> list[str]:
    collected = result.collected if isinstance(result, feedkit.PublishResult) else result
    return [str(p) for e in collected.rejected for p in e.problems]


def json_items(site: Path, name: str = "all.json") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((site / "feeds" / name).read_text(encoding="utf-8"))[
        "items"
    ]
    return items


def titles(site: Path) -> list[str]:
    return [item["title"] for item in json_items(site)]


def feed_paths(out: Path) -> list[Path]:
    return sorted(
        p
        for p in out.rglob("*")
        if p.suffix in {".rss", ".atom", ".json"} and not p.name.startswith(".")
    )


def assert_feeds_well_formed(out: Path) -> None:
    """Every feed file parses: XML with lxml and feedparser (no bozo), JSON against the schema."""
    paths = feed_paths(out)
    assert paths, f"no feeds in {out}"
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".json":
            jsonschema.validate(json.loads(data), JSONFEED_SCHEMA)
        else:
            etree.fromstring(data)
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0, (path.name, parsed.get("bozo_exception"))


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def run_cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback instead of an error message: {result.exception!r}"
    )
    assert "Traceback" not in result.output
    return result


def assert_handled(site: Path, path: str = HOSTILE_PATH) -> feedkit.PublishResult:
    """No exception, the survivor is published, and the hostile post is either rejected with
    one-line problems on its own path or published into well-formed feeds."""
    result = publish(site)
    assert "Survivor" in titles(site)
    for error in result.collected.rejected:
        for problem in error.problems:
            assert problem.path == path
            assert problem.line >= 1
            assert "\n" not in str(problem), str(problem)
    assert_feeds_well_formed(site / "feeds")
    return result


# A publish run in a child process: wall time and peak memory of that run alone, and a hard
# address-space cap so a memory bomb fails there instead of swapping the test machine.
_CHILD = r"""
import json, resource, sys, time
from datetime import datetime, timezone
cap = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import feedkit
started = time.monotonic()
result = feedkit.publish(sys.argv[1], now=datetime(2026, 11, 25, tzinfo=timezone.utc))
def peak_mb():
    # VmHWM belongs to this address space; ru_maxrss survives exec, so it would also count
    # the parent (pytest) as it was when it forked.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "seconds": time.monotonic() - started,
    "peak_mb": peak_mb(),
    "problems": [str(p) for e in result.collected.rejected for p in e.problems],
    "published": [post.title for post in result.collected.posts],
    "written": len(result.written),
}))
"""


def publish_bounded(site: Path, seconds: float, memory_mb: int) -> dict[str, Any]:
    """Publish `site` in a child process; fail if it takes over `seconds` or crashes."""
    env = {**os.environ, "FEEDKIT_WORKERS": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(site), str(memory_mb)],
            capture_output=True,
            text=True,
            timeout=seconds + 1.0,  # + interpreter start and imports
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"publish did not finish within {seconds} s")
    assert done.returncode == 0, done.stderr[-2000:]
    outcome: dict[str, Any] = json.loads(done.stdout)
    assert outcome["seconds"] < seconds, outcome
    return outcome


# --- 1. broken files: one clear error each, the rest still publishes ------------------------

# (file content, the exact problem feedkit reports). Messages are pinned: they are the interface.
BROKEN = [
    pytest.param(
        b"---\ntitle: caf\xe9\n---\nbody\n",
        "2: file: is not valid UTF-8 (byte 0xe9); save as UTF-8",
        id="invalid-utf8",
    ),
    pytest.param(
        b"---\ntitle: T\n---\nbo\x00dy\n",
        "4: file: contains NUL bytes: a binary file, not a text post",
        id="nul-byte",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        "3: file: contains NUL bytes: a binary file, not a text post",
        id="binary-png",
    ),
    pytest.param(b"", "1: file: is empty: a post needs front matter and a body", id="empty"),
    pytest.param(
        b" \r\n\t\n", "1: file: is empty: a post needs front matter and a body", id="whitespace"
    ),
    pytest.param(
        b"\xff\xfe\x00\xd8",
        "1: file: has a UTF-16 byte order mark but is not UTF-16",
        id="utf16-bom-not-utf16",
    ),
    pytest.param(
        b"---\ntitle: T\nbody\n",
        "1: front matter: is not closed: add a line '---' after it",
        id="unterminated-front-matter",
    ),
    pytest.param(
        b"Just text, no front matter.\n",
        "1: front matter: missing: a post starts with a '---' line",
        id="no-front-matter",
    ),
    pytest.param(
        b"---\n- a\n- b\n---\nbody\n",
        "2: front matter: must be a mapping of keys to values",
        id="front-matter-is-a-list",
    ),
    pytest.param(
        b"---\ntitle: T\ntags:\n\t- a\n---\nbody\n",
        "4: yaml: found character that cannot start any token (column 1); "
        "YAML does not allow tabs: indent with spaces",
        id="yaml-tabs",
    ),
    pytest.param(
        b'---\ntitle: "He said "hi" twice"\n---\nbody\n',
        "2: yaml: did not find expected key (column 18); "
        "a value with quotes inside must be quoted with the other quote mark",
        id="unescaped-inner-quotes",
    ),
    pytest.param(
        b'---\ntitle: "\\ud800"\n---\nbody\n',
        "2: yaml: found invalid Unicode character escape code (column 11)",
        id="yaml-lone-surrogate-escape",
    ),
    pytest.param(
        b"---\ntitle: T\nx: " + b"[" * 10_000 + b"]" * 10_000 + b"\n---\nbody\n",
        "3: yaml: exceeded maximum nesting depth (column 1003)",
        id="yaml-10000-nested-lists",
    ),
    pytest.param(
        b"---\ntitle: T\ndate: 99999-01-01\n---\nbody\n",
        "3: date: '99999-01-01' is not a date (use e.g. 2022-02-18 14:41:30 +0800)",
        id="date-year-99999",
    ),
    pytest.param(
        b"---\ntitle: T\ndate: '2022-13-01'\n---\nbody\n",
        "3: date: '2022-13-01' is not a valid date: month must be in 1..12",
        id="date-month-13-quoted",
    ),
    pytest.param(
        b"---\ntitle: T\ndate: '0000-01-01'\n---\nbody\n",
        "3: date: '0000-01-01' is not a valid date: year 0 is out of range",
        id="date-year-0-quoted",
    ),
    pytest.param(
        b"---\ntitle: T\nx: !!python/object:os.system ls\n---\nbody\n",
        "3: yaml: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object:os.system' (column 4)",
        id="yaml-python-object-tag",
    ),
    pytest.param(
        b"---\ntitle: T\nx: !custom 1\n---\nbody\n",
        "3: yaml: could not determine a constructor for the tag '!custom' (column 4)",
        id="yaml-unknown-tag",
    ),
    pytest.param(
        b"---\ntitle: T\n? [a]\n: b\n---\nbody\n",
        "3: yaml: found unhashable key (column 3)",
        id="yaml-unhashable-key",
    ),
    pytest.param(
        b"---\ntitle: T\n<<: 5\n---\nbody\n",
        "3: yaml: expected a mapping or list of mappings for merging, but found scalar (column 5)",
        id="yaml-bad-merge-key",
    ),
    pytest.param(
        b'+++\ntitle = "T"\ntags = [\n+++\nbody\n',
        "3: toml: Invalid value (at end of document)",
        id="toml-invalid",
    ),
]


@pytest.mark.parametrize(("data", "problem"), BROKEN)
def test_broken_file_is_one_clear_error_and_the_rest_publishes(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    result = publish(site)
    assert problem_lines(result) == [f"{HOSTILE_PATH}:{problem}"]
    assert titles(site) == ["Survivor"]
    assert_feeds_well_formed(site / "feeds")


@pytest.mark.parametrize(("data", "problem"), BROKEN)
def test_broken_file_cli_prints_the_error_not_a_traceback_even_from_the_cache(
    tmp_path: Path, data: bytes, problem: str
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data}, settings_toml="")  # cache on
    for _ in range(2):  # the second run answers from the cache: same message
        result = run_cli("publish", str(site), "--quiet")
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [f"{site}/{HOSTILE_PATH}:{problem}"]
    assert titles(site) == ["Survivor"]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("0000-01-01-year-zero.md", id="year-0"),
        pytest.param("2022-13-45-no-such-day.md", id="month-13"),
    ],
)
def test_impossible_date_in_file_name_is_a_clear_error(tmp_path: Path, name: str) -> None:
    site = make_site(tmp_path / "site", {name: "---\ntitle: T\n---\nbody\n"})
    day = name[:10]
    assert problem_lines(publish(site)) == [
        f"_posts/{name}:1: file name: '{day}' in the file name is not a valid date"
    ]
    assert titles(site) == ["Survivor"]


# --- 2. odd but valid files: published as meant ---------------------------------------------

ACCEPTED_TEXT = "---\ntitle: Accepted\n---\nBody text\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xef\xbb\xbf" + ACCEPTED_TEXT.encode(), id="utf8-bom"),
        pytest.param(ACCEPTED_TEXT.encode("utf-16"), id="utf16-bom"),
        pytest.param(b"\xfe\xff" + ACCEPTED_TEXT.encode("utf-16-be"), id="utf16be-bom"),
        pytest.param(ACCEPTED_TEXT.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(ACCEPTED_TEXT.replace("\n", "\r").encode(), id="lone-cr"),
        pytest.param(b"---\r\ntitle: Accepted\r---\nBody text\r\n", id="mixed-line-endings"),
    ],
)
def test_boms_and_line_endings_are_read_as_text(tmp_path: Path, data: bytes) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert problem_lines(publish(site)) == []
    item = next(i for i in json_items(site) if i["title"] == "Accepted")
    assert item["content_html"] == "<p>Body text</p>"


@pytest.mark.parametrize(
    "data", [b"---\ntitle: Accepted\n---\n", b"---\ntitle: Accepted\n---"], ids=["nl", "no-nl"]
)
def test_file_with_only_front_matter_publishes_with_empty_content(
    tmp_path: Path, data: bytes
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert problem_lines(publish(site)) == []
    item = next(i for i in json_items(site) if i["title"] == "Accepted")
    assert item["content_html"] == ""
    assert_feeds_well_formed(site / "feeds")


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: "---\ntitle: First\ntitle: Second\n---\nb\n"})
    assert problem_lines(publish(site)) == [
        f"{HOSTILE_PATH}:3: title: duplicate key (first on line 2); "
        "YAML would keep only this value: remove one"
    ]
    assert titles(site) == ["Survivor"]


def test_multi_line_quoted_value_is_not_a_duplicate_key(tmp_path: Path) -> None:
    data = '---\ntitle: "A long title\ntitle: continued"\n---\nbody\n'
    assert yaml.safe_load(data.split("---\n")[1]) == {"title": "A long title title: continued"}
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert problem_lines(publish(site)) == []


@pytest.mark.parametrize(
    "data",
    [
        "---\n{title: T, title: U}\n---\nbody\n",
        "---\ntitle: T\nauthor:\n  name: A\n  name: B\n---\nbody\n",
        '{\n"title": "T", "title": "U"\n}\nbody\n',
    ],
    ids=["flow", "nested", "json"],
)
def test_duplicate_keys_in_flow_nested_and_json_front_matter_are_reported(
    tmp_path: Path, data: str
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert any("duplicate key" in line for line in problem_lines(publish(site)))


@pytest.mark.parametrize(
    ("data", "line", "first", "key"),
    [
        ('---\na: "x\ny"\nb: 1\nc: "z\ny"\nb: 2\n---\nbody\n', 7, 4, "b"),
        ('---\ntitle: "A\nB"\ntags: x\ntags: y\n---\nbody\n', 5, 4, "tags"),
    ],
    ids=["key-swallowed-into-field", "real-duplicate-missed"],
)
def test_duplicate_keys_after_multi_line_quoted_values(
    tmp_path: Path, data: str, line: int, first: int, key: str
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert problem_lines(publish(site)) == [
        f"{HOSTILE_PATH}:{line}: {key}: duplicate key (first on line {first}); "
        "YAML would keep only this value: remove one"
    ]


# --- 3. inputs that crashed the whole run (fixed): each is one clear error now -------------
# Against commit 5028607 every case below killed the run with a traceback (the exception is in
# the id's comment); the working tree's load/validate/dates changes turned them into problems.
# The checks are generic on purpose (line, one line, names the value): the wording may improve.


def _front(line: str) -> bytes:
    return f"---\ntitle: T\n{line}\n---\nbody\n".encode()


CRASHES = [
    # PyYAML's SafeConstructor raised plain exceptions that escaped load._load_yaml
    pytest.param(_front("date: 0000-01-01"), {3}, "0000-01-01", id="date-year-0"),  # ValueError
    pytest.param(_front("date: 2022-13-01"), {3}, "2022-13-01", id="date-month-13"),
    pytest.param(_front("date: 2022-02-30"), {3}, "2022-02-30", id="date-feb-30"),
    pytest.param(_front("date: 2022-01-01 25:00:00"), {3}, "25:00:00", id="date-hour-25"),
    pytest.param(_front("date: 2022-01-01T10:00:00+99:00"), {3}, "+99:00", id="date-offset-99h"),
    pytest.param(_front("x: !!timestamp nonsense"), {3}, "nonsense", id="timestamp-tag-garbage"),  # AttributeError
    pytest.param(_front("x: !!int abc"), {3}, "abc", id="int-tag-garbage"),
    pytest.param(_front("x: !!bool maybe"), {3}, "maybe", id="bool-tag-garbage"),  # KeyError
    pytest.param(_front("x: !!int ''"), {3}, None, id="int-tag-empty"),  # IndexError, found by fuzz_load.py
    pytest.param(_front("x: " + "1" * 5000), {3}, None, id="int-5000-digits"),  # int max str digits
    # OverflowError in validate._post (astimezone) at the edges of datetime's range
    pytest.param(_front("date: 0001-01-01 00:00:00 +0100"), {3}, "0001-01-01", id="date-year-1-offset"),
    pytest.param(_front("date: 9999-12-31 23:59:59 -0100"), {3}, "9999-12-31", id="date-year-9999-offset"),
    pytest.param(_front("date: 0001-01-01T00:00:00+05:00"), {3}, None, id="yaml-timestamp-year-1-offset"),
    # RecursionError: validate._Plain.walk (2 frames a level, ~500 levels), json.loads, tomllib
    pytest.param(_front("x: " + "[" * 999 + "]" * 999), {2, 3}, None, id="yaml-999-nested-lists"),
    pytest.param(b'{\n"title": "T", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"\n}\nbody\n", {1, 2}, None,
                 id="json-10000-nested-lists"),
    pytest.param(b'+++\ntitle = "T"\nx = ' + b"[" * 10_000 + b"]" * 10_000 + b"\n+++\nbody\n", {1, 2, 3}, None,
                 id="toml-10000-nested-lists"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "lines", "mentions"), CRASHES)
def test_crashing_front_matter_becomes_a_clear_error(
    tmp_path: Path, data: bytes, lines: set[int], mentions: str | None
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    result = publish(site)
    assert titles(site) == ["Survivor"]
    [error] = result.collected.rejected
    [problem] = error.problems
    assert problem.path == HOSTILE_PATH
    assert problem.line in lines
    assert "\n" not in str(problem)
    if mentions:
        assert mentions in problem.message


# What a reader of the message cannot act on: Python's own wording of the failure.
PYTHON_INTERNALS = ("NoneType", "groupdict", "timedelta", "invalid literal", "string index",
                    "sys.set_int_max_str_digits", "('maybe')")  # fmt: skip


@pytest.mark.parametrize(
    "line",
    ["date: 2022-02-30", "date: 2022-01-01T10:00:00+99:00", "x: !!timestamp nonsense",
     "x: !!int abc", "x: !!int ''", "x: !!bool maybe", "x: " + "1" * 5000],
    ids=["feb-30", "offset-99h", "timestamp-garbage", "int-garbage", "int-empty", "bool-maybe",
         "int-5000-digits"],
)  # fmt: skip
def test_unbuildable_yaml_value_message_says_what_to_do(tmp_path: Path, line: str) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: _front(line)})
    [message] = problem_lines(publish(site))
    assert not [bit for bit in PYTHON_INTERNALS if bit in message], message
    assert "quote" in message, message


# Values that passed validation and then crashed the writers (so `feedkit validate` said the
# site was clean and `feedkit publish` died writing nothing): UnicodeEncodeError for lone
# surrogates from JSON front matter, lxml's ValueError for control characters in id/permalink.
def _json_fm(pairs: str) -> bytes:
    return ('{\n"title": "T", ' + pairs + "\n}\nbody\n").encode()


PUBLISH_CRASHES = [
    pytest.param(_json_fm('"tags": ["x\\ud800"]'), id="json-surrogate-tag"),
    pytest.param(_json_fm('"id": "\\udfff"'), id="json-surrogate-id"),
    pytest.param(_json_fm('"author": "\\ud800"'), id="json-surrogate-author"),
    pytest.param(_json_fm('"image": "/\\ud800.png"'), id="json-surrogate-image"),
    pytest.param(_json_fm('"lang": "\\ud800"'), id="json-surrogate-lang"),
    pytest.param(_json_fm('"permalink": "/\\ud800/"'), id="json-surrogate-permalink"),
    pytest.param(_json_fm('"title": "a\\ud800b", "description": "\\udfff"'),
                 id="json-surrogate-title-description"),
    pytest.param(_front('id: "x\\x01y"'), id="control-char-in-id"),
    pytest.param(_front('id: "\\ufffe"'), id="noncharacter-in-id"),
    pytest.param(_front('permalink: "/a\\x06b/"'), id="control-char-in-permalink"),
]  # fmt: skip


@pytest.mark.parametrize("data", PUBLISH_CRASHES)
def test_values_that_reach_the_writers_never_crash_the_run(tmp_path: Path, data: bytes) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert_handled(site)
    run_cli("publish", str(site), "--quiet")


def test_unclosed_json_front_matter_says_what_to_do(tmp_path: Path) -> None:
    """Was: 'invalid JSON front matter: not enough values to unpack (expected 3, got 1)'."""
    site = make_site(tmp_path / "site", {HOSTILE: '{"title": "T"}\nbody\n'})
    assert problem_lines(publish(site)) == [
        f"{HOSTILE_PATH}:1: json: front matter is not closed: end it with a line holding only '}}'"
    ]


def test_toml_error_names_its_file_line(tmp_path: Path) -> None:
    """Was: always line 1 (tomllib.TOMLDecodeError has no lineno before Python 3.14)."""
    site = make_site(tmp_path / "site", {HOSTILE: '+++\ntitle = "T"\nx = = 1\n+++\nbody\n'})
    assert problem_lines(publish(site)) == [
        f"{HOSTILE_PATH}:3: toml: Invalid value (at line 2, column 5)"
    ]


def test_raw_control_character_in_yaml_names_its_line(tmp_path: Path) -> None:
    """Was: line 2 and a second line 'in "<unicode string>", position 23' (ReaderError)."""
    data = b"---\ntitle: T\na: 1\nb: 2\nx: a\x7fb\n---\nbody\n"
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert problem_lines(publish(site)) == [
        f"{HOSTILE_PATH}:5: yaml: character 127 is not allowed in YAML"
    ]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("2022-01-02-marked.html", "<p>x <![foo[ y ]]></p>\n"),
        ("2022-01-02-marked.md", "<div>\nPasted <![data stuff\n</div>\n"),
    ],
    ids=["html", "markdown-html-block"],
)
def test_unknown_marked_section_in_body_never_crashes(tmp_path: Path, name: str, body: str) -> None:
    """Found by fuzz/fuzz_load.py (FEEDKIT_FUZZ_DEEP=1): html.parser raised AssertionError on
    '<![foo' (Python < 3.13) inside render.summarise and the whole run died."""
    site = make_site(tmp_path / "site", {name: f"---\ntitle: Marked\n---\n{body}"})
    assert_handled(site, f"_posts/{name}")
    [item] = [i for i in json_items(site) if i["title"] == "Marked"]
    assert item["summary"]


# --- 4. names: tags and categories that try to escape, hide or collide ----------------------

HOSTILE_NAMES = [
    "../../etc/x", "..", ".", "/etc/passwd", "a/b", "a\\b", "..\\..\\x", "%2e%2e%2f", "~root",
    "nul\x00x", "new\nline", "tab\tbed", "del\x7f", "\u2028sep", "rtl\u202egnp.exe",
    "\u200f\u200e", "emoji 🎉👨‍👩‍👧", "x" * 5000, "é" * 5000, "CON", ".hidden", "-", " ",
]  # fmt: skip


def test_hostile_tag_and_category_names_write_only_inside_the_output_folder(
    tmp_path: Path,
) -> None:
    front = yaml.safe_dump(
        {"title": "Names", "tags": HOSTILE_NAMES, "categories": HOSTILE_NAMES},
        allow_unicode=True,
        width=1_000_000,
    )
    site = make_site(tmp_path / "site", {HOSTILE: f"---\n{front}---\nbody\n"})
    (tmp_path / "bystander.txt").write_text("untouched", encoding="utf-8")
    before = files_under(tmp_path)
    result = publish(site)
    assert problem_lines(result) == []
    after = files_under(tmp_path)
    changed = {name for name in after if before.get(name) != after[name]}
    allowed = ("site/feeds/", "site/.feedkit/")
    assert changed and all(name.startswith(allowed) for name in changed), sorted(changed)
    assert not Path("/etc/x.rss").exists()
    out = site / "feeds"
    for path in feed_paths(out):
        relative = path.relative_to(out)
        assert len(relative.parts) <= 2 and relative.parts[0] in {"all.rss", "all.atom",
                                                                   "all.json", "tag", "category"}  # fmt: skip
        assert len(path.name.encode("utf-8")) <= MAX_SLUG_BYTES + len(".atom")
        assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Zl"} for ch in path.name)
    assert_feeds_well_formed(out)
    # every name still reaches the post's JSON Feed tags, as written (nothing is lost)
    [item] = [i for i in json_items(site) if i["title"] == "Names"]
    assert set(item["tags"]) == set(HOSTILE_NAMES)


def test_names_differing_in_case_or_normalisation_merge_with_a_warning(tmp_path: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "Café"), unicodedata.normalize("NFD", "Café")
    front = yaml.safe_dump({"title": "Cafe", "tags": [nfc, nfd, "CAFÉ", "Markets", "markets"]})
    site = make_site(tmp_path / "site", {HOSTILE: f"---\n{front}---\nbody\n"})
    result = publish(site)
    tag_files = sorted(p.name for p in (site / "feeds" / "tag").glob("*.json"))
    assert tag_files == ["café.json", "markets.json"]
    warnings = [w for w in result.warnings if "share the file name" in w]
    assert len(warnings) == 2
    assert "'café'" in warnings[0] and "'markets'" in warnings[1]


@pytest.mark.parametrize("name", ["CON", "nul", "Aux", "com1", "LPT9", "prn.txt"])
def test_slug_is_never_a_windows_device_name(name: str) -> None:
    stem = slugify(name).split(".")[0]
    assert stem not in {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                        *(f"lpt{i}" for i in range(1, 10))}  # fmt: skip


def ten_thousand_tags() -> str:
    return "---\ntitle: Many\ntags: [" + ", ".join(f"t{i}" for i in range(10_000)) + "]\n---\nb\n"


def test_10000_tags_are_rejected_by_max_names(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: ten_thousand_tags()})
    lines = problem_lines(publish(site))
    assert (
        f"{HOSTILE_PATH}:2: categories/tags: 10,000 names; at most 100 per post (max_names)"
        in lines
    )
    assert titles(site) == ["Survivor"]


@pytest.mark.parametrize("key", ["tag", "category"])
def test_singular_name_keys_count_towards_max_names(tmp_path: Path, key: str) -> None:
    data = f"---\ntitle: Many\n{key}: [" + ", ".join(f"t{i}" for i in range(5000)) + "]\n---\nb\n"
    site = make_site(tmp_path / "site", {HOSTILE: data})
    assert problem_lines(feedkit.validate(site)) == [
        f"{HOSTILE_PATH}:2: categories/tags: 5,000 names; at most 100 per post (max_names)"
    ]


def test_raising_max_names_keeps_all_10000_tags(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site",
        {HOSTILE: ten_thousand_tags()},
        settings_toml=NO_CACHE + "max_names = 20000\n",
    )
    source = parse_source(ten_thousand_tags().encode(), site / "_posts" / HOSTILE, site)
    post = resolve(source, load_site(site), Validator.for_site(load_site(site)))
    assert post is not None and len(post.tags) == 10_000


# --- 5. symlinks and output safety -----------------------------------------------------------


def test_symlinked_post_file_and_folder_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "2022-01-05-secret.md").write_text("---\ntitle: SECRET\n---\nx\n", "utf-8")
    (outside / "folder" / "2022-01-06-secret.md").write_text("---\ntitle: SECRET2\n---\nx\n")
    site = make_site(tmp_path / "site")
    os.symlink(outside / "2022-01-05-secret.md", site / "_posts" / "2022-01-05-link.md")
    os.symlink(outside / "folder", site / "_posts" / "linked")
    result = publish(site)
    assert result.collected.read == 1
    assert titles(site) == ["Survivor"]
    for path in feed_paths(site / "feeds"):
        assert b"SECRET" not in path.read_bytes()


def test_symlinked_posts_folder_is_a_config_error_and_nothing_is_written(tmp_path: Path) -> None:
    """Not followed (Jekyll's safe mode), and not taken for an empty site either: that would
    publish empty feeds and remove every category and tag feed."""
    outside = make_site(tmp_path / "elsewhere")
    site = tmp_path / "site"
    site.mkdir()
    (site / "_config.yml").write_text("title: T\nurl: https://x.org\n", encoding="utf-8")
    (site / "feedkit.toml").write_text(NO_CACHE, encoding="utf-8")
    os.symlink(outside / "_posts", site / "_posts")
    with pytest.raises(ConfigError, match="_posts:0: posts_dir: is a symbolic link"):
        publish(site)
    assert not (site / "feeds").exists()


@pytest.mark.parametrize("link", ["tag", "all.rss"])
def test_output_symlinks_leading_outside_are_refused(tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep", encoding="utf-8")
    site = make_site(tmp_path / "site", {HOSTILE: "---\ntitle: T\ntags: evil\n---\nb\n"})
    (site / "feeds").mkdir()
    os.symlink(outside if link == "tag" else outside / "victim.txt", site / "feeds" / link)
    with pytest.raises(WriteError, match="outside the output folder"):
        publish(site)
    assert sorted(os.listdir(outside)) == ["victim.txt"]
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "keep"
    result = run_cli("publish", str(site), "--quiet")
    assert result.exit_code == 3
    assert "refusing to write" in result.stderr


def test_tampered_manifest_never_deletes_outside_the_output_folder(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    publish(site)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    manifest = site / "feeds" / ".feedkit-manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["files"] += ["../../victim.txt", "tag/../../../victim.txt", str(victim), "/etc/passwd"]
    manifest.write_text(json.dumps(document), encoding="utf-8")
    publish(site)
    assert victim.read_text(encoding="utf-8") == "keep"


def test_target_refuses_names_that_leave_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    out.mkdir()
    for name in ["../x.rss", "tag/../../x.rss", "/etc/x.rss"]:
        with pytest.raises(WriteError):
            target(out, name)
    assert target(out, "tag/x.rss") == (out / "tag" / "x.rss").resolve()


def test_targets_resolve_like_target_through_symlinks(tmp_path: Path) -> None:
    """The folder-remembering resolver used for feeds agrees with target() on every name."""
    out, outside = tmp_path / "feeds", tmp_path / "outside"
    for folder in (out / "tag" / "real", out / "category", outside):
        folder.mkdir(parents=True)
    os.symlink(out / "tag" / "real", out / "tag" / "inner")  # a folder link that stays inside
    os.symlink(outside, out / "away")  # one that leaves
    os.symlink(out / "category" / "x.rss", out / "tag" / "file.rss")  # a file link inside
    os.symlink(outside / "v.rss", out / "tag" / "leak.rss")  # and one that leaves
    names = ["all.rss", "tag/real/a.rss", "tag/inner/a.rss", "tag/inner/../real/a.rss",
             "away/a.rss", "tag/file.rss", "tag/leak.rss", "../x.rss", "tag/../../x.rss",
             "/etc/x.rss", "tag/..", "category/x.rss", "new/folder/a.rss"]  # fmt: skip
    targets = Targets(out)
    for _ in range(2):  # the second time from remembered folders
        for name in names:
            try:
                expected: Path | str = target(out, name)
            except WriteError:
                expected = "refused"
            try:
                got: Path | str = targets(name)
            except WriteError:
                got = "refused"
            assert got == expected, name
    assert targets("tag/inner/a.rss") == out.resolve() / "tag" / "real" / "a.rss"
    with pytest.raises(WriteError):
        targets("tag/leak.rss")


# --- 6. XML is never malformed ---------------------------------------------------------------

CONTROLS = (
    "".join(chr(c) for c in [*range(1, 9), 11, 12, *range(14, 32), 0x7F, 0x85]) + "\ufffe\uffff"
)


def test_control_characters_and_noncharacters_never_break_xml(tmp_path: Path) -> None:
    text = f"a{CONTROLS}z"
    front = yaml.safe_dump(
        {"title": text, "description": text, "tags": [text, "b" + CONTROLS],
         "categories": text, "author": {"name": text}},
        allow_unicode=False,
    )  # fmt: skip
    body = f"Body {CONTROLS} <b>{CONTROLS}</b> &#1; &#xFFFE; &#0;\n"
    site = make_site(tmp_path / "site", {HOSTILE: f"---\n{front}---\n{body}"})
    assert problem_lines(publish(site)) == []
    assert_feeds_well_formed(site / "feeds")
    [item] = [i for i in json_items(site) if i["title"].startswith("a")]
    assert item["title"] == "a\x7f\x85z"  # XML-forbidden ones stripped; DEL and NEL are legal
    assert item["content_html"].startswith("<p>Body")


# --- 7. content HTML cannot script a page that embeds it ------------------------------------

# Vectors from the OWASP XSS Filter Evasion Cheat Sheet
# (https://cheatsheetseries.owasp.org/cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.html, source:
# github.com/OWASP/CheatSheetSeries cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.md), with the
# IMG SRC vectors also as <a href> (modern browsers ignore javascript: in img src, see
# OWASP/CheatSheetSeries#1395), plus SVG/MathML, srcdoc, formaction and Markdown-only vectors.
XSS_VECTORS: dict[str, str] = {
    "basic-script": "<SCRIPT SRC=https://cdn.jsdelivr.net/gh/Moksh45/host-xss.rocks/index.js></SCRIPT>",
    "polyglot": "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"`/+/onmouseover=1/+/[*/[]/+alert(42);//'>",
    "a-onmouseover": '<a onmouseover="alert(document.cookie)">xxs link</a>',
    "a-onmouseover-unquoted": "<a onmouseover=alert(document.cookie)>xxs link</a>",
    "malformed-img": '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "fromcharcode": "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "img-src-hash-onmouseover": "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "img-src-empty-onmouseover": "<IMG SRC= onmouseover=\"alert('xxs')\">",
    "img-onerror": '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "img-onerror-encoded": '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "decimal-refs": "<a href=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>dec</a>",
    "decimal-refs-padded": "<a href=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>pad</a>",
    "hex-refs": "<a href=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>hex</a>",
    "embedded-tab": "<a href=\"jav\tascript:alert('XSS');\">tab</a>",
    "embedded-encoded-tab": "<a href=\"jav&#x09;ascript:alert('XSS');\">enc tab</a>",
    "embedded-newline": "<a href=\"jav&#x0A;ascript:alert('XSS');\">nl</a>",
    "embedded-cr": "<a href=\"jav&#x0D;ascript:alert('XSS');\">cr</a>",
    "raw-control-in-scheme": '<a href="java\x01script:alert(1)">ctl</a>',
    "leading-space-and-meta": "<a href=\" &#14;  javascript:alert('XSS');\">meta</a>",
    "mixed-case": "<a href=\"JaVaScRiPt:alert('XSS')\">case</a>",
    "grave-accent": "<a href=`javascript:alert(\"RSnake says, 'XSS'\")`>grave</a>",
    "named-colon": '<a href="javascript&colon;alert(1)">colon</a>',
    "nul-reference": '<a href="java&#0;script:alert(1)">nul</a>',
    "non-alpha-non-digit": '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>',
    "body-onload": "<BODY ONLOAD=alert('XSS')>",
    "body-onload-garbage": '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "extraneous-brackets": '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "protocol-resolution": "<SCRIPT SRC=//xss.rocks/.j>",
    "double-open-iframe": "<iframe src=http://xss.rocks/scriptlet.html <",
    "end-title": '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    "input-image": "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "svg-onload": "<svg/onload=alert('XSS')>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "math-xlink": '<math><maction actiontype="statusline#http://x" xlink:href="javascript:alert(1)">CLICK</maction></math>',
    "math-href": '<math href="javascript:alert(1)">math</math>',
    "style-list-image": "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "style-expression-split": "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "div-expression": "<DIV STYLE=\"width: expression(alert('XSS'));\">expr</DIV>",
    "div-background-js": "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">bg</DIV>",
    "meta-refresh": "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "meta-refresh-data": '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
    "iframe-js": "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "iframe-srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "frameset": "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "table-background": "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><TD BACKGROUND=\"javascript:alert('XSS')\">td</TD></TABLE>",
    "base-href": "<BASE HREF=\"javascript:alert('XSS');//\">",
    "object": '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>',
    "embed-svg-data": '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4=" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
    "form-action": '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button><input type=submit formaction=javascript:alert(3)></form>',
    "a-data-url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "img-data-svg": '<img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">',
    "vbscript": "<a href=\"vbscript:msgbox('XSS')\">vb</a>",
    "downlevel-hidden": "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    "htc-behavior": '<XSS STYLE="behavior: url(xss.htc);">htc</XSS>',
    "link-stylesheet": '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "video-poster-audio-onerror": "<video poster=javascript:alert(1)></video><audio src=x onerror=alert(1)></audio>",
    "details-ontoggle": "<details open ontoggle=alert(1)>d</details>",
    "markdown-links": "[md link](javascript:alert(1)) ![md img](javascript:alert(2)) <javascript:alert(3)>",
    "markdown-entity-link": "[enc](&#106;avascript:alert(1))",
    "safe-control": '<a href="https://ok.example/page" title="fine">fine link</a>',
}  # fmt: skip

FORBIDDEN_ELEMENTS = frozenset(
    {"script", "iframe", "object", "embed", "base", "meta", "form", "style", "link", "frame",
     "frameset", "applet", "svg", "math"}
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data",
     "cite", "longdesc", "dynsrc", "lowsrc", "codebase", "ping"}
)  # fmt: skip
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# What browsers skip inside a URL before the scheme: whitespace and C0/C1 controls.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_DOCUMENT_TAG = re.compile(r"<\s*(body|html|head)\b", re.IGNORECASE)


def url_scheme(value: str) -> str | None:
    match = _SCHEME.match(_URL_NOISE.sub("", value).lower())
    return match.group(1) if match else None


def xss_findings(html: str) -> list[str]:
    """Everything in `html` that could run script or send the reader elsewhere unasked."""
    if not html.strip():
        return []
    found = [f"<{tag}>" for tag in _DOCUMENT_TAG.findall(html)]  # lxml drops these in fragments
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            if "script" in str(element).lower():  # a comment: IE's conditional comments
                found.append("comment with script")
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in element.attrib.items():
            attribute = name.lower()
            if attribute.startswith("on") or attribute in {"style", "srcdoc"}:
                found.append(f"{tag}[{attribute}]")
            elif attribute in URL_ATTRIBUTES or attribute.endswith((":href", "}href")):
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"{tag}[{attribute}={value!r}]")
    return found


def test_the_xss_checker_flags_the_raw_vectors() -> None:
    """The checker is not vacuous: unsanitised, every HTML vector trips it, except three that
    HTML5 parsing itself defuses (`SRC= onmouseover=` makes the handler the src value, a grave
    accent is no quote, &#0; becomes U+FFFD) and the Markdown-only and safe ones."""
    defused = {"img-src-empty-onmouseover", "grave-accent", "nul-reference"}
    not_html = {"markdown-links", "markdown-entity-link", "safe-control"}
    missed = [name for name, html in XSS_VECTORS.items() if not xss_findings(html)]
    assert sorted(missed) == sorted(defused | not_html)
    assert len(XSS_VECTORS) >= 40


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    posts = {}
    for n, vector in enumerate(XSS_VECTORS.values()):
        for extension in ("md", "html"):
            posts[f"2022-02-{1 + n % 28:02d}-v{n}.{extension}"] = (
                f"---\ntitle: v{n} {extension}\n---\n\nbefore\n\n{vector}\n\nafter\n"
            )
    site = make_site(tmp_path_factory.mktemp("xss") / "site", posts)
    result = publish(site)
    assert problem_lines(result) == []
    assert len(result.collected.posts) == 2 * len(XSS_VECTORS) + 1
    return site


def test_xss_vectors_are_sanitised_in_json_feed_content_html(xss_site: Path) -> None:
    items = json_items(xss_site)
    assert len(items) == 2 * len(XSS_VECTORS) + 1
    findings = {item["title"]: xss_findings(item["content_html"]) for item in items}
    assert {title: f for title, f in findings.items() if f} == {}
    safe = [i for i in items if i["title"].startswith(f"v{len(XSS_VECTORS) - 1} ")]
    assert all('href="https://ok.example/page"' in i["content_html"] for i in safe)


def test_xss_vectors_are_sanitised_in_rss_and_atom_content(xss_site: Path) -> None:
    assert_feeds_well_formed(xss_site / "feeds")
    rss = etree.parse(str(xss_site / "feeds" / "all.rss"))
    atom = etree.parse(str(xss_site / "feeds" / "all.atom"))
    contents = [
        *rss.iterfind(".//{http://purl.org/rss/1.0/modules/content/}encoded"),
        *atom.iterfind(".//{http://www.w3.org/2005/Atom}content"),
    ]
    assert len(contents) == 2 * (2 * len(XSS_VECTORS) + 1)
    assert [xss_findings(c.text or "") for c in contents if xss_findings(c.text or "")] == []


def test_rss_description_cannot_carry_live_markup(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site",
        {
            HOSTILE: '---\ntitle: T\ndescription: "<img src=x onerror=alert(1)>"\n---\nb\n',
            "2022-01-03-text.html": "---\ntitle: U\n---\n<p>Use &lt;script&gt;alert(1)&lt;/script&gt;</p>\n",
        },
    )
    publish(site)
    rss = etree.parse(str(site / "feeds" / "all.rss"))
    descriptions = [d.text or "" for d in rss.iterfind(".//item/description")]
    assert len(descriptions) == 3
    assert [xss_findings(d) for d in descriptions if xss_findings(d)] == []


def test_front_matter_urls_with_script_schemes_never_reach_the_feeds(tmp_path: Path) -> None:
    site = make_site(
        tmp_path / "site",
        {
            HOSTILE: '---\ntitle: T\nimage: "javascript:alert(1)"\n'
            'author: {name: Eve, uri: "javascript:alert(2)"}\n---\nb\n',
            "2022-01-03-data.md": '---\ntitle: U\nimage: {path: "data:text/html,<script>alert(1)</script>"}\n---\nb\n',
        },
    )
    result = publish(site)
    urls = [
        url
        for item in json_items(site)
        for url in [item.get("image"), *(a.get("url") for a in item.get("authors", []))]
        if url
    ]
    assert [u for u in urls if url_scheme(u) not in SAFE_SCHEMES] == []
    assert (
        "Survivor" in titles(site)
        and len(result.collected.posts) + len(result.collected.rejected) == 3
    )


@pytest.mark.parametrize(
    "line",
    ['image: "http://[x"', 'image: "//a.pn[I"', 'author: {name: A, uri: "http://[x"}'],
    ids=["image", "image-protocol-relative", "author-uri"],
)
def test_front_matter_url_with_an_unmatched_bracket_is_a_clear_error(
    tmp_path: Path, line: str
) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: _front(line)})
    [problem] = problem_lines(publish(site))
    assert problem.startswith(f"{HOSTILE_PATH}:3: ")
    assert titles(site) == ["Survivor"]


def test_ancient_dates_round_trip_in_rss_or_are_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: _front("date: 0001-01-01 00:00:00 +0000")})
    result = publish(site)
    if result.collected.rejected:  # refusing the date is a fine answer; this is today's
        assert problem_lines(result) == [
            f"{HOSTILE_PATH}:3: date: '0001-01-01 00:00:00 +0000' is out of range: "
            "use a year from 1000 to 9999"
        ]
        return
    parsed = feedparser.parse((site / "feeds" / "all.rss").read_bytes())
    [entry] = [e for e in parsed.entries if e.title == "T"]
    assert entry.published_parsed.tm_year == 1


# --- 8. resource bounds: pathological posts in a child process -------------------------------


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" document: width**levels strings from a few hundred bytes."""
    lines = ['a0: &a0 ["lol"]']
    lines += [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)
    ]
    return "---\ntitle: Bomb\n" + "\n".join(lines) + "\ntags: *a2\n---\nbody\n"


def test_alias_bomb_loads_without_expanding(tmp_path: Path) -> None:
    """PyYAML shares anchored nodes, so loading alone is instant: the danger is downstream."""
    source = parse_source(alias_bomb().encode(), tmp_path / HOSTILE, tmp_path)
    assert len(source.front_matter["a9"]) == 9
    assert source.front_matter["a9"][0] is source.front_matter["a9"][1]


def test_alias_bomb_is_rejected_within_5s_and_bounded_memory(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: alias_bomb()})
    outcome = publish_bounded(site, seconds=5, memory_mb=1024)
    assert outcome["published"] == ["Survivor"]
    assert outcome["problems"] == [
        f"{HOSTILE_PATH}:7: a4: front matter is too large "
        "(over 10,200 values or 50 levels, counting YAML aliases as copies)"
    ]
    assert outcome["peak_mb"] < 300


def test_front_matter_nested_10000_deep_is_rejected_within_5s(tmp_path: Path) -> None:
    data = "---\ntitle: T\nx: " + "[" * 10_000 + "]" * 10_000 + "\n---\nbody\n"
    site = make_site(tmp_path / "site", {HOSTILE: data})
    outcome = publish_bounded(site, seconds=5, memory_mb=1024)
    assert outcome["published"] == ["Survivor"]
    assert outcome["problems"] == [
        f"{HOSTILE_PATH}:3: yaml: exceeded maximum nesting depth (column 1003)"
    ]
    assert outcome["peak_mb"] < 300


def big_post(megabytes: int) -> bytes:
    line = b"Markdown paragraph text with *emphasis* and a [link](/x) in it.\n\n"
    return b"---\ntitle: Big\n---\n" + line * (megabytes * 1024 * 1024 // len(line))


def test_50mb_post_publishes_or_is_rejected_within_20s_and_1gb(tmp_path: Path) -> None:
    """Before max_post_bytes: ~70 s and ~3.7 GB (markdown-it 53 s, nh3 8 s), 143 MB feeds."""
    site = make_site(tmp_path / "site", {HOSTILE: big_post(50)})
    outcome = publish_bounded(site, seconds=20, memory_mb=1024)  # over the cap: MemoryError
    assert outcome["published"] == ["Survivor"]
    assert outcome["peak_mb"] < 300


def test_oversize_post_is_refused_before_it_is_read_even_through_the_cache(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: "---\ntitle: Small\n---\nsmall\n"}, "")
    publish(site)  # the cache now knows the post
    with (site / "_posts" / HOSTILE).open("wb") as handle:
        handle.write(b"---\ntitle: Huge\n---\n")
        for _ in range(200):
            handle.write(b"x" * (1024 * 1024))
    outcome = publish_bounded(site, seconds=5, memory_mb=1024)
    assert outcome["problems"] == [
        f"{HOSTILE_PATH}:1: file: is 209,715,220 bytes, over the limit of 5,242,880 (max_post_bytes)"
    ]
    assert outcome["peak_mb"] < 150, outcome


def test_largest_allowed_post_publishes_within_20s_and_1gb(tmp_path: Path) -> None:
    """The default max_post_bytes must itself be a bounded run, not just a rejection."""
    limit = load_site(make_site(tmp_path / "probe")).max_post_bytes
    data = big_post(limit // (1024 * 1024) + 1)[: limit - 1]
    site = make_site(tmp_path / "site", {HOSTILE: data})
    outcome = publish_bounded(site, seconds=20, memory_mb=1024)
    assert sorted(outcome["published"]) == ["Big", "Survivor"]


def test_50mb_post_is_rejected_by_a_size_limit(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {HOSTILE: big_post(50)})
    assert problem_lines(feedkit.validate(site)) == [
        f"{HOSTILE_PATH}:1: file: is 52,428,759 bytes, over the limit of 5,242,880 (max_post_bytes)"
    ]


def test_10000_tags_on_one_post_publish_within_5s(tmp_path: Path) -> None:
    data = "---\ntitle: Many\ntags: [" + ", ".join(f"t{i}" for i in range(10_000)) + "]\n---\nb\n"
    site = make_site(tmp_path / "site", {HOSTILE: data})
    outcome = publish_bounded(site, seconds=5, memory_mb=2048)
    assert outcome["published"] == ["Survivor"]
    assert outcome["written"] < 20


def test_deeply_nested_html_body_publishes_within_5s(tmp_path: Path) -> None:
    body = "<div>" * 100_000 + "x" + "</div>" * 100_000
    site = make_site(tmp_path / "site", {"2022-01-02-deep.html": f"---\ntitle: Deep\n---\n{body}"})
    outcome = publish_bounded(site, seconds=5, memory_mb=2048)
    assert outcome["published"] == ["Survivor"]
    assert outcome["problems"] == [
        "_posts/2022-01-02-deep.html:4: body: HTML nests 100,000 elements deep; at most 512"
    ]


def test_self_closing_syntax_does_not_bypass_the_html_depth_limit(tmp_path: Path) -> None:
    body = "<div/>" * 100_000 + "x"
    site = make_site(tmp_path / "site", {"2022-01-02-deep.html": f"---\ntitle: Deep\n---\n{body}"})
    outcome = publish_bounded(site, seconds=5, memory_mb=2048)
    assert outcome["published"] == ["Survivor"]


# --- 9. fuzzing: the loader, slugs and the writers -------------------------------------------


@cache
def tiny_site() -> tuple[Site, Validator]:
    root = make_site(Path(tempfile.mkdtemp(prefix="feedkit-hostile-")))
    site = load_site(root)
    return site, Validator.for_site(site)


SEEDS = [
    b"---\ntitle: Seed\ndate: 2022-01-02 10:00:00 +0800\ntags: [a, b]\ncategories: news\n---\n"
    b"Body *text* <b>bold</b>\n",
    b'+++\ntitle = "Seed"\ntags = ["a"]\n+++\nBody\n',
    b'{\n"title": "Seed", "categories": "x"\n}\nBody\n',
    b"---\ntitle: &t Seed\nalias: *t\nauthor: {name: A, uri: 'http://a'}\n---\n<p>x</p>\n",
]
TOKENS = [b"\x00", b"\xff", b"\xfe", b"\r", b"\r\n", b"\t", b"\n", b"---\n", b"+++\n", b"{", b"}",
          b'"', b"'", b"[", b"]", b": ", b"&a ", b"*a", b"\xef\xbb\xbf", b"\\u", b"#", b"|",
          b">", b"- ", b"\xe2\x80\xae", b"\xed\xa0\x80"]  # fmt: skip


@st.composite
def mutated_posts(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        chunk = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=6)))
        if draw(st.booleans()):
            data[at:at] = chunk
        else:
            data[at : at + len(chunk)] = chunk
    return bytes(data)


post_bytes = st.one_of(st.binary(max_size=600), mutated_posts())


@FUZZ
@given(data=post_bytes)
@example(data=b"\xff\xfe")
@example(data=b"---\n---\n")
def test_fuzz_parse_source_raises_only_post_error(data: bytes) -> None:
    site, validator = tiny_site()
    file = site.root / "_posts" / HOSTILE
    try:
        source = parse_source(data, file, site.root)
        resolve(source, site, validator)
    except PostError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == HOSTILE_PATH
            assert problem.line >= 0 and problem.field and problem.message


@settings(FUZZ, max_examples=25)
@given(data=post_bytes)
def test_fuzz_publishing_arbitrary_bytes_never_crashes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = make_site(Path(folder) / "site", {HOSTILE: data})
        assert_handled(site)


# Scalars that look like YAML timestamps, numbers or tagged values: where PyYAML's constructors
# raise plain Python exceptions (the CRASHES table above, found this way).
hostile_scalars = st.one_of(
    st.from_regex(r"\A\d{1,5}-\d{1,2}-\d{1,2}( \d{1,2}:\d\d:\d\d( ?[+-]\d\d:?\d\d)?)?\Z"),
    st.tuples(
        st.sampled_from(["!!int", "!!float", "!!bool", "!!timestamp", "!!binary", "!!null"]),
        st.text("0123456789abxe-:.+_ ", max_size=12),
    ).map(" ".join),
    st.integers(min_value=4000, max_value=4400).map(lambda digits: "1" * digits),
)


@FUZZ
@given(key=st.sampled_from(["date", "updated", "title", "x", "tags", "id"]), value=hostile_scalars)
@example(key="date", value="0000-01-01")
def test_fuzz_hostile_yaml_scalars_raise_only_post_error(key: str, value: str) -> None:
    site, validator = tiny_site()
    data = f"---\ntitle: T\n{key}: {value}\n---\nbody\n".encode()
    with contextlib.suppress(PostError):
        resolve(parse_source(data, site.root / "_posts" / HOSTILE, site.root), site, validator)


any_text = st.text(st.characters(exclude_categories=()), max_size=300)


@FUZZ
@given(name=any_text, mode=st.sampled_from(["unicode", "ascii"]))
@example(name="../../etc/x", mode="unicode")
@example(name="x" * 5000, mode="unicode")
@example(name="é" * 5000, mode="ascii")
@example(name="\u202e\u200f\x00\n", mode="unicode")
def test_fuzz_slug_is_one_path_segment_inside_the_output_folder(name: str, mode: str) -> None:
    slug = slugify(name, mode)
    assert slug == slugify(unicodedata.normalize("NFD", name), mode)
    assert slug == slugify(unicodedata.normalize("NFC", name), mode)
    out = Path(tempfile.gettempdir()) / "feedkit-out"
    for kind in ("tag", "category"):
        for extension in ("rss", "atom", "json"):
            path = target(out, f"{kind}/{slug}.{extension}")
            assert path.parent == (out / kind).resolve()
            assert len(path.name.encode("utf-8")) <= MAX_SLUG_BYTES + 1 + len(extension)


@FUZZ
@given(name=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_"))
def test_fuzz_ascii_names_differing_in_case_share_a_slug(name: str) -> None:
    assert slugify(name.upper()) == slugify(name.lower())


# Writers: random posts (any text that can be saved as UTF-8, control characters included)
# published; every feed parses and round-trips ids, links and dates. Ids and permalinks keep to
# printable text: control characters there crash today (PUBLISH_CRASHES above).
saveable_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
body_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=80
)
names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
zones = st.sampled_from(
    [timezone(timedelta(minutes=m)) for m in (-720, -330, 0, 60, 345, 480, 840)]
)
post_dates = st.datetimes(datetime(1971, 1, 1), datetime(2099, 12, 31), timezones=zones)
printable_ids = st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=20)


@st.composite
def random_post(draw: st.DrawFn) -> dict[str, Any]:
    front: dict[str, Any] = {
        "title": "P " + draw(saveable_text),
        "date": draw(post_dates).strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    for key, strategy in (
        ("tags", st.lists(names, max_size=3)),
        ("categories", st.lists(names, max_size=2)),
        ("description", saveable_text),
        ("author", saveable_text),
        ("id", printable_ids),
    ):
        if draw(st.booleans()):
            front[key] = draw(strategy)
    body = draw(st.one_of(body_text, st.sampled_from(list(XSS_VECTORS.values()))))
    return {"front": front, "body": body, "markdown": draw(st.booleans())}


@settings(FUZZ, max_examples=15)
@given(posts=st.lists(random_post(), min_size=1, max_size=4))
def test_fuzz_writers_round_trip_ids_links_and_dates(posts: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for n, post in enumerate(posts):
            if "id" in post["front"]:
                post["front"]["id"] = f"urn:x:{n}:{post['front']['id']}"  # unique
            front = yaml.safe_dump(post["front"], allow_unicode=True, width=1_000_000)
            extension = "md" if post["markdown"] else "html"
            files[f"2022-01-{n + 2:02d}-p{n}.{extension}"] = f"---\n{front}---\n{post['body']}"
        site = make_site(Path(folder) / "site", files)
        result = publish(site, future=True)
        assert problem_lines(result) == []
        published = {p.path: p for p in result.collected.posts}
        assert len(published) == len(posts) + 1
        for n, post in enumerate(posts):
            [resolved] = [p for path, p in published.items() if f"-p{n}." in path]
            wanted = datetime.strptime(post["front"]["date"], "%Y-%m-%d %H:%M:%S %z")
            assert resolved.date == wanted and resolved.date.utcoffset() == wanted.utcoffset()
            if "id" in post["front"]:
                assert resolved.id == post["front"]["id"]
        out = site / "feeds"
        assert_feeds_well_formed(out)
        expected = {p.id: p for p in published.values()}
        _assert_round_trip(out / "all.json", out / "all.rss", out / "all.atom", expected)


def _assert_round_trip(
    json_path: Path, rss_path: Path, atom_path: Path, expected: Mapping[str, feedkit.Post]
) -> None:
    items = {i["id"]: i for i in json.loads(json_path.read_bytes())["items"]}
    assert items.keys() == expected.keys()
    for post_id, item in items.items():
        post = expected[post_id]
        assert item["url"] == post.url
        assert item["date_published"] == rfc3339(post.date)
        assert datetime.fromisoformat(item["date_published"]) == post.date
    for path in (rss_path, atom_path):
        entries = feedparser.parse(path.read_bytes()).entries
        assert {e.id for e in entries} == expected.keys()
        for entry in entries:
            post = expected[entry.id]
            assert entry.link == post.url
            assert calendar.timegm(entry.published_parsed) == int(post.date.timestamp())
