"""Scan benchmark: our aliased GraphQL scan against Maestro's request pattern, on the same sandbox GitHub.

Seeds REPOSITORIES x ISSUES_PER_REPOSITORY labelled issues, each listing its own Auto Run document; one issue in
MISSING_EVERY lists a document nobody committed (so it is `invalid`), a fifth are claimed by draft PRs
(`Closes #N`), and one issue per repository is only mentioned by another open PR ("related to #N", which GitHub
does not link). Then runs, in the same process:
- ours: `symphony_bot.github.scan.scan` (open and closed issues, linked PRs, and whether each available issue's
  documents exist, read in the scan's own requests), with the client's default pacing;
- the baseline: Maestro's requests (maestro-internals §6.2, §6.4): per repository the issues page
  (`labels=runmaestro.ai&state=open`, no per_page: 30 issues), the open PRs page (`per_page=100`) and the
  repository (for stars), then one contents request per document of each issue it read; an issue is "in
  progress" when `#N\\b` appears in an open PR's title or body (first match breaks).
It prints requests, GraphQL points, wall time and misclassified issues for both, and their ratios; then the time
to parse 1 MiB hostile issue bodies. Targets (issue 21): ours <= 2 s wall and <= 10 requests, zero
misclassified; parsing <= 50 ms.

    .venv/bin/python bench/scan.py [REPOSITORIES]     # default 200
"""

from __future__ import annotations

import math
import re
import statistics
import sys
import time

import requests

from symphony_bot.github.client import GitHubClient
from symphony_bot.github.scan import SCAN_BATCH_SIZE, scan
from symphony_bot.issues.body import MAX_BODY_CHARS, parse_body
from symphony_bot.sandbox import Sandbox

REPOSITORIES = 200
ISSUES_PER_REPOSITORY = 50
CLAIMED_PER_REPOSITORY = ISSUES_PER_REPOSITORY // 5
MISSING_EVERY = 10  # every tenth issue lists a document that is not on the default branch
MAESTRO_ISSUES_PAGE = 30  # GitHub's default per_page, which Maestro does not set
LABEL = "runmaestro.ai"
OWNER = "maintainer"
TOKEN = "t-reader"
WALL_TARGET_S = 2.0
GITHUB_REST_PER_HOUR = 5000  # docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
REQUEST_TARGET = 10


def seed(sb: Sandbox) -> dict[tuple[str, int], str]:
    """Build the world; return the true status of every issue."""
    sb.add_user(OWNER, token="t-maintainer")
    sb.add_user("donor", token="t-donor")
    sb.add_user("reader", token=TOKEN)
    truth: dict[tuple[str, int], str] = {}
    for index in range(REPOSITORIES):
        name = f"project-{index:03d}"
        slug = f"{OWNER}/{name}"
        files = {f"docs/task-{n}.md": f"- [ ] one\n- [ ] two {n}\n" for n in range(ISSUES_PER_REPOSITORY)}
        sb.create_repo(OWNER, name, files=files)
        numbers = []
        for n in range(ISSUES_PER_REPOSITORY):
            missing = n % MISSING_EVERY == MISSING_EVERY - 1
            document = f"docs/missing-{n}.md" if missing else f"docs/task-{n}.md"
            number = sb.create_issue(OWNER, name, f"Task {n}", f"- {document}", labels=[LABEL]).number
            numbers.append(number)
            truth[(slug, number)] = "invalid" if missing else "available"
        for number in numbers[:CLAIMED_PER_REPOSITORY]:
            branch = f"symphony/issue-{number}"
            sb.push_branch(OWNER, name, branch, {f"{branch}.txt": "work"})
            sb.open_pull(
                OWNER, name, branch, title=f"[WIP] Symphony: Task (#{number})", body=f"Closes #{number}", draft=True
            )
            truth[(slug, number)] = "in_progress"
        mentioned = numbers[-2]
        sb.push_branch(OWNER, name, "refactor", {"refactor.txt": "x"})
        sb.open_pull(OWNER, name, "refactor", title="Refactor the parser", body=f"Related to #{mentioned}.")
    return truth


