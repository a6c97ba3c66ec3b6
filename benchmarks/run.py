#!/usr/bin/env python3
"""Time feedkit against a floor and against Hugo on generated finews-shaped sites.

    .venv/bin/python benchmarks/run.py [--sizes 1000,10000,100000] [--runs 5]
                                       [--out BENCHMARKS.md] [--quick]

For each size N the site is generated once by generate.py (cached in WORK/N/site, default
WORK=/tmp/feedkit-bench; regenerated only if missing or made by another generate.py/seed).
Every measurement is a whole process: wall time from time.perf_counter around the child, peak
RSS from os.wait4's rusage (ru_maxrss). Each scenario runs --runs times; the median is reported.

Scenarios:
  floor           python floor.py SITE/_posts: read every post, yaml.load(CSafeLoader) its
                  front matter, nothing else
  feedkit cold    SITE/.feedkit and SITE/feeds moved aside before each run (deleted after the
                  scenario, see Aside); feedkit publish --quiet
  feedkit warm    one untimed run first; then runs with nothing changed
  feedkit checkout  every post and feed file touched (new mtime, same bytes) before each run
  feedkit +100    from the warm state, 100 new (never seen) posts dated after all others are
                  written before each run; afterwards they are deleted and an untimed run
                  brings the cache and feeds back to the warm state
  hugo cold       the same posts as a Hugo site (WORK/N/hugo), 50 items per feed as feedkit;
                  public/, resources/ and the destination moved aside before each run;
                  hugo --quiet --config config.toml --destination WORK/N/hugo-public
  hugo cold, every post in every feed
                  the same with Hugo's default RSS limit (none): --config config-all.toml

Standard library only (floor.py uses PyYAML). The feedkit binary is the one beside
sys.executable, so run this with the venv's python.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # keep benchmarks/ free of __pycache__
import generate  # noqa: E402

PYTHON = Path(sys.executable)
FEEDKIT = PYTHON.parent / "feedkit"
FLOOR = HERE / "floor.py"
ADDED = 100  # posts added per "+100" run
ADDED_START = datetime(2024, 1, 1, 8, 0, tzinfo=generate.TZ)  # after every generated post
ADDED_INDEX = 10_000_000  # index (and id) range of added posts, far above any N
FLOOR_SCENARIO = "floor (read + yaml.load CSafeLoader)"
COLD, WARM, HUGO = "feedkit cold", "feedkit warm, nothing changed", "hugo cold"
HUGO_ALL = "hugo cold, every post in every feed (Hugo's default)"
ADDED_SCENARIO = f"feedkit warm, {ADDED} posts added"
HUGO_PREP_VERSION = "3"  # bump when the Hugo copy, config or layouts change


# --------------------------------------------------------------------------- measuring


@dataclass
class Sample:
    seconds: float  # wall
    maxrss_mib: float
    code: int
    cpu: float = 0.0  # user + system seconds of the child and the children it waited for


@dataclass
class Result:
    n: int
    scenario: str
    samples: list[Sample] = field(default_factory=list)
    output: str = ""  # what the run produced, for the table
    notes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples) if self.samples else 0.0

    @property
    def rss(self) -> float:
        return statistics.median(s.maxrss_mib for s in self.samples) if self.samples else 0.0

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples) if self.samples else 0.0


def run_child(argv: list[str], log: Path, cwd: Path | None = None) -> Sample:
    """Run one child to completion: wall seconds, peak RSS in MiB, exit code."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code  # reaped by wait4; keep Popen from waiting again
    # ru_maxrss is in KiB on Linux; for a child that forks workers it is the largest single
    # process (the child or a reaped worker), not their sum. CPU time does add up the workers.
    return Sample(seconds, usage.ru_maxrss / 1024, code, usage.ru_utime + usage.ru_stime)


def compile_feedkit() -> None:
    """Byte-compile the feedkit the runs import, as installing a package does.

    Otherwise, where .pyc files may not be written (PYTHONDONTWRITEBYTECODE, a read-only
    checkout), every timed run compiles every module again: ~20 ms a run, on no user's machine.
    """
    where = subprocess.run(
        [str(PYTHON), "-c", "import feedkit, os; print(os.path.dirname(feedkit.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", where], check=True)


