"""What asking GitHub costs a run before it pushes (contribution/push_access.py), on the sandbox.

1. `git push --dry-run` of a new claim ref (workspace/push_probe), accepted and refused, against the plain
   `git ls-remote` a resumed run makes anyway: the probe is one more round trip of the same size.
2. The "may this token open pull requests?" probe (`pulls.probe_create`), against an ordinary REST read.
Medians of N runs each. Target: an accepted dry run within 3x an ls-remote; the PR probe within 3x a REST read.
A refused dry run is retried by gitops as a network failure (3 attempts, 1 s and 2 s apart): its time is printed,
not held to a target.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from symphony_bot.github import pulls, write_retry
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox
from symphony_bot.workspace.gitops import Remote, WorkTree
from symphony_bot.workspace.push_probe import probe_push

N = 15
JOB = {"contents": "write", "issues": "write", "pull-requests": "write"}


def median_ms(action: Callable[[], object], runs: int = N) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    with Sandbox() as sb, tempfile.TemporaryDirectory() as scratch:
        sb.add_user("owner", token="owner-token")
        sb.add_user("reader", token="reader-token")
        sb.create_repo("owner", "r", files={"README.md": "x\n"})
        sb.set_permission("owner", "r", "reader", "read")
        sb.set_actions_can_create_pulls("owner", "r")
        url = sb.git_url("owner", "r")
        tree = WorkTree.clone(Remote(url, "owner-token"), "main", Path(scratch) / "w", Path(scratch) / "p")
        writer, reader = Remote(url, "owner-token"), Remote(url, "reader-token")
        ls_remote = median_ms(lambda: tree.run("ls-remote", "--heads", url, network=writer))
        accepted = median_ms(lambda: probe_push(tree, writer, "symphony/1-probe"))
        refused = median_ms(lambda: probe_push(tree, reader, "symphony/1-probe"), runs=3)
        token = sb.add_actions_token("owner", "r", permissions=JOB)
        with GitHubClient(sb.api_url, sb.graphql_url, token, pacer=Pacer(Limits.unlimited())) as client:
            read = median_ms(lambda: write_retry.request(client, "GET", "/repos/owner/r"))
            probe = median_ms(lambda: pulls.probe_create(client, "owner/r", "main"))
    print(f"git ls-remote                 {ls_remote:8.1f} ms")
    print(f"dry-run push, accepted        {accepted:8.1f} ms  ({accepted / ls_remote:.2f}x ls-remote; target <= 3x)")
    print(f"dry-run push, refused         {refused:8.1f} ms  (gitops retries it as an outage)")
    print(f"GET /repos (REST read)        {read:8.1f} ms")
    print(f"PR probe (POST /pulls, 422)   {probe:8.1f} ms  ({probe / read:.2f}x a REST read; target <= 3x)")


if __name__ == "__main__":
    main()
