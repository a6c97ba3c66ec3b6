"""What ships for cron users: the GitHub Action's publish step, the pre-commit hook, the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import BROKEN, REPO, copy_example


def action_step(name: str) -> dict[str, object]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    step: dict[str, object] = next(s for s in action["runs"]["steps"] if s.get("name") == name)
    return step


def run_publish_step(
    tmp_path: Path, site: Path, fail_on_rejected: str
) -> subprocess.CompletedProcess[str]:
    """Run the action's "Publish feeds" step as a runner would: bash, its env, runner files."""
    step = action_step("Publish feeds")
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "GITHUB_ACTION_PATH": str(REPO),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "FEEDKIT_SITE": str(site),
        "FEEDKIT_ARGS": "--lock-timeout 5",
        "FEEDKIT_FAIL_ON_REJECTED": fail_on_rejected,
    }
    return subprocess.run(
        ["bash", "-e", "-c", str(step["run"])], env=env, capture_output=True, text=True
    )


def test_action_step_annotates_rejected_posts_and_fails(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(BROKEN, site)
    done = run_publish_step(tmp_path, site, "true")
    assert done.returncode == 1
    annotation = (
        f"::error file={site}/_posts/2022-01-03-missing-title.md,line=1,"
        "title=feedkit title::is required but missing"
    )
    assert annotation in done.stdout.splitlines()
    assert done.stdout.count("::error ") == 12
    assert (site / "feeds" / "all.json").is_file()  # valid posts were published regardless
    summary_line = done.stdout.splitlines()[-1]
    assert summary_line.startswith("feedkit: 1 posts published, 12 rejected, 0 from cache;")
    assert summary_line in (tmp_path / "step_summary.md").read_text(encoding="utf-8")
    output = (tmp_path / "output.txt").read_text(encoding="utf-8")
    assert json.loads(output.removeprefix("summary="))["posts"]["rejected"] == 12


def test_action_step_can_let_the_workflow_go_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(BROKEN, site)
    assert run_publish_step(tmp_path, site, "false").returncode == 0


def test_action_step_on_a_clean_site(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "site")
    done = run_publish_step(tmp_path, site, "true")
    assert done.returncode == 0, done.stderr
    assert "::error" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith("feedkit: 13 posts published, 0 rejected")


def test_action_installs_feedkit_from_the_action_folder() -> None:
    run = str(action_step("Install feedkit")["run"])
    assert '"$GITHUB_ACTION_PATH"' in run and "pip install" in run


def test_pre_commit_hook_runs_feedkit_validate() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks == [
        {
            "id": "feedkit-validate",
            "name": "feedkit validate",
            "description": "Check the front matter of every Jekyll post (path:line: field: message).",
            "entry": "feedkit validate",
            "language": "python",
            "pass_filenames": False,
            "files": "^_posts/",
        }
    ]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("feedkit-*.whl"))


def test_the_wheel_ships_the_schemas_and_the_entry_point(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for schema in ("post.schema.json", "config.schema.json", "jsonfeed-1.1.schema.json"):
        assert f"feedkit/schemas/{schema}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "feedkit = feedkit.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