class ScenarioFailed(Exception):
    pass


def checked(sample: Sample, what: str, log: Path, ok: tuple[int, ...] = (0,)) -> Sample:
    if sample.code not in ok:
        lines = log.read_text(errors="replace").strip().splitlines()
        raise ScenarioFailed(f"{what} exited {sample.code}: {lines[-1] if lines else ''} ({log})")
    return sample


def src_state() -> str:
    """A hash of what feedkit's cache fingerprint covers (code and schemas): if it changes during
    a warm scenario, the cache was emptied and those runs were really cold."""
    h = hashlib.sha256()
    for base in (REPO / "src" / "feedkit", REPO / "schemas"):
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json"):
                h.update(str(path).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class Aside:
    """Moves a cold run's leftovers out of the way, deleting them only after the timed runs.

    Deleting ~600 files just before a run makes the run pay for it: ext4 will not reuse an
    inode freed in the last minute or so, and every file the run creates scans past each of
    them (find_inode_bit -> recently_deleted). perf put that at ~7% of a 10,000-post cold
    run's CPU. A first run (a fresh checkout) finds no such inodes, and neither does a cold
    run here: the old files are renamed into WORK/aside, which costs nothing, and deleted
    once the scenario's runs are over. Hugo's cold runs get the same treatment.
    """

    def __init__(self, work: Path) -> None:
        self.root = work / "aside"
        self.count = 0
        rmtree(self.root)

    def move(self, *paths: Path) -> None:
        for path in paths:
            if path.exists():
                self.count += 1
                place = self.root / str(self.count)
                place.mkdir(parents=True)
                path.rename(place / path.name)

    def __enter__(self) -> Aside:
        return self

    def __exit__(self, *_: object) -> None:
        rmtree(self.root)


# --------------------------------------------------------------------------- sites


def generator_stamp(n: int, seed: int) -> str:
    digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:16]
    return f"n={n} seed={seed} generate.py={digest}\n"


def ensure_site(work: Path, n: int, seed: int) -> Path:
    """WORK/N/site with N generated posts, generating it only if missing or stale."""
    site = work / str(n) / "site"
    stamp = work / str(n) / "site.stamp"
    want = generator_stamp(n, seed)
    if site.is_dir() and stamp.is_file() and stamp.read_text() == want:
        remove_added_posts(site)  # left behind by an interrupted run
        return site
    rmtree(site)
    stamp.unlink(missing_ok=True)
    tmp = site.with_name("site.tmp")
    rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    generate.write_site(n, str(tmp), seed)
    print(f"  generated {n} posts in {time.perf_counter() - started:.1f} s -> {site}", flush=True)
    tmp.rename(site)
    stamp.write_text(want)
    return site


def add_posts(site: Path, seed: int, run: int) -> list[Path]:
    """Write ADDED new posts, newer than every generated one and different on every run."""
    posts = []
    for k in range(ADDED):
        index = ADDED_INDEX + run * ADDED + k
        when = ADDED_START + timedelta(hours=run, seconds=k * 30)
        name, text = generate.make_post(seed, index, when)
        path = site / "_posts" / name
        path.write_bytes(text.encode("utf-8"))
        posts.append(path)
    return posts


def remove_added_posts(site: Path) -> None:
    for path in (site / "_posts").glob(f"{ADDED_START:%Y}-*.md"):
        path.unlink()


def site_facts(site: Path) -> str:
    files = list((site / "_posts").iterdir())
    size = sum(f.stat().st_size for f in files)
    return f"{len(files)} posts, {size / 2**20:.0f} MiB"


# --------------------------------------------------------------------------- Hugo

