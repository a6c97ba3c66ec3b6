"""Turn `feedkit publish --json` output into GitHub Actions annotations and a job summary.

Used by action.yml: each rejected post becomes an error annotation on its file and line, and the
counts go to the job summary page and the step output `summary`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def escape(text: str) -> str:
    """Workflow-command escaping for a message or property value."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main(summary_path: str, site: str) -> int:
    try:
        summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0  # feedkit failed before it could summarise; its own message is in the log
    for problem in summary["problems"]:
        file = os.path.normpath(os.path.join(site, problem["path"]))
        print(
            f"::error file={escape(file)},line={max(problem['line'], 1)},"
            f"title=feedkit {escape(problem['field'])}::{escape(problem['message'])}"
        )
    for warning in summary["warnings"]:
        print(f"::warning title=feedkit::{escape(warning)}")
    posts, files = summary["posts"], summary["files"]
    line = (
        f"feedkit: {posts['published']} posts published, {posts['rejected']} rejected, "
        f"{posts['from_cache']} from cache; {len(files['written'])} files written, "
        f"{files['unchanged']} unchanged, {len(files['removed'])} removed "
        f"in {summary['seconds']} s"
    )
    print(line)
    if step_summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(f"### Feeds\n\n{line}\n")
    if output := os.environ.get("GITHUB_OUTPUT"):
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"summary={json.dumps(summary, ensure_ascii=False)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