def run_ours(sb: Sandbox, slugs: list[str]) -> tuple[dict[tuple[str, int], str], int, int, float]:
    sb.requests.reset()
    client = GitHubClient(sb.api_url, sb.graphql_url, TOKEN)
    started = time.perf_counter()
    result = scan(client, slugs)
    elapsed = time.perf_counter() - started
    statuses = {(issue.repo, issue.number): str(issue.status) for issue in result.issues}
    by_operation: dict[str, list[float]] = {}
    for entry in sb.requests:
        by_operation.setdefault(str(entry.graphql_operation or entry.operation), []).append(entry.duration)
    for operation, durations in by_operation.items():  # where the wall time goes: the sandbox's answer times
        print(f"  ours: {len(durations)} x {operation}: {sum(durations):.2f} s in the sandbox")
    return statuses, len(sb.requests), result.points, elapsed


def run_baseline(sb: Sandbox, slugs: list[str]) -> tuple[dict[tuple[str, int], str], int, int, float]:
    sb.requests.reset()
    sb.set_rate_limit("reader", 1_000_000)  # let it finish; GitHub would stop it at 5,000 an hour (printed)
    session = requests.Session()
    session.headers.update(
        {
            "Accept": "application/vnd.github.v3+json",
            "User-Agent": "Maestro-Symphony",
            "Authorization": f"token {TOKEN}",
        }
    )
    statuses: dict[tuple[str, int], str] = {}
    started = time.perf_counter()
    for slug in slugs:
        issues = listed(session.get(f"{sb.api_url}/repos/{slug}/issues", params={"labels": LABEL, "state": "open"}))
        pulls = listed(session.get(f"{sb.api_url}/repos/{slug}/pulls", params={"state": "open", "per_page": 100}))
        session.get(f"{sb.api_url}/repos/{slug}")  # stars
        numbers = [issue["number"] for issue in issues]  # PRs are not filtered out, as in Maestro
        for issue in issues:
            statuses[(slug, issue["number"])] = "available"
            for document in re.findall(r"^- (\S+\.md)$", issue.get("body") or "", re.MULTILINE):
                found = session.get(f"{sb.api_url}/repos/{slug}/contents/{document}")  # one request per file
                if found.status_code in (403, 429):
                    REFUSED.append(found.status_code)
                if found.status_code == 404:
                    statuses[(slug, issue["number"])] = "invalid"
        for pull in pulls:
            text = f"{pull.get('title') or ''} {pull.get('body') or ''}"
            for number in numbers:
                if re.search(rf"#{number}\b", text):
                    statuses[(slug, number)] = "in_progress"
                    break
    elapsed = time.perf_counter() - started
    return statuses, len(sb.requests), 0, elapsed


def listed(response: requests.Response) -> list[dict[str, object]]:
    """A list answer, or nothing when GitHub refused (Maestro's pattern meets the 900-points-a-minute limit)."""
    if response.status_code in (403, 429):
        REFUSED.append(response.status_code)
    data = response.json()
    return data if isinstance(data, list) else []


REFUSED: list[int] = []


def misclassified(statuses: dict[tuple[str, int], str], truth: dict[tuple[str, int], str]) -> int:
    wrong = sum(1 for key, status in truth.items() if statuses.get(key) != status)
    extra = sum(1 for key in statuses if key not in truth)  # PRs listed as issues
    return wrong + extra