HUGO_CONFIG_HEAD = """\
baseURL = "https://finews.withounder.com/"
title = "金融消息"
languageCode = "zh-CN"
timeZone = "Asia/Shanghai"
hasCJKLanguage = true
summaryLength = 200
disableKinds = ["sitemap", "robotsTXT", "404"]

[taxonomies]
  category = "categories"
  tag = "tags"

# RSS only, for the home page, the posts section, both taxonomies and every term.
[outputs]
  home = ["RSS"]
  section = ["RSS"]
  taxonomy = ["RSS"]
  term = ["RSS"]

[markup.goldmark.renderer]
  unsafe = true   # keep raw HTML, as feedkit does
"""
# feedkit's default: 50 items per feed.
HUGO_CONFIG = (
    HUGO_CONFIG_HEAD
    + """
[services.rss]
  limit = 50
"""
)
# Hugo's default (no limit: every feed lists all its posts). The reference run of Hugo
# (3.8 s, 891 MiB peak at 10,000 posts) matches this one: ~860 MiB here, ~470 with limit 50.
HUGO_CONFIG_ALL = HUGO_CONFIG_HEAD

# Posts are listed and linked but get no HTML page of their own (feedkit writes none either).
HUGO_SECTION = """\
---
title: posts
_build:          # the section itself: rendered (posts/index.xml)
  render: always
  list: always
cascade:         # its posts: listed and linked, no page written
  _target:
    kind: page
  _build:
    render: link
    list: always
---
"""

HUGO_RSS = """\
{{- $pages := .Pages -}}
{{- if .IsHome -}}{{- $pages = .Site.RegularPages -}}
{{- else if .IsSection -}}{{- $pages = .RegularPages -}}{{- end -}}
{{- $limit := .Site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 -}}{{- $pages = $pages | first $limit -}}{{- end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{{ .Title }} - {{ .Site.Title }}</title>
    <link>{{ .Permalink }}</link>
    <description>{{ .Site.Title }}</description>
    <language>{{ .Site.LanguageCode }}</language>
    {{- with $pages }}{{ with index . 0 }}
    <lastBuildDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</lastBuildDate>
    {{- end }}{{ end }}
    {{- with .OutputFormats.Get "RSS" }}
    {{ printf "<atom:link href=%q rel=\\"self\\" type=%q />" .Permalink .MediaType | safeHTML }}
    {{- end }}
    {{- range $pages }}
    <item>
      <title>{{ .Title }}</title>
      <link>{{ .Permalink }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid>{{ .Permalink }}</guid>
      <description>{{ .Summary | html }}</description>
    </item>
    {{- end }}
  </channel>
</rss>
"""

_CATEGORIES_LINE = re.compile(r"^categories: (.+)$", re.M)
_DATE_LINE = re.compile(r"^date: (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$", re.M)


def hugo_version(hugo: str) -> str:
    out = subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout
    return out.strip()


def hugo_reads_jekyll_dates(hugo: str, work: Path) -> bool:
    """Does Hugo read `2022-02-18 14:41:30 -0500` with its offset? (Probed on a 1-post site.)"""
    probe = work / "hugo-date-probe"
    rmtree(probe)
    (probe / "content" / "posts").mkdir(parents=True)
    (probe / "config.toml").write_text(
        'baseURL = "https://x.test/"\n[outputs]\nhome = ["RSS"]\npage = ["RSS"]\n'
        'section = ["RSS"]\ntaxonomy = ["RSS"]\nterm = ["RSS"]\n'
    )
    (probe / "content" / "posts" / "p.md").write_text(
        '---\ntitle: "p"\ndate: 2022-02-18 14:41:30 -0500\n---\nx\n'
    )
    subprocess.run(
        [hugo, "--quiet", "--destination", str(probe / "public")],
        cwd=probe,
        capture_output=True,
        check=False,
    )
    rss = probe / "public" / "index.xml"
    text = rss.read_text() if rss.exists() else ""
    rmtree(probe)
    return "Fri, 18 Feb 2022 14:41:30 -0500" in text


