"""The command line as a user runs it: exact messages and exit codes (click's CliRunner)."""

from __future__ import annotations

import gc
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BROKEN, feed_files
from feedkit import cli as cli_module
from feedkit.cli import EXIT_CONFIG, EXIT_OK, EXIT_REJECTED, cli

BROKEN_PROBLEMS = [
    "_posts/-202205262391921712.md:1: file name: has no date: name post files "
    "YYYY-MM-DD-title.md (Jekyll does not publish it)",
    "_posts/2022-01-02-title-with-inner-quote.md:2: yaml: did not find expected key (column 18); "
    "a value with quotes inside must be quoted with the other quote mark",
    "_posts/2022-01-03-missing-title.md:1: title: is required but missing",
    "_posts/2022-01-04-bad-date.md:4: date: '2022-02-30 10:00:00 +0800' is not a valid date: "
    "day is out of range for month",
    "_posts/2022-01-05-blank-line-before-front-matter.md:2: front matter: must start on line 1, "
    "found '---' on line 2; remove what comes before it (Jekyll would publish this file with no "
    "front matter: no title, no category)",
    "_posts/2022-01-06-empty.md:1: file: is empty: a post needs front matter and a body",
    "_posts/2022-01-07-binary.md:3: file: contains NUL bytes: a binary file, not a text post",
    "_posts/2022-01-08-unterminated-front-matter.md:1: front matter: is not closed: "
    "add a line '---' after it",
    "_posts/2022-01-09-invalid-utf8.md:4: file: is not valid UTF-8 (byte 0xe9); save as UTF-8",
    "_posts/2022-01-10-tabs-in-yaml.md:4: yaml: found character that cannot start any token "
    "(column 1); YAML does not allow tabs: indent with spaces",
    "_posts/2022-01-11-malformed-date.md:3: date: '+0800' is not a date "
    "(use e.g. 2022-02-18 14:41:30 +0800)",
    "_posts/2022-01-12-bad-categories.md:3: categories: must be a name, a space-separated string "
    'of names, or a list of names, not dict {"nested": "mapping"}',
]


