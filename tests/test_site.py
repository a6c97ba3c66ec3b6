"""Site configuration: _config.yml as Jekyll reads it, feedkit.toml on top, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import feedkit
from feedkit.errors import ConfigError
from feedkit.site import load_site


def site_with(tmp_path: Path, config: str, toml: str | None = None) -> Path:
    (tmp_path / "_config.yml").write_text(config, encoding="utf-8")
    if toml is not None:
        (tmp_path / "feedkit.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def post(site: Path, name: str, front_matter: str) -> None:
    folder = site / "_posts"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"---\n{front_matter}\n---\nBody\n", encoding="utf-8")


def test_defaults_follow_jekyll(tmp_path: Path) -> None:
    site = load_site(site_with(tmp_path, "title: T\nurl: https://x.org\n"))
    assert site.permalink == "/:categories/:year/:month/:day/:title:output_ext"
    assert site.baseurl == ""
    assert site.timezone.key == "UTC"
    assert site.feeds_url == "https://x.org/feeds/"
    assert site.items == 50
    assert site.output == (tmp_path / "feeds").resolve()


def test_feedkit_toml_overrides_config_yml(tmp_path: Path) -> None:
    config = "title: T\nurl: https://x.org\nbaseurl: /blog\npermalink: pretty\n"
    toml = 'title = "Other"\noutput = "public/feeds"\nitems = 0\nslugify = "ascii"\n'
    site = load_site(site_with(tmp_path, config, toml))
    assert site.title == "Other"
    assert site.items == 0
    assert site.slugify == "ascii"
    assert site.permalink == "/:categories/:year/:month/:day/:title/"
    assert site.feeds_url == "https://x.org/blog/feeds/"
    assert site.output == (tmp_path / "public" / "feeds").resolve()


def test_config_option_names_another_settings_file(tmp_path: Path) -> None:
    site_dir = site_with(tmp_path, "title: T\nurl: https://x.org\n")
    other = tmp_path / "prod.toml"
    other.write_text('feeds_url = "https://cdn.x.org/f/"\n', encoding="utf-8")
    assert load_site(site_dir, other).feeds_url == "https://cdn.x.org/f/"
    with pytest.raises(ConfigError, match="file not found"):
        load_site(site_dir, tmp_path / "missing.toml")


def test_every_config_problem_is_reported_at_once(tmp_path: Path) -> None:
    site_dir = site_with(tmp_path, "url: ftp://x.org/\nbaseurl: blog/\nitems: -1\n")
    with pytest.raises(ConfigError) as caught:
        load_site(site_dir)
    fields = [(p.field, p.line) for p in caught.value.problems]
    assert fields == [("title", 0), ("url", 1), ("baseurl", 2), ("items", 3)]


def test_yaml_syntax_error_in_config(tmp_path: Path) -> None:
    site_dir = site_with(tmp_path, "title: T\nurl: [https://x.org\n")
    with pytest.raises(ConfigError) as caught:
        load_site(site_dir)
    assert caught.value.problems[0].field == "yaml"


def test_a_site_schema_adds_rules(tmp_path: Path) -> None:
    toml = 'schema = "posts.schema.json"\n'
    site_dir = site_with(tmp_path, "title: T\nurl: https://x.org\n", toml)
    (site_dir / "posts.schema.json").write_text(
        '{"required": ["author"], "properties": {"author": {"type": "string"}}}', encoding="utf-8"
    )
    post(site_dir, "2022-01-01-ok.md", "title: A\nauthor: Ann")
    post(site_dir, "2022-01-02-no-author.md", "title: B\ncategories: x")
    collected = feedkit.validate(site_dir)
    assert [p.title for p in collected.posts] == ["A"]
    assert [str(p) for e in collected.rejected for p in e.problems] == [
        "_posts/2022-01-02-no-author.md:1: author: is required but missing"
    ]


def test_merged_slugs_warn_and_share_one_feed(tmp_path: Path) -> None:
    site_dir = site_with(tmp_path, "title: T\nurl: https://x.org\n")
    post(site_dir, "2022-01-01-a.md", "title: A\ntags: Markets")
    post(site_dir, "2022-01-02-b.md", "title: B\ntags: markets")
    result = feedkit.publish(site_dir)
    assert result.feedset.warnings == [
        "tag names 'Markets', 'markets' share the file name 'markets': merged into one feed"
    ]
    tag_feeds = [f for f in result.feedset.feeds if f.kind == "tag"]
    assert [(f.slug, len(f.posts)) for f in tag_feeds] == [("markets", 2)]


def test_ascii_slugs_transliterate(tmp_path: Path) -> None:
    site_dir = site_with(tmp_path, "title: T\nurl: https://x.org\n", 'slugify = "ascii"\n')
    post(site_dir, "2022-01-01-a.md", "title: A\ntags: 新闻")
    result = feedkit.publish(site_dir)
    assert [f.stem for f in result.feedset.feeds] == ["all", "tag/xinwen"]
    assert (site_dir / "feeds" / "tag" / "xinwen.json").is_file()


def test_item_limit_keeps_the_newest(tmp_path: Path) -> None:
    site_dir = site_with(tmp_path, "title: T\nurl: https://x.org\n", "items = 2\n")
    for day in range(1, 6):
        post(site_dir, f"2022-01-0{day}-p{day}.md", f"title: P{day}")
    feed = feedkit.publish(site_dir).feedset.feeds[0]
    assert [p.title for p in feed.posts] == ["P5", "P4"]
    assert feed.total == 5