def to_hugo(text: str, convert_dates: bool) -> str:
    """A post as Hugo needs it to see the same categories (and, if needed, dates).

    Jekyll splits `categories: a b` on spaces; Hugo takes the string as one term ("a-b"), so
    space-separated categories become a YAML list. Dates stay as they are unless this Hugo cannot
    read `YYYY-MM-DD HH:MM:SS +0800`; then they become RFC 3339.
    """

    def categories(m: re.Match[str]) -> str:
        value = m.group(1)
        if " " not in value or value.startswith("["):
            return m.group(0)
        return "categories: [" + ", ".join(value.split()) + "]"

    head, sep, body = text[4:].partition("\n---\n")
    head = _CATEGORIES_LINE.sub(categories, head)
    if convert_dates:
        head = _DATE_LINE.sub(r"date: \1T\2\3:\4", head)
    return "---\n" + head + sep + body


def ensure_hugo_site(work: Path, n: int, site: Path, convert_dates: bool) -> Path:
    hugo_dir = work / str(n) / "hugo"
    stamp = work / str(n) / "hugo.stamp"
    want = (work / str(n) / "site.stamp").read_text() + (
        f"hugo-prep={HUGO_PREP_VERSION} convert_dates={convert_dates}\n"
    )
    if hugo_dir.is_dir() and stamp.is_file() and stamp.read_text() == want:
        return hugo_dir
    rmtree(hugo_dir)
    stamp.unlink(missing_ok=True)
    posts = hugo_dir / "content" / "posts"
    posts.mkdir(parents=True)
    (hugo_dir / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (hugo_dir / "config-all.toml").write_text(HUGO_CONFIG_ALL, encoding="utf-8")
    (posts / "_index.md").write_text(HUGO_SECTION, encoding="utf-8")
    layouts = hugo_dir / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "rss.xml").write_text(HUGO_RSS, encoding="utf-8")
    for path in sorted((site / "_posts").iterdir()):
        text = path.read_bytes().decode("utf-8")
        (posts / path.name).write_bytes(to_hugo(text, convert_dates).encode("utf-8"))
    stamp.write_text(want)
    return hugo_dir


# --------------------------------------------------------------------------- scenarios


def count_files(folder: Path, suffixes: tuple[str, ...]) -> int:
    return sum(
        1
        for p in folder.rglob("*")
        if p.is_file() and p.name.endswith(suffixes) and not p.name.startswith(".")
    )


def bench_floor(work: Path, n: int, site: Path, runs: int) -> Result:
    result = Result(n, FLOOR_SCENARIO)
    log = work / str(n) / "logs" / "floor.log"
    for _ in range(runs):
        result.samples.append(
            checked(run_child([str(PYTHON), str(FLOOR), str(site / "_posts")], log), "floor", log)
        )
    parsed = log.read_text().strip()
    result.output = f"{parsed} front matters"
    if parsed != str(n):
        result.notes.append(f"floor parsed {parsed} posts, expected {n}")
    return result


def feedkit_argv(site: Path) -> list[str]:
    return [str(FEEDKIT), "publish", str(site), "--quiet"]


def feeds_output(site: Path) -> str:
    return f"{count_files(site / 'feeds', ('.rss', '.atom', '.json'))} feed files"


def bench_feedkit_cold(work: Path, n: int, site: Path, runs: int) -> Result:
    result = Result(n, "feedkit cold")
    log = work / str(n) / "logs" / "feedkit-cold.log"
    with Aside(work) as aside:
        for _ in range(runs):
            aside.move(site / ".feedkit", site / "feeds")
            result.samples.append(checked(run_child(feedkit_argv(site), log), "feedkit cold", log))
    result.output = feeds_output(site)
    return result


