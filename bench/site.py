"""Site and stats benchmark.

1. Build time: the whole site for 1,000 projects x 10 issues (a mix of statuses, 3 documents each, with task
   previews) and 2,000 contribution rows, from data already fetched (the build itself, not GitHub). Target <= 2 s.
2. Weight: the Projects page for 100 projects, everything a browser downloads for it (HTML + CSS + JS; there
   is nothing else). Target <= 300 KB.
3. Requests: `stats` (the contributions fetch) for 100 repositories with 3 contribution PRs each, counted at
   the sandbox GitHub. Target <= 5 requests.
4. End to end: the whole `symphony-bot site` process against a sandbox world of E2E_PROJECTS projects x 10
   issues (a claimed, a blocked and a missing-document issue in each; GitHub's secondary limits on, as the
   sandbox has them by default): wall time and requests, with where the sandbox spent its time. Targets (issue
   21): <= 10 s and <= 40 requests. `bench/site.py e2e N` runs this part alone for N projects.

    .venv/bin/python bench/site.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from symphony_bot.github.client import GitHubClient
from symphony_bot.github.contributions import fetch_contributions
from symphony_bot.github.document_previews import DocumentPreview
from symphony_bot.github.issue_queries import ScannedIssue, issue_from_node
from symphony_bot.github.scan import RepositoryResult
from symphony_bot.sandbox import Sandbox
from symphony_bot.site.build import build_site
from symphony_bot.site.html import SCRIPT_FILE, STYLESHEET_FILE
from symphony_bot.site.model import projects_from
from symphony_bot.stats.history import HistoryRow, PullState
from symphony_bot.stats.maths import report
from symphony_bot.stats.pr_metadata import ContributionMetadata, render_block

BUILD_PROJECTS = 1000
ISSUES_PER_PROJECT = 10
ROWS = 2000
WEIGHT_PROJECTS = 100
STATS_REPOSITORIES = 100
PULLS_PER_REPOSITORY = 3
BUILD_TARGET_SECONDS = 2.0
WEIGHT_TARGET_BYTES = 300 * 1000
REQUEST_TARGET = 5
E2E_PROJECTS = 1000
E2E_WALL_TARGET_S = 10.0
E2E_REQUEST_TARGET = 40
BIN = Path(sys.executable).parent / "symphony-bot"
CATEGORIES = ("ai-ml", "developer-tools", "web", "data", "security", "unknown-thing")


def entries(count: int) -> list[dict[str, Any]]:
    return [
        {
            "slug": f"owner-{index}/project-{index}",
            "name": f"Project {index}",
            "description": "A project that wants help with its tests, docs and refactoring. " * 2,
            "url": f"https://github.com/owner-{index}/project-{index}",
            "category": CATEGORIES[index % len(CATEGORIES)],
            "tags": ["python", "testing", f"tag-{index % 17}"],
            "maintainer": {"name": f"Maintainer {index}", "url": f"https://github.com/owner-{index}"},
            "isActive": True,
            "featured": index % 25 == 0,
            "addedAt": "2025-06-01",
        }
        for index in range(count)
    ]


def issue(repo: str, number: int) -> ScannedIssue:
    kind = number % 5
    linked = []
    if kind in (1, 3):
        linked.append(
            {
                "number": 1000 + number,
                "url": f"https://github.com/{repo}/pull/{1000 + number}",
                "state": "MERGED" if kind == 3 else "OPEN",
                "merged": kind == 3,
                "isDraft": kind == 1,
                "author": {"login": "donor"},
                "headRefName": f"symphony/{number}",
                "repository": {"nameWithOwner": repo},
                "headRepository": {"nameWithOwner": repo},
            }
        )
    node = {
        "number": number,
        "title": f"Improve module {number}",
        "body": "- docs/symphony/a.md\n- docs/symphony/b.md\n- docs/symphony/c.md\n",
        "url": f"https://github.com/{repo}/issues/{number}",
        "state": "CLOSED" if kind == 3 else "OPEN",
        "labels": {"nodes": [{"name": "runmaestro.ai", "color": "ededed"}]}
        | ({"nodes": [{"name": "runmaestro.ai"}, {"name": "blocking"}]} if kind == 2 else {}),
        "closedByPullRequestsReferences": {"nodes": linked},
    }
    return issue_from_node(repo, node)


def rows(count: int, slugs: list[str]) -> list[HistoryRow]:
    today = dt.datetime.now(dt.UTC)
    result = []
    for index in range(count):
        day = (today - dt.timedelta(days=index % 200)).strftime("%Y-%m-%dT%H:%M:%SZ")
        result.append(
            HistoryRow(
                repository=slugs[index % len(slugs)],
                issue=index % ISSUES_PER_PROJECT + 1,
                pr_number=1000 + index,
                pr_url=f"https://github.com/{slugs[index % len(slugs)]}/pull/{1000 + index}",
                pr_state=(PullState.MERGED, PullState.OPEN, PullState.CLOSED, PullState.DRAFT)[index % 4],
                contributor=f"donor-{index % 50}",
                maintainer=f"Maintainer {index % len(slugs)}",
                agent="claude",
                run_state="running" if index % 4 == 3 else "completed",
                started_at=day,
                completed_at=None if index % 4 == 3 else day,
                documents=("docs/symphony/a.md", "docs/symphony/b.md"),
                tasks_done=3,
                tasks_total=4,
                tokens=15000,
                cost_usd=0.3,
            )
        )
    return result


def scanned(projects: list[dict[str, Any]]) -> dict[str, RepositoryResult]:
    return {
        entry["slug"].casefold(): RepositoryResult(
            slug=entry["slug"], issues=[issue(entry["slug"], n + 1) for n in range(ISSUES_PER_PROJECT)]
        )
        for entry in projects
    }


def previews(projects: list[dict[str, Any]]) -> dict[tuple[str, str], DocumentPreview]:
    tasks = tuple(f"Write the tests for module {n}" for n in range(5))
    return {
        (entry["slug"].casefold(), f"docs/symphony/{name}.md"): DocumentPreview(12, 7, tasks)
        for entry in projects
        for name in "abc"
    }


def bench_build() -> float:
    registry = entries(BUILD_PROJECTS)
    fetched = scanned(registry)  # what the scan returned; not part of the build
    documents = previews(registry)
    history = rows(ROWS, [entry["slug"] for entry in registry])
    timings, cpu = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as directory:
            started, started_cpu = time.perf_counter(), time.process_time()
            projects = projects_from(registry, fetched)
            stats = report(history, None, dt.date.today())
            built = build_site(Path(directory), projects, stats, "now", documents)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    print(
        f"build: {BUILD_PROJECTS:,} projects x {ISSUES_PER_PROJECT} issues, {ROWS:,} contributions: "
        f"{built.pages:,} pages, {built.bytes / 1e6:.1f} MB, median {statistics.median(timings):.2f} s wall "
        f"(runs: {', '.join(f'{t:.2f}' for t in timings)}), {statistics.median(cpu):.2f} s CPU; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return statistics.median(timings)


def bench_weight() -> int:
    registry = entries(WEIGHT_PROJECTS)
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory)
        history = rows(200, [entry["slug"] for entry in registry])
        build_site(out, projects_from(registry, scanned(registry)), report(history, None, dt.date.today()), "now")
        parts = {
            "index.html": (out / "index.html").stat().st_size,
            STYLESHEET_FILE: (out / "assets" / STYLESHEET_FILE).stat().st_size,
            SCRIPT_FILE: (out / "assets" / SCRIPT_FILE).stat().st_size,
        }
    total = sum(parts.values())
    detail = ", ".join(f"{name} {size / 1000:.1f} KB" for name, size in parts.items())
    print(f"weight: Projects page for {WEIGHT_PROJECTS} projects: {total / 1000:.1f} KB in total ({detail})")
    return total


def bench_requests() -> int:
    with Sandbox() as sb:
        sb.add_user("donor", token="t-donor")
        print(f"seeding {STATS_REPOSITORIES} repositories x {PULLS_PER_REPOSITORY} contribution PRs ...", flush=True)
        slugs = []
        for index in range(STATS_REPOSITORIES):
            name = f"repo-{index:03d}"
            sb.create_repo("donor", name, files={"README.md": "hi\n"})
            slugs.append(f"donor/{name}")
            for number in range(1, PULLS_PER_REPOSITORY + 1):
                branch = f"symphony/{number}"
                sb.push_branch("donor", name, branch, {"f.txt": str(number)})
                metadata = ContributionMetadata(
                    repository=f"donor/{name}",
                    issue=number,
                    contributor="donor",
                    agent="claude",
                    state="completed",
                    started_at="2026-11-02T10:00:00Z",
                    completed_at="2026-11-02T11:00:00Z",
                )
                sb.open_pull("donor", name, branch, title=branch, body=render_block(metadata), author="donor")
        sb.requests.reset()
        client = GitHubClient(sb.api_url, sb.graphql_url, "t-donor")
        started = time.perf_counter()
        result = fetch_contributions(client, slugs)
        elapsed = time.perf_counter() - started
        requests = len(sb.requests)
    print(
        f"stats: {STATS_REPOSITORIES} repositories, {len(result.pulls)} contributions read in {requests} HTTP "
        f"requests ({elapsed:.2f} s)"
    )
    return requests


def seed_projects(sb: Sandbox, count: int) -> list[dict[str, Any]]:
    """`count` repositories of one maintainer, 10 labelled issues each; their registry entries."""
    sb.add_user("maint", token="t-maint")
    sb.add_user("donor", token="t-donor")
    documents = {f"docs/symphony/{name}.md": "- [ ] one\n- [ ] two\n- [x] three\n" for name in "abc"}
    registry = []
    for index, entry in enumerate(entries(count)):
        name = f"project-{index:04d}"
        sb.create_repo("maint", name, files=documents)
        for number in range(1, ISSUES_PER_PROJECT + 1):
            body = "- docs/symphony/a.md\n- docs/symphony/b.md\n" if number != 4 else "- docs/symphony/gone.md\n"
            labels = ["runmaestro.ai", "blocking"] if number == 3 else ["runmaestro.ai"]
            sb.create_issue("maint", name, f"Improve module {number}", body, labels=labels)
        sb.push_branch("maint", name, "symphony/1", {"w.txt": "w"})
        sb.open_pull("maint", name, "symphony/1", title="wip", body="Closes #1", draft=True, author="donor")
        registry.append(entry | {"slug": f"maint/{name}", "url": f"https://github.com/maint/{name}"})
    return registry


def bench_end_to_end(count: int) -> tuple[float, int]:
    with Sandbox() as sb, tempfile.TemporaryDirectory() as directory:
        print(f"seeding {count:,} projects x {ISSUES_PER_PROJECT} issues ...", flush=True)
        started = time.perf_counter()
        registry = Path(directory) / "registry.json"
        registry.write_text(json.dumps({"repositories": seed_projects(sb, count)}))
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        sb.requests.reset()
        command = [str(BIN), "site", "--out", f"{directory}/site", "--registry", str(registry)]
        command += ["--github-url", sb.api_url, "--cache-dir", f"{directory}/cache"]
        environment = os.environ | {"GITHUB_TOKEN": "t-maint", "SYMPHONY_GITHUB_TOKEN": ""}
        started = time.perf_counter()
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        requests = len(sb.requests)
        by_operation: dict[str, list[float]] = {}
        for entry in sb.requests:
            by_operation.setdefault(str(entry.graphql_operation or entry.operation), []).append(entry.duration)
    print(f"site end to end: exit {finished.returncode}; {finished.stdout.strip()}")
    if finished.returncode:
        print(finished.stderr.strip()[-2000:])
    for operation, durations in by_operation.items():
        print(f"  {len(durations)} x {operation}: {sum(durations):.2f} s in the sandbox")
    print(f"site end to end: {count:,} projects, {elapsed:.2f} s wall, {requests} requests")
    return elapsed, requests


def main() -> None:
    if sys.argv[1:2] == ["e2e"]:
        bench_end_to_end(int(sys.argv[2]) if len(sys.argv) > 2 else E2E_PROJECTS)
        return
    build = bench_build()
    weight = bench_weight()
    requests = bench_requests()
    e2e_wall, e2e_requests = bench_end_to_end(E2E_PROJECTS)
    print()
    for label, value, target, unit in (
        ("build", build, BUILD_TARGET_SECONDS, "s"),
        ("Projects page weight", weight / 1000, WEIGHT_TARGET_BYTES / 1000, "KB"),
        ("stats requests", requests, REQUEST_TARGET, ""),
        ("site end to end", e2e_wall, E2E_WALL_TARGET_S, "s"),
        ("site requests", e2e_requests, E2E_REQUEST_TARGET, ""),
    ):
        verdict = "met" if value <= target else "NOT MET"
        print(f"{label:24} {value:10.2f} {unit:3} target <= {target:g} {unit}: {verdict} ({value / target:.0%} of it)")


if __name__ == "__main__":
    main()
