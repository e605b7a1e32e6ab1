"""Sandbox start-up time, sequential REST throughput, and the server's cost per issue of a linked-PR scan.

Targets: start-up <= 0.5 s, >= 300 REST requests/s, and a flat server cost per issue for GraphQL
`closedByPullRequestsReferences` from 50 x 10 to 200 x 50 repositories x issues (ratio <= 1.5; before the
closing-link index it grew with the size of the whole sandbox, ~36x between the two).

    .venv/bin/python bench/sandbox.py
"""

from __future__ import annotations

import time
from typing import Any

import requests

START_TARGET_SECONDS = 0.5
THROUGHPUT_TARGET = 300.0
REQUESTS = 2000
SCALES = ((50, 10), (200, 50))
CLAIMED_PER_REPOSITORY = 2
REPOSITORIES_PER_QUERY = 10
FLAT_RATIO_TARGET = 1.5
LINKS_FIELD = "closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {{ nodes {{ number }} }}"
SCAN_QUERY = """
  r{{index}}: repository(owner: "bench", name: "{{name}}") {{{{
    issues(first: 100, states: [OPEN, CLOSED]) {{{{ nodes {{{{ number {links} }}}} }}}}
  }}}}"""


def _scan_seconds(sb: Any, session: requests.Session, names: list[str], links: str) -> tuple[float, int]:
    template = SCAN_QUERY.format(links=links)
    sb.requests.reset()
    found = 0
    for start in range(0, len(names), REPOSITORIES_PER_QUERY):
        batch = names[start : start + REPOSITORIES_PER_QUERY]
        query = "query Scan {" + "".join(template.format(index=i, name=n) for i, n in enumerate(batch)) + "}"
        response = session.post(sb.graphql_url, json={"query": query})
        response.raise_for_status()
        for alias in response.json()["data"].values():
            for node in alias["issues"]["nodes"]:
                found += len(node.get("closedByPullRequestsReferences", {"nodes": []})["nodes"])
    return sum(entry.duration for entry in sb.requests), found


def linked_scan_cost(repositories: int, issues: int) -> tuple[float, int]:
    """Server seconds per issue that asking for its closing PRs adds (the scan with the field minus without it,
    best of three), and the links found."""
    from symphony_bot.sandbox import Sandbox

    with Sandbox() as sb:
        sb.add_user("bench", token="bench-token")
        sb.set_rate_limit("bench", 1_000_000, "graphql")
        sb.set_secondary_limits(graphql_points_per_minute=1_000_000)  # the server's cost, not GitHub's budget
        names = [f"project-{index:03d}" for index in range(repositories)]
        for name in names:
            sb.create_repo("bench", name, files={"README.md": "hello\n"})
            for number in range(1, issues + 1):
                sb.create_issue("bench", name, f"issue {number}")
            for number in range(1, CLAIMED_PER_REPOSITORY + 1):
                sb.push_branch("bench", name, f"symphony/{number}", {f"work-{number}.txt": "work\n"})
                sb.open_pull("bench", name, f"symphony/{number}", body=f"Closes #{number}", draft=True)
        session = requests.Session()
        session.headers["Authorization"] = "bearer bench-token"
        with_links = min(_scan_seconds(sb, session, names, LINKS_FIELD) for _ in range(3))
        without = min(_scan_seconds(sb, session, names, "")[0] for _ in range(3))
    return max(with_links[0] - without, 0.0) / (repositories * issues), with_links[1]


def main() -> None:
    started = time.perf_counter()
    from symphony_bot.sandbox import Sandbox

    sb = Sandbox().start()
    startup = time.perf_counter() - started
    try:
        sb.add_user("bench", token="bench-token")
        sb.set_rate_limit("bench", 100_000)
        # The throughput figure measures the server, not GitHub's budget: 2,000 GETs in seconds would pass the
        # 900 REST points a minute that the secondary limits (on by default) allow one user.
        sb.set_secondary_limits(rest_points_per_minute=1_000_000)
        sb.create_repo("bench", "project", files={"README.md": "hello\n"})
        for number in range(20):
            sb.create_issue("bench", "project", f"issue {number}", labels=["runmaestro.ai"])
        session = requests.Session()
        session.headers["Authorization"] = "token bench-token"
        paths = [
            "/repos/bench/project",
            "/repos/bench/project/issues/1",
            "/repos/bench/project/issues?labels=runmaestro.ai&per_page=10",
            "/repos/bench/project/issues/1/comments",
        ]
        session.get(sb.api_url + paths[0]).raise_for_status()
        began = time.perf_counter()
        for index in range(REQUESTS):
            session.get(sb.api_url + paths[index % len(paths)]).raise_for_status()
        elapsed = time.perf_counter() - began
        ready = time.perf_counter()
        sb.server.graphql_ready.wait(600)
        warmed = time.perf_counter() - ready
        viewer = {"query": "query { viewer { login } }"}
        graphql = requests.Session()
        graphql.headers["Authorization"] = "bearer bench-token"
        began = time.perf_counter()
        graphql.post(sb.graphql_url, json=viewer).raise_for_status()
        first_graphql = time.perf_counter() - began
        began = time.perf_counter()
        graphql.post(sb.graphql_url, json=viewer).raise_for_status()
        second_graphql = time.perf_counter() - began
    finally:
        sb.close()
    print(
        f"first GraphQL request after start (schema built beside the start, {warmed * 1000:.0f} ms still to wait "
        f"after the REST run): {first_graphql * 1000:.1f} ms; second {second_graphql * 1000:.1f} ms "
        f"(ratio {first_graphql / second_graphql:.2f})"
    )
    rate = REQUESTS / elapsed
    print(
        f"start-up: {startup * 1000:.0f} ms (target <= {START_TARGET_SECONDS * 1000:.0f} ms, "
        f"ratio {startup / START_TARGET_SECONDS:.2f})"
    )
    print(
        f"sequential REST GETs (keep-alive, 4 routes): {REQUESTS} in {elapsed:.2f} s = {rate:.0f} requests/s "
        f"(target >= {THROUGHPUT_TARGET:.0f}, ratio {rate / THROUGHPUT_TARGET:.2f})"
    )
    costs = []
    for repositories, issues in SCALES:
        per_issue, found = linked_scan_cost(repositories, issues)
        costs.append(per_issue)
        print(
            f"closedByPullRequestsReferences, {repositories} x {issues} repositories x issues: "
            f"{per_issue * 1e6:.0f} us of server time per issue for the field ({found} links found)"
        )
    growth = costs[-1] / costs[0]
    print(f"server cost per issue, largest / smallest: {growth:.2f} (target <= {FLAT_RATIO_TARGET}, flat)")


if __name__ == "__main__":
    main()
