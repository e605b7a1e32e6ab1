"""What one task's commit costs: git processes and wall time of `WorkTree.commit_all` (add, the workflow guard,
the push caps, commit) on a small change, and the cap check alone on a task of 10,000 small files.

Printed, not asserted: medians over RUNS commits. Target: the caps and the guard add at most 5 git processes
and stay under half of a commit's time on a small change."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symphony_bot.workspace.gitops import Identity, Remote, WorkTree  # noqa: E402
from symphony_bot.workspace.pushed_content import judge_push  # noqa: E402

RUNS = 15
ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}


def _tree(folder: Path) -> WorkTree:
    work = folder / "work"
    work.mkdir()
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "one"]):
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@e", *args], cwd=work, env=ENV, check=True)
    home = folder / "home"
    home.mkdir()
    return WorkTree(work, work / ".git", home, Remote("https://example.invalid/o/r.git"))


def main() -> None:
    me = Identity("bench", "bench@example.com")
    with tempfile.TemporaryDirectory() as scratch:
        tree = _tree(Path(scratch))
        processes, commit_times, check_times = [], [], []
        for index in range(RUNS):
            (tree.path / f"file-{index}.txt").write_text(f"{index}\n" * 100)
            since = tree.head()
            before = tree.commands
            started = time.perf_counter()
            tree.commit_all(f"task {index}", me, since=since)
            commit_times.append(time.perf_counter() - started)
            processes.append(tree.commands - before)
            started = time.perf_counter()
            judge_push(tree.run, "HEAD~1", tree.caps)
            check_times.append(time.perf_counter() - started)
        commit, check = statistics.median(commit_times), statistics.median(check_times)
        print(f"commit_all on a small change: {statistics.median(processes):.0f} git processes, {commit * 1000:.0f} ms")
        print(f"of which the cap check: {check * 1000:.0f} ms ({check / commit:.2f} of the commit)")
        many = tree.path / "many"
        many.mkdir()
        for index in range(10_000):
            (many / f"{index}.txt").write_text(str(index))
        tree.run("add", "--all", "--", ".")
        started = time.perf_counter()
        verdict = judge_push(tree.run, "HEAD", tree.caps)
        print(f"cap check on 10,000 new files: {(time.perf_counter() - started) * 1000:.0f} ms, refused: "
              f"{verdict.refusal is not None}")  # fmt: skip


if __name__ == "__main__":
    main()
