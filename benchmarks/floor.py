#!/usr/bin/env python3
"""The floor: read every post file and parse its front matter with libyaml, nothing else.

    python benchmarks/floor.py SITE/_posts

No publisher can read N posts' front matter faster in Python than this, so `run.py` reports
feedkit's time as a multiple of it. Prints the number of posts parsed on stdout.
"""

from __future__ import annotations

import os
import sys

import yaml


def main(posts_dir: str) -> int:
    loader = yaml.CSafeLoader
    parsed = 0
    for folder, _dirs, files in os.walk(posts_dir):
        for name in files:
            if not name.endswith((".md", ".markdown", ".html")):
                continue
            with open(os.path.join(folder, name), "rb") as f:
                text = f.read().decode("utf-8")
            if not text.startswith("---\n"):
                continue
            end = text.find("\n---", 3)  # the closing `---` line
            if end < 0:
                continue
            data = yaml.load(text[4 : end + 1], Loader=loader)
            if isinstance(data, dict):
                parsed += 1
    print(parsed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
