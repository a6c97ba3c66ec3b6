#!/usr/bin/env python3
"""Fuzz feedkit's loader with atheris (coverage-guided libFuzzer for Python).

Each input is the bytes of one post file. It goes to `feedkit.load.parse_source`, then to
`feedkit.validate.resolve` with the tiny site in fuzz/site/. A `PostError` is the expected
answer to a broken post (its problems are checked: right path, a line, a field, a message on
one line); any other exception is a crash, and libFuzzer saves the input under fuzz/artifacts/.

    python fuzz/fuzz_load.py -max_total_time=60          # seeds fuzz/seeds/, dict fuzz/feedkit.dict
    python fuzz/fuzz_load.py fuzz/artifacts/crash-<sha1>  # replay one input
    FEEDKIT_FUZZ_SKIP_KNOWN=1 python fuzz/fuzz_load.py -max_total_time=600   # past filed bugs
    FEEDKIT_FUZZ_DEEP=1 python fuzz/fuzz_load.py ...     # also render and serialise the post

See fuzz/README.md.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
SITE_DIR = HERE / "site"
POST_FILE = SITE_DIR / "_posts" / "2022-01-02-fuzz.md"
POST_PATH = "_posts/2022-01-02-fuzz.md"

with atheris.instrument_imports():
    from feedkit.errors import PostError
    from feedkit.load import parse_source
    from feedkit.site import load_site
    from feedkit.validate import Validator, resolve

SITE = load_site(SITE_DIR)
VALIDATOR = Validator.for_site(SITE)
DEEP = os.environ.get("FEEDKIT_FUZZ_DEEP") == "1"
SKIP_KNOWN = os.environ.get("FEEDKIT_FUZZ_SKIP_KNOWN") == "1"

# Crashes already filed as xfail tests in tests/test_hostile.py: (exception type, a piece of the
# innermost frame's file name, the test that shows it). FEEDKIT_FUZZ_SKIP_KNOWN=1 treats these as
# expected so a run can find what is *not* known yet. Add an entry when a crash is filed, remove
# it when the fix lands. Every crash found so far (PyYAML constructor exceptions, OverflowError
# near year 1/9999, RecursionError in deep front matter, lone surrogates and control characters
# reaching the writers, '<![foo' in html.parser, an unmatched '[' in a URL) is fixed and is a
# passing case in tests/test_hostile.py, so the list is empty.
KNOWN: list[tuple[type[BaseException], str, str]] = []


def is_known(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    innermost = frames[-1].filename.replace(os.sep, "/") if frames else ""
    return any(
        isinstance(exc, kind) and (where in innermost or not where) for kind, where, _ in KNOWN
    )


def check_problems(exc: PostError) -> None:
    """A PostError must be usable as a message: `path:line: field: message`, one line each."""
    assert exc.problems, "PostError without problems"
    for problem in exc.problems:
        assert problem.path == POST_PATH, problem
        assert problem.line >= 0, problem
        assert problem.field and problem.message, problem
        assert "\n" not in str(problem), problem


def deep(post: object) -> None:
    """Render the post and serialise it as a feed item in every format (FEEDKIT_FUZZ_DEEP=1)."""
    import json

    from feedkit import render
    from feedkit.feeds.fragments import post_fragments

    render.render(post)  # type: ignore[arg-type]
    for fragment in post_fragments(post, SITE).values():  # type: ignore[arg-type]
        fragment.encode("utf-8")
    json.dumps(post.content_html)  # type: ignore[attr-defined]


def TestOneInput(data: bytes) -> None:  # the name atheris' examples use
    try:
        source = parse_source(data, POST_FILE, SITE.root)
        post = resolve(source, SITE, VALIDATOR)
        if DEEP and post is not None:
            post.body = source.body
            deep(post)
    except PostError as exc:
        check_problems(exc)
    except Exception as exc:
        if SKIP_KNOWN and is_known(exc):
            return
        raise


def libfuzzer_args(argv: list[str]) -> list[str]:
    """Add the defaults (dictionary, seeds, where crashes go) unless the caller set them."""
    args = list(argv)
    flags = [a for a in args[1:] if a.startswith("-")]
    inputs = [a for a in args[1:] if not a.startswith("-")]
    if not any(f.startswith("-dict=") for f in flags):
        args.append(f"-dict={HERE / 'feedkit.dict'}")
    if not any(f.startswith("-artifact_prefix=") for f in flags):
        (HERE / "artifacts").mkdir(exist_ok=True)
        args.append(f"-artifact_prefix={HERE / 'artifacts'}/")
    if not any(f.startswith("-max_len=") for f in flags):
        args.append("-max_len=4096")
    if not inputs and not any(f.startswith("-seed_inputs=") for f in flags):
        seeds = sorted(str(p) for p in (HERE / "seeds").iterdir() if p.is_file())
        args.append("-seed_inputs=" + ",".join(seeds))
    return args


def main() -> None:
    atheris.Setup(libfuzzer_args(sys.argv), TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
