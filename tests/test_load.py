"""Reading post files: front matter formats, encodings and line endings, with exact lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS, EXAMPLE
from feedkit.errors import PostError
from feedkit.load import body_of, find_posts, read_source


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_yaml_front_matter_and_body_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", "---\ntitle: T\ntags: [a, b]\n---\nBody\n")
    source = read_source(path, tmp_path)
    assert source.front_matter == {"title": "T", "tags": ["a", "b"]}
    assert source.body == "Body\n"
    assert source.body_line == 5


def test_toml_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", '+++\ntitle = "T"\ntags = ["a"]\n+++\nBody\n')
    source = read_source(path, tmp_path)
    assert source.front_matter == {"title": "T", "tags": ["a"]}
    assert source.body == "Body\n"


def test_json_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", '{\n  "title": "T",\n  "categories": "x"\n}\nBody\n')
    source = read_source(path, tmp_path)
    assert source.front_matter == {"title": "T", "categories": "x"}
    assert source.body.strip() == "Body"


def test_bad_toml_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", '+++\ntitle = "T"\ntags = [\n+++\nBody\n')
    with pytest.raises(PostError) as caught:
        read_source(path, tmp_path)
    assert caught.value.problems[0].field == "toml"


@pytest.mark.parametrize(
    "data",
    [
        b"---\r\ntitle: T\r\n---\r\nBody\r\n",  # CRLF
        b"---\rtitle: T\r---\rBody\r",  # lone CR
        b"\xef\xbb\xbf---\ntitle: T\n---\nBody\n",  # UTF-8 BOM
        "---\ntitle: T\n---\nBody\n".encode("utf-16"),  # UTF-16 with BOM
    ],
)
def test_line_endings_and_byte_order_marks(tmp_path: Path, data: bytes) -> None:
    source = read_source(write(tmp_path, "p.md", data), tmp_path)
    assert source.front_matter == {"title": "T"}
    assert source.body.strip() == "Body"


def test_yaml_error_line_counts_from_the_top_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", '---\nlayout: post\ntitle: "a "b" c"\n---\n')
    with pytest.raises(PostError) as caught:
        read_source(path, tmp_path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.field) == (3, "yaml")


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", "---\n- a\n- b\n---\nBody\n")
    with pytest.raises(PostError, match="must be a mapping"):
        read_source(path, tmp_path)


def test_find_posts_is_sorted_recursive_and_skips_what_jekyll_skips(tmp_path: Path) -> None:
    posts = tmp_path / "_posts"
    for name in ["b/2022-01-02-b.md", "2022-01-01-a.markdown", "2022-01-03-c.html",
                 "image.png", ".hidden.md", "_draft.md", "#temp.md", "backup.md~", "notes.txt"]:  # fmt: skip
        write(posts, name, "---\ntitle: x\n---\n")
    outside = write(tmp_path, "secret.md", "---\ntitle: secret\n---\n")
    (posts / "2022-01-04-link.md").symlink_to(outside)
    (posts / "linked-dir").symlink_to(tmp_path)
    found = find_posts(posts, tmp_path)
    assert [f.path for f in found] == [
        "_posts/2022-01-01-a.markdown", "_posts/2022-01-03-c.html", "_posts/b/2022-01-02-b.md"
    ]  # fmt: skip
    assert [f.size for f in found] == [len("---\ntitle: x\n---\n")] * 3


@pytest.mark.parametrize(
    "data",
    [
        "---\ntitle: T\ntags: [a, b]\n---\nBody\n",
        "---\ntitle: T\n---\n---\nA rule, then text\n",
        '+++\ntitle = "T"\n+++\nBody\n',
        '{\n  "title": "T"\n}\nBody\n',
        b"---\r\ntitle: T\r\n---\r\nBody\r\n",
        b"\xef\xbb\xbf---\ntitle: T\n---\nBody\n",
        "---\ntitle: T\n---\nBody\n".encode("utf-16"),
    ],
)
def test_body_of_gives_the_body_read_source_gives(tmp_path: Path, data: str | bytes) -> None:
    path = write(tmp_path, "p.md", data)
    assert body_of(path.read_bytes(), "p.md") == read_source(path, tmp_path).body


def test_body_of_every_example_and_corpus_post() -> None:
    folders = [EXAMPLE / "_posts", CORPUS / "_posts"]
    checked = 0
    for found in (f for folder in folders if folder.is_dir() for f in find_posts(folder, folder)):
        try:
            body = read_source(found.file, found.file.parent).body
        except PostError:
            continue
        assert body_of(found.read(), found.path) == body, found.path
        checked += 1
    assert checked >= 15  # the example alone has 15 readable posts


@pytest.mark.parametrize("now", [b"", b"short", b"x" * 100, b"y" * 3_000_000])
def test_a_post_file_reads_what_is_on_disk_whatever_size_the_scan_saw(
    tmp_path: Path, now: bytes
) -> None:
    """Read after the scan: a file that shrank, or grew (past one read), is read to its end."""
    path = tmp_path / "2022-01-01-a.md"
    path.write_bytes(b"z" * 100)
    [found] = find_posts(tmp_path, tmp_path)
    assert found.size == 100
    assert found.read() == b"z" * 100
    path.write_bytes(now)
    assert found.read() == now