def timeless(text: str) -> str:
    """The summary line with its elapsed time replaced, so it can be compared exactly."""
    return re.sub(r"; \d+\.\d\d s; ", "; N s; ", text)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def broken_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the broken-posts site, with the working directory set to it."""
    site = tmp_path / "broken"
    shutil.copytree(BROKEN, site)
    monkeypatch.chdir(site)
    return site


def test_validate_prints_every_problem_then_a_summary(runner: CliRunner, broken_site: Path) -> None:
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == EXIT_REJECTED
    assert result.stdout.splitlines() == [
        *BROKEN_PROBLEMS,
        "13 post file(s) checked: 1 valid, 12 invalid (12 problem(s)), 0 unpublished.",
    ]


def test_validate_paths_are_relative_to_where_it_runs(runner: CliRunner, broken_site: Path) -> None:
    import os

    os.chdir(broken_site.parent)
    result = runner.invoke(cli, ["validate", "broken"])
    assert result.stdout.splitlines()[2] == "broken/" + BROKEN_PROBLEMS[2]


def test_validate_clean_site_exits_zero(runner: CliRunner, example_site: Path) -> None:
    result = runner.invoke(cli, ["validate", str(example_site)])
    assert result.exit_code == EXIT_OK
    assert (
        result.stdout
        == "15 post file(s) checked: 14 valid, 0 invalid (0 problem(s)), 1 unpublished.\n"
    )
    assert result.stderr.startswith("warning: 2 post(s) have a date without a UTC offset")


def test_publish_reports_rejected_posts_and_publishes_the_rest(
    runner: CliRunner, broken_site: Path
) -> None:
    result = runner.invoke(cli, ["publish"])
    assert result.exit_code == EXIT_REJECTED
    lines = result.stderr.splitlines()
    assert lines[:-1] == BROKEN_PROBLEMS
    assert timeless(lines[-1]) == (
        "feedkit: 13 post file(s): 1 published, 12 rejected, 0 unpublished, 0 future, "
        f"0 from cache; 2 feed(s): 10 file(s) written, 0 unchanged, 0 removed; N s; "
        f"{broken_site / 'feeds'}"
    )
    assert feed_files(broken_site / "feeds") == [
        "all.atom", "all.html", "all.json", "all.rss", "category/ok.atom", "category/ok.html",
        "category/ok.json", "category/ok.rss", "index.html", "index.opml",
    ]  # fmt: skip


def test_publish_strict_writes_nothing(runner: CliRunner, broken_site: Path) -> None:
    result = runner.invoke(cli, ["publish", "--strict"])
    assert result.exit_code == EXIT_REJECTED
    assert result.stderr.splitlines()[-1] == (
        "Error: 12 invalid post(s); nothing was written (--strict)"
    )
    assert not (broken_site / "feeds").exists()


def test_publish_clean_site_then_check(runner: CliRunner, example_site: Path) -> None:
    first = runner.invoke(cli, ["publish", str(example_site)])
    assert first.exit_code == EXIT_OK, first.output
    assert timeless(first.stderr.splitlines()[-1]) == (
        "feedkit: 15 post file(s): 13 published, 0 rejected, 1 unpublished, 1 future, "
        f"0 from cache; 23 feed(s): 94 file(s) written, 0 unchanged, 0 removed; N s; "
        f"{example_site / 'feeds'}"
    )
    check = runner.invoke(cli, ["publish", str(example_site), "--check"])
    assert check.exit_code == EXIT_OK
    assert check.stdout == ""
    again = runner.invoke(cli, ["publish", str(example_site)])
    assert "15 from cache; 23 feed(s): 0 file(s) written, 94 unchanged, 0 removed" in again.stderr


def test_check_names_stale_feeds_and_writes_nothing(runner: CliRunner, example_site: Path) -> None:
    runner.invoke(cli, ["publish", str(example_site)])
    post = example_site / "_posts" / "2022-03-23-中文标题.md"
    post.write_text(post.read_text(encoding="utf-8").replace("中文文件名的帖子", "改过的标题"))
    before = (example_site / "feeds" / "all.rss").read_bytes()
    result = runner.invoke(cli, ["publish", str(example_site), "--check"])
    assert result.exit_code == EXIT_REJECTED
    assert result.stdout.splitlines() == [
        "write: all.atom", "write: all.html", "write: all.json", "write: all.rss",
        "write: category/财经新闻.atom", "write: category/财经新闻.html",
        "write: category/财经新闻.json", "write: category/财经新闻.rss",
        "write: tag/中文.atom", "write: tag/中文.html", "write: tag/中文.json", "write: tag/中文.rss",
    ]  # fmt: skip
    assert (example_site / "feeds" / "all.rss").read_bytes() == before


def test_future_flag_includes_future_posts(runner: CliRunner, example_site: Path) -> None:
    result = runner.invoke(cli, ["publish", str(example_site), "--future"])
    assert result.exit_code == EXIT_OK
    assert "14 published" in result.stderr
    assert "未来的帖子" in (example_site / "feeds" / "all.json").read_text(encoding="utf-8")


def test_out_option_overrides_the_output_folder(
    runner: CliRunner, example_site: Path, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere"
    result = runner.invoke(cli, ["publish", str(example_site), "--out", str(out)])
    assert result.exit_code == EXIT_OK
    assert (out / "all.atom").is_file()
    assert not (example_site / "feeds").exists()


def test_invalid_config_exits_2_naming_file_line_and_key(
    runner: CliRunner, example_site: Path
) -> None:
    config = example_site / "_config.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "url: https://news.example.com", "url: news.example.com"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["publish", str(example_site)])
    assert result.exit_code == EXIT_CONFIG
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{config}:5: url: 'news.example.com' does not match")
    assert result.stderr.splitlines()[-1] == (
        "Error: the site configuration is invalid; nothing was done."
    )
    assert not (example_site / "feeds").exists()


def test_unknown_timezone_is_a_config_error(runner: CliRunner, example_site: Path) -> None:
    config = example_site / "_config.yml"
    text = config.read_text(encoding="utf-8").replace("Asia/Shanghai", "Mars/Olympus")
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(example_site)])
    assert result.exit_code == EXIT_CONFIG
    assert f"{config}:8: timezone: unknown time zone 'Mars/Olympus'" in result.stderr


def test_a_folder_without_config_is_a_config_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["publish", str(tmp_path)])
    assert result.exit_code == EXIT_CONFIG
    assert f"{tmp_path}:0: config: no _config.yml or feedkit.toml here" in result.stderr


def test_missing_site_folder_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["publish", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


@pytest.mark.parametrize("command", ["validate", "publish", "serve"])
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: feedkit " + command in result.stdout


def test_publish_help_documents_exit_codes(runner: CliRunner) -> None:
    help_text = runner.invoke(cli, ["publish", "--help"]).stdout
    for line in ("0   all posts published", "1   some posts were rejected", "2   usage or config",
                 "3   the feeds could not be written", "75  another feedkit run is busy"):  # fmt: skip
        assert line in help_text


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "feedkit", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "feedkit, version 0.1.0"


@pytest.mark.parametrize("command", ["publish", "validate"])
def test_the_collector_is_off_during_a_run_and_restored_after(
    runner: CliRunner, example_site: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """publish and validate run without the cyclic GC (the process ends with the run)."""
    seen: list[bool] = []
    real = getattr(cli_module, command)

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_module, command, spy)
    assert gc.isenabled()
    result = runner.invoke(cli, [command, str(example_site)])
    assert result.exit_code == EXIT_OK, result.output
    assert seen == [False]
    assert gc.isenabled()
