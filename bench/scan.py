"""Scan benchmark: our aliased GraphQL scan against Maestro's request pattern, on the same sandbox GitHub.

Seeds 50 repositories x 10 labelled issues; a fifth of the issues are claimed by draft PRs (`Closes #N`), and
one issue per repository is only mentioned by another open PR ("related to #N", which GitHub does not link).
Then runs
- ours: `symphony_bot.github.scan.scan` (open and closed issues, linked PRs, statuses);
- the baseline: Maestro's requests per repository (maestro-internals §6.2, §6.4): the issues page
  (`labels=runmaestro.ai&state=open`, no per_page), the open PRs page (`per_page=100`) and the repository (for
  stars); an issue is "in progress" when `#N\\b` appears in an open PR's title or body (first match breaks).
It prints requests, GraphQL points, wall time and misclassified issues for both, then the time to parse 1 MiB
hostile issue bodies. Targets: ours <= 3 HTTP requests and zero misclassified; parsing <= 50 ms.

    .venv/bin/python bench/scan.py
"""

from __future__ import annotations

import math
import re
import statistics
import time

import requests

from symphony_bot.github.client import GitHubClient
from symphony_bot.github.issue_queries import BATCH_SIZE
from symphony_bot.github.scan import scan
from symphony_bot.issues.body import MAX_BODY_CHARS, parse_body
from symphony_bot.sandbox import Sandbox

REPOSITORIES = 50
ISSUES_PER_REPOSITORY = 10
CLAIMED_PER_REPOSITORY = ISSUES_PER_REPOSITORY // 5
LABEL = "runmaestro.ai"
OWNER = "maintainer"
TOKEN = "t-reader"


def seed(sb: Sandbox) -> dict[tuple[str, int], str]:
    """Build the world; return the true status of every issue."""
    sb.add_user(OWNER, token="t-maintainer")
    sb.add_user("donor", token="t-donor")
    sb.add_user("reader", token=TOKEN)
    truth: dict[tuple[str, int], str] = {}
    for index in range(REPOSITORIES):
        name = f"project-{index:02d}"
        slug = f"{OWNER}/{name}"
        sb.create_repo(OWNER, name, files={"docs/task.md": "- [ ] one\n- [ ] two\n"})
        numbers = [
            sb.create_issue(OWNER, name, f"Task {n}", "- docs/task.md", labels=[LABEL]).number
            for n in range(ISSUES_PER_REPOSITORY)
        ]
        for number in numbers:
            truth[(slug, number)] = "available"
        for number in numbers[:CLAIMED_PER_REPOSITORY]:
            branch = f"symphony/issue-{number}"
            sb.push_branch(OWNER, name, branch, {f"{branch}.txt": "work"})
            sb.open_pull(
                OWNER, name, branch, title=f"[WIP] Symphony: Task (#{number})", body=f"Closes #{number}", draft=True
            )
            truth[(slug, number)] = "in_progress"
        mentioned = numbers[-1]
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
    return statuses, len(sb.requests), result.points, elapsed


def run_baseline(sb: Sandbox, slugs: list[str]) -> tuple[dict[tuple[str, int], str], int, int, float]:
    sb.requests.reset()
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
        issues = session.get(f"{sb.api_url}/repos/{slug}/issues", params={"labels": LABEL, "state": "open"}).json()
        pulls = session.get(f"{sb.api_url}/repos/{slug}/pulls", params={"state": "open", "per_page": 100}).json()
        session.get(f"{sb.api_url}/repos/{slug}")  # stars
        numbers = [issue["number"] for issue in issues]  # PRs are not filtered out, as in Maestro
        for number in numbers:
            statuses[(slug, number)] = "available"
        for pull in pulls:
            text = f"{pull.get('title') or ''} {pull.get('body') or ''}"
            for number in numbers:
                if re.search(rf"#{number}\b", text):
                    statuses[(slug, number)] = "in_progress"
                    break
    elapsed = time.perf_counter() - started
    return statuses, len(sb.requests), 0, elapsed


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
    with Sandbox() as sb:
        print(f"seeding {REPOSITORIES} repositories x {ISSUES_PER_REPOSITORY} issues ...", flush=True)
        truth = seed(sb)
        slugs = [f"{OWNER}/project-{index:02d}" for index in range(REPOSITORIES)]
        ours, our_requests, our_points, our_time = run_ours(sb, slugs)
        base, base_requests, _, base_time = run_baseline(sb, slugs)
    our_wrong, base_wrong = misclassified(ours, truth), misclassified(base, truth)
    print(f"{'':24}{'ours':>12}{'maestro':>12}")
    print(f"{'HTTP requests':24}{our_requests:>12}{base_requests:>12}")
    print(f"{'GraphQL points':24}{our_points:>12}{'-':>12}")
    print(f"{'wall time (s)':24}{our_time:>12.3f}{base_time:>12.3f}")
    print(f"{'misclassified issues':24}{our_wrong:>12}{base_wrong:>12}")
    print(f"requests ratio maestro/ours: {base_requests / max(our_requests, 1):.0f}x")
    expected = math.ceil(REPOSITORIES / BATCH_SIZE)
    print(
        f"target: ours <= 3 requests ({our_requests}, expected {expected}) and 0 misclassified ({our_wrong}): "
        + ("met" if our_requests <= 3 and our_wrong == 0 else "NOT MET")
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