def bench_feedkit_warm(work: Path, n: int, site: Path, runs: int) -> Result:
    result = Result(n, "feedkit warm, nothing changed")
    log = work / str(n) / "logs" / "feedkit-warm.log"
    checked(run_child(feedkit_argv(site), log), "feedkit warm-up", log)
    for _ in range(runs):
        result.samples.append(checked(run_child(feedkit_argv(site), log), "feedkit warm", log))
    result.output = feeds_output(site)
    # One untimed run with --json to confirm that a warm run takes every post from the cache.
    check_log = work / str(n) / "logs" / "feedkit-warm-check.log"
    argv = [str(FEEDKIT), "publish", str(site), "--json", "--dry-run"]
    checked(run_child(argv, check_log), "feedkit warm check", check_log)
    try:
        posts = json.loads(check_log.read_text())["posts"]
    except (ValueError, KeyError):
        posts = {}
    if posts.get("from_cache") != n or posts.get("published") != n:
        result.notes.append(f"a warm run did not take every post from the cache: {posts}")
    return result


def touch_all(*folders: Path) -> None:
    """Give every file a new mtime and the same bytes, as a fresh git checkout does."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                stat = path.stat()
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def bench_feedkit_checkout(work: Path, n: int, site: Path, runs: int) -> Result:
    result = Result(n, "feedkit warm, after a checkout")
    log = work / str(n) / "logs" / "feedkit-checkout.log"
    checked(run_child(feedkit_argv(site), log), "feedkit warm-up", log)
    for _ in range(runs):
        touch_all(site / "_posts", site / "feeds")
        result.samples.append(checked(run_child(feedkit_argv(site), log), "feedkit checkout", log))
    result.output = feeds_output(site)
    return result


def bench_feedkit_added(work: Path, n: int, site: Path, runs: int, seed: int) -> Result:
    result = Result(n, f"feedkit warm, {ADDED} posts added")
    log = work / str(n) / "logs" / "feedkit-added.log"
    restore_log = work / str(n) / "logs" / "feedkit-restore.log"
    checked(run_child(feedkit_argv(site), restore_log), "feedkit warm-up", restore_log)
    try:
        for run in range(runs):
            added = add_posts(site, seed, run)
            result.samples.append(checked(run_child(feedkit_argv(site), log), "feedkit +100", log))
            if run == runs - 1:
                result.output = feeds_output(site)
                newest = max(added).name.rsplit("-", 1)[1].removesuffix(".md")
                if newest.encode() not in (site / "feeds" / "all.json").read_bytes():
                    result.notes.append(f"the newest added post ({newest}) is not in all.json")
            remove_added_posts(site)
            checked(run_child(feedkit_argv(site), restore_log), "feedkit restore", restore_log)
    finally:
        remove_added_posts(site)
    return result


def bench_hugo(
    work: Path, n: int, hugo: str, hugo_dir: Path, runs: int, every_post: bool = False
) -> Result:
    result = Result(n, HUGO_ALL if every_post else HUGO)
    dest = work / str(n) / "hugo-public"
    log = work / str(n) / "logs" / ("hugo-all.log" if every_post else "hugo.log")
    config = "config-all.toml" if every_post else "config.toml"
    argv = [hugo, "--quiet", "--config", config, "--destination", str(dest)]
    with Aside(work) as aside:
        for _ in range(runs):
            aside.move(dest, hugo_dir / "public", hugo_dir / "resources")
            result.samples.append(checked(run_child(argv, log, cwd=hugo_dir), "hugo", log))
    result.output = f"{count_files(dest, ('.xml',))} RSS files"
    warnings = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    if warnings:
        result.notes.append(f"hugo printed: {warnings[0][:200]}")
    return result


def timed(label: str, fn, *args):  # type: ignore[no-untyped-def]
    print(f"  {label} ...", end="", flush=True)
    before = src_state()
    try:
        result = fn(*args)
    except ScenarioFailed as exc:  # report it and go on with the other scenarios
        print(f" FAILED: {exc}", flush=True)
        return Result(args[1], label, notes=[f"FAILED: {exc}"])
    if src_state() != before and label.startswith("feedkit"):
        result.notes.append("src/ changed during this measurement (cache fingerprint changed)")
    print(
        f" median {result.median:.2f} s (CPU {result.cpu:.2f} s), {result.rss:.0f} MiB", flush=True
    )
    return result


# --------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": str(nproc),
        "cpu": cpu,
        "mem": mem,
        "os": f"{platform.system()} {platform.release()}",
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "src", "schemas")
    return commit + (" + uncommitted changes in src/" if dirty else "")


def pyyaml_version() -> str:
    code = (
        "import yaml; print(yaml.__version__, 'libyaml' if yaml.__with_libyaml__ else 'no libyaml')"
    )
    done = subprocess.run([str(PYTHON), "-c", code], capture_output=True, text=True)
    return done.stdout.strip() or "?"


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| posts | scenario | median wall (s) | min–max (s) | median CPU (s) "
        "| median peak RSS (MiB) | runs | output |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        secs = [s.seconds for s in r.samples]
        flag = " ⚠" if r.notes else ""
        if not secs:
            lines.append(f"| {r.n:,} | {r.scenario} ⚠ | failed | | | | 0 | see warnings |")
            continue
        lines.append(
            f"| {r.n:,} | {r.scenario}{flag} | {fmt_s(r.median)} | "
            f"{fmt_s(min(secs))}–{fmt_s(max(secs))} | {fmt_s(r.cpu)} | {r.rss:.0f} | "
            f"{len(secs)} | {r.output} |"
        )
    return lines


def ratios(results: list[Result]) -> list[str]:
    by = {(r.n, r.scenario): r for r in results}
    lines = [
        "| posts | feedkit cold / floor | feedkit cold / Hugo (50 items) "
        "| feedkit cold / Hugo (every post) | feedkit warm / floor "
        "| feedkit +100 / floor | feedkit cold RSS / floor RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sorted({r.n for r in results}):
        floor = by.get((n, FLOOR_SCENARIO))
        cold = by.get((n, "feedkit cold"))
        warm = by.get((n, "feedkit warm, nothing changed"))
        added = by.get((n, f"feedkit warm, {ADDED} posts added"))
        hugo = by.get((n, HUGO))
        hugo_all = by.get((n, HUGO_ALL))

        def ratio(a: Result | None, b: Result | None, rss: bool = False) -> str:
            if a is None or b is None or not a.samples or not b.samples:
                return "–"
            return f"{(a.rss / b.rss) if rss else (a.median / b.median):.1f}×"

        lines.append(
            f"| {n:,} | {ratio(cold, floor)} | {ratio(cold, hugo)} | {ratio(cold, hugo_all)} "
            f"| {ratio(warm, floor)} "
            f"| {ratio(added, floor)} | {ratio(cold, floor, rss=True)} |"
        )
    return lines


# The speed targets: (posts, scenario, what is compared, limit, how to measure).
TARGETS = [
    (10_000, COLD, "wall", 2.0, "s"),
    (10_000, COLD, "hugo", 0.5, "× Hugo (50 items)"),
    (10_000, COLD, "hugo_all", 0.5, "× Hugo (every post)"),
    (10_000, COLD, "floor", 5.0, "× floor"),
    (100_000, COLD, "wall", 20.0, "s"),
    (100_000, COLD, "rss", 1024.0, "MiB peak RSS"),
    (100_000, WARM, "wall", 1.5, "s"),
    (100_000, ADDED_SCENARIO, "wall", 2.5, "s"),
]
BASES = {"hugo": HUGO, "hugo_all": HUGO_ALL, "floor": FLOOR_SCENARIO}  # ratio targets: of what


def targets(results: list[Result]) -> list[str]:
    """Each target of the performance issue, with the measured median and met or not."""
    by = {(r.n, r.scenario): r for r in results if r.samples}
    lines = ["| posts | scenario | target | measured | met |", "|---:|---|---:|---:|---|"]
    for n, scenario, kind, limit, unit in TARGETS:
        r = by.get((n, scenario))
        base = by.get((n, BASES.get(kind, "")))
        if r is None or (kind in BASES and base is None):
            continue
        if kind == "rss":
            value = r.rss
        elif kind in BASES:
            assert base is not None
            value = r.median / base.median
        else:
            value = r.median
        shown = f"{value:.0f}" if kind == "rss" else f"{value:.2f}"
        lines.append(
            f"| {n:,} | {scenario} | ≤ {limit:g} {unit} | {shown} {unit} | "
            f"{'yes' if value <= limit else '**no**'} |"
        )
    return lines if len(lines) > 2 else []


def report(results: list[Result], facts: dict[str, str], argv: list[str]) -> str:
    m = machine()
    met = targets(results)
    out = [
        "# feedkit benchmarks",
        "",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['mem']} RAM, {m['os']}",
        f"- Python: {platform.python_version()} ({PYTHON}); PyYAML {pyyaml_version()}",
        f"- feedkit: commit {facts['commit']}; src/ + schemas/ hash {facts['src']}"
        + (
            f"; FEEDKIT_WORKERS={os.environ['FEEDKIT_WORKERS']}"
            if os.environ.get("FEEDKIT_WORKERS")
            else ""
        ),
        f"- Hugo: {facts['hugo']}",
        f"- Command: `{' '.join(argv)}`",
        f"- Load average (1/5/15 min) at start: {facts['load_start']}; at the end: "
        f"{load_average()} (other processes on the machine add noise)",
        f"- Sites: `benchmarks/generate.py N WORK/N/site --seed {facts['seed']}` "
        f"({facts['sites']}); 60 category values (63 names), 68 tags; "
        "feedkit writes 132 feeds × 3 formats",
        "",
        "Wall time is the whole process (interpreter start-up included), the median of the runs. "
        "CPU is user + system time of the child and the worker processes it waited for. Peak "
        "RSS is ru_maxrss from os.wait4: the largest single process (the child or one of its "
        "workers), not the sum over workers. Files are in the OS page cache in every scenario.",
        "",
        *table(results),
        "",
        "## Ratios (medians)",
        "",
        *ratios(results),
        "",
        *(["## Targets (medians; from the performance issue)", "", *met, ""] if met else []),
        "## What each row measures",
        "",
        "- **floor**: `python benchmarks/floor.py SITE/_posts`: read every post file, cut the "
        "front matter at the `---` lines, `yaml.load(..., Loader=yaml.CSafeLoader)`; nothing "
        "else. A lower bound for any Python publisher that reads front matter with PyYAML.",
        "- **feedkit cold**: `SITE/.feedkit` and `SITE/feeds` moved aside before each run, then "
        "`feedkit publish SITE --quiet`. They are deleted after the scenario's runs, not before "
        "each: ext4 reuses no inode freed in the last minute or so, and every file a run creates "
        "scans past each of them (perf: ~7% of a 10,000-post cold run's CPU after deleting the "
        "last run's ~600 files). A first run finds no such inodes.",
        "- **feedkit warm, nothing changed**: one untimed run, then the timed runs; no file "
        "changes.",
        "- **feedkit warm, after a checkout**: as a CI job that restores the cache and checks "
        "out the repository: before each timed run every post and feed file gets a new mtime, "
        "with the same bytes.",
        f"- **feedkit warm, {ADDED} posts added**: from the warm state, {ADDED} new posts dated "
        "after every other post (new content, never seen by the cache) are written before each "
        "timed run; afterwards they are deleted and an untimed run restores the warm state.",
        "- **hugo cold**: the same posts in `content/posts/` of a Hugo site with `categories` and "
        "`tags` taxonomies, RSS output only for home, section, taxonomy and term pages "
        "(limit 50 as feedkit, `.Summary` only, minimal `layouts/_default/rss.xml`, no theme); "
        "posts are listed and linked but get no HTML page (`_build: {render: link}`). "
        "`public/`, `resources/` and the destination are moved aside before each run, as "
        "feedkit's; `hugo --quiet --config config.toml --destination WORK/N/hugo-public`. "
        f"{facts['hugo_dates']}",
        f"- **{HUGO_ALL}**: the same, with Hugo's default RSS limit (none: each feed lists all "
        "its posts), `--config config-all.toml`. The performance issue's reference figure for "
        "Hugo (3.8 s, 891 MiB peak at 10,000 posts) matches this configuration in memory; with "
        "limit 50 Hugo peaks at about half of that.",
        "- feedkit writes RSS, Atom and JSON Feed (3 files per feed) plus an HTML page per feed"
        " and index.html/index.opml; Hugo writes RSS only.",
        "- feedkit's modules are byte-compiled (`compileall`) before the first timed run, as an"
        " installed package's are; no run pays for compiling them.",
    ]
    notes = [(r, note) for r in results for note in r.notes]
    if notes:
        out += ["", "## Warnings", ""]
        out += [f"- {r.n:,} / {r.scenario}: {note}" for r, note in notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark feedkit against a PyYAML floor and Hugo.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated post counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per scenario")
    parser.add_argument(
        "--out",
        type=Path,
        help="Markdown report (default: BENCHMARKS.md; with --quick: WORK/BENCHMARKS-quick.md)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 1000 posts, 1 run")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("/tmp/feedkit-bench"),
        help="where generated sites and outputs live (default /tmp/feedkit-bench)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo even if installed")
    args = parser.parse_args(argv)
    if args.quick:
        sizes, runs = [1000], 1
        out = args.out or args.work / "BENCHMARKS-quick.md"  # a smoke test: keep it out of the repo
    else:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        runs = args.runs
        out = args.out or REPO / "BENCHMARKS.md"
    if not FEEDKIT.exists():
        parser.error(f"{FEEDKIT} not found: run this with the python of feedkit's venv")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    hugo = None if args.no_hugo else shutil.which("hugo")
    facts = {
        "seed": str(args.seed),
        "commit": git_commit(),
        "hugo": "not installed",
        "src": src_state()[:12],
        "load_start": load_average(),
        "hugo_dates": "",
    }
    convert_dates = False
    if hugo:
        facts["hugo"] = hugo_version(hugo)
        convert_dates = not hugo_reads_jekyll_dates(hugo, work)
        facts["hugo_dates"] = (
            "This Hugo does not read `2022-02-18 14:41:30 +0800` with its offset, so the Hugo "
            "copy has RFC 3339 dates (`2022-02-18T14:41:30+08:00`)."
            if convert_dates
            else "Hugo reads the posts' `2022-02-18 14:41:30 +0800` dates as they are (probed "
            "with a -0500 offset); only space-separated `categories` strings become YAML lists, "
            "since Hugo would take `a b` as one term."
        )
    elif not args.no_hugo:
        facts["hugo"] = "not installed (apt-get install hugo); Hugo rows skipped"
    print(f"feedkit {facts['commit']} | {facts['hugo']} | python {platform.python_version()}")

    compile_feedkit()

    results: list[Result] = []
    sites: list[str] = []
    for n in sizes:
        print(f"N = {n:,}", flush=True)
        site = ensure_site(work, n, args.seed)
        sites.append(f"{n:,}: {site_facts(site)}")
        results.append(timed("floor", bench_floor, work, n, site, runs))
        results.append(timed("feedkit cold", bench_feedkit_cold, work, n, site, runs))
        results.append(timed("feedkit warm", bench_feedkit_warm, work, n, site, runs))
        results.append(timed("feedkit checkout", bench_feedkit_checkout, work, n, site, runs))
        results.append(
            timed(f"feedkit +{ADDED}", bench_feedkit_added, work, n, site, runs, args.seed)
        )
        if hugo:
            hugo_dir = ensure_hugo_site(work, n, site, convert_dates)
            results.append(timed("hugo cold", bench_hugo, work, n, hugo, hugo_dir, runs))
            results.append(timed(HUGO_ALL, bench_hugo, work, n, hugo, hugo_dir, runs, True))
    facts["sites"] = "; ".join(sites)
    if git_commit() != facts["commit"]:
        facts["commit"] += f" at start, {git_commit()} at the end"
    if src_state()[:12] != facts["src"]:
        facts["src"] += f" at start, {src_state()[:12]} at the end"

    text = report(results, facts, [f"benchmarks/{Path(sys.argv[0]).name}", *(argv or sys.argv[1:])])
    print()
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