def hostile_bodies() -> dict[str, str]:
    attachment = "https://github.com/user-attachments/files/1/a.md"
    return {
        "newlines": "\n" * MAX_BODY_CHARS,
        "open brackets": "[" * MAX_BODY_CHARS,
        "long token": " " * 20 + "a" * (MAX_BODY_CHARS - 30) + ".md",
        "maestro slow case": ("a" * 10000 + ".md" * 100 + "\n") * 80,
        "references": "".join(f"- docs/file-{n}.md\n" for n in range(60000)),
        "unsafe references": "- ../x.md\n" * (MAX_BODY_CHARS // 10),
        "lines ending in .md": "x y.md\n" * (MAX_BODY_CHARS // 7),
        "fences then a ref": "```\n" * (MAX_BODY_CHARS // 4 - 10) + "- a.md\n",
        "links": f"[a.md]({attachment})" * (MAX_BODY_CHARS // (len(attachment) + 8)),
        "unclosed links": "[a.md](" * (MAX_BODY_CHARS // 7),
        "comments": "<!--" * (MAX_BODY_CHARS // 4),
    }


def main() -> None:
    global REPOSITORIES  # noqa: PLW0603 (a smaller world from the command line)
    REPOSITORIES = int(sys.argv[1]) if len(sys.argv) > 1 else REPOSITORIES
    with Sandbox() as sb:
        print(f"seeding {REPOSITORIES} repositories x {ISSUES_PER_REPOSITORY} issues ...", flush=True)
        seeding = time.perf_counter()
        truth = seed(sb)
        print(f"seeded in {time.perf_counter() - seeding:.0f} s", flush=True)
        slugs = [f"{OWNER}/project-{index:03d}" for index in range(REPOSITORIES)]
        ours, our_requests, our_points, our_time = run_ours(sb, slugs)
        print(f"ours: {our_requests} requests, {our_time:.2f} s wall, {misclassified(ours, truth)} misclassified")
        base, base_requests, _, base_time = run_baseline(sb, slugs)
    our_wrong, base_wrong = misclassified(ours, truth), misclassified(base, truth)
    print(f"{'':24}{'ours':>12}{'maestro':>12}")
    print(f"{'HTTP requests':24}{our_requests:>12}{base_requests:>12}")
    if base_requests > GITHUB_REST_PER_HOUR:
        print(f"  maestro's pattern is over GitHub's REST primary limit ({GITHUB_REST_PER_HOUR:,} an hour per user)")
    print(f"{'GraphQL points':24}{our_points:>12}{'-':>12}")
    print(f"{'wall time (s)':24}{our_time:>12.3f}{base_time:>12.3f}")
    print(f"{'issues read':24}{len(ours):>12}{len(base):>12}")
    print(f"{'misclassified issues':24}{our_wrong:>12}{base_wrong:>12}")
    print(f"{'refused (secondary limit)':24}{0:>12}{len(REFUSED):>12}")
    ratio = base_requests / max(our_requests, 1)
    print(f"ratios maestro/ours: requests {ratio:.0f}x, wall {base_time / our_time:.2f}x")
    expected = math.ceil(REPOSITORIES / SCAN_BATCH_SIZE) + 1
    print(
        f"target: ours <= {WALL_TARGET_S:g} s ({our_time:.2f}) and <= {REQUEST_TARGET} requests ({our_requests}, "
        f"expected {expected}) and 0 misclassified ({our_wrong}): "
        + ("met" if our_time <= WALL_TARGET_S and our_requests <= REQUEST_TARGET and our_wrong == 0 else "NOT MET")
    )

    print("\nparsing 1 MiB hostile issue bodies (median of 5 runs):")
    worst = 0.0
    for name, whole in hostile_bodies().items():
        body = whole[:MAX_BODY_CHARS]
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            parse_body(body)
            runs.append(time.perf_counter() - started)
        median = statistics.median(runs) * 1000
        worst = max(worst, median)
        print(f"  {name:24}{len(body):>9} chars {median:8.1f} ms")
    print(f"worst: {worst:.1f} ms (target <= 50 ms: {'met' if worst <= 50 else 'NOT MET'})")


if __name__ == "__main__":
    main()
