"""Two runs at once on one host (issue 17, "one identity per run"): two containers started as the runner starts
them, for two issues, sharing the host's `/tmp` (the uid locks and both run folders in one place, the closest two
runs can be). Each agent, once both are running (a scripted event: the test hands each the other's work tree
when both have said they are ready), tries to list `/tmp`, list, read and write the other's tree. Both runs
complete with their own pull request; the agents had different uids and reached nothing of each other's.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.action_helpers import BOT, LABEL, OWNER, REPO, TOKENS, World, labeled, make_world
from tests.image.containment_helpers import (
    CONTAINER_WORKSPACE,
    label_event_environment,
    podman_run,
    runner_mounts,
    write_event,
)
from tests.image.test_image import image  # noqa: F401 (the module's image fixture: built once, podman caches)

READY, GO, RESULTS = "ready.json", "go.json", "two-runs-results.json"
SHARED_TMP = "/tmp"
WATCH_INTERVAL_S = 0.2
# A safety net only (the agents wait for the test's event, which comes as soon as both are ready).
WAIT_FOR_OTHER_S = 900
PROBE = r"""
import errno, json, os, sys, time
def attempt(action):
    try:
        result = action()
        return "ok" if result is None else result
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
json.dump({"uid": os.getuid(), "tree": os.getcwd()}, open("ready.json", "w"))
deadline = time.monotonic() + float(sys.argv[1])
while not os.path.exists("go.json") and time.monotonic() < deadline:
    time.sleep(0.1)
other = json.load(open("go.json"))["other"]
results = {"uid": os.getuid(), "other": other}
results["list tmp"] = attempt(lambda: os.listdir("/tmp") and None)
results["list other"] = attempt(lambda: os.listdir(other) and None)
results["read other"] = attempt(lambda: open(os.path.join(other, "docs", "tasks.md")).read() and None)
results["write other"] = attempt(lambda: open(os.path.join(other, "planted.txt"), "w").write("x") and None)
for name in ("ready.json", "go.json"):
    os.unlink(name)
json.dump(results, open("two-runs-results.json", "w"), indent=1)
doc = os.environ["SYMPHONY_DOC"]
open(doc, "w").write(open(doc).read().replace("- [ ]", "- [x]"))
"""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def _hand_over_when_both_ready(shared: Path, done: threading.Event) -> dict[str, Path]:
    """Wait until both agents wrote READY in their trees, then give each the other's tree (GO)."""
    while not done.is_set():
        ready = sorted(shared.glob(f"symphony-run-*/work/{READY}"))
        if len(ready) == 2:
            trees = [json.loads(path.read_text())["tree"] for path in ready]
            for path, other in zip(ready, reversed(trees), strict=True):
                (path.parent / GO).write_text(json.dumps({"other": other}))
            return {tree: path.parent for tree, path in zip(trees, ready, strict=True)}
        done.wait(WATCH_INTERVAL_S)
    return {}


def test_two_runs_in_two_containers_at_once_get_their_own_uids_and_reach_nothing_of_each_other(
    world: World,
    image: str,  # noqa: F811 (the fixture)
) -> None:
    shared = world.root / "host-tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    numbers = [world.sb.create_issue(OWNER, REPO, f"Run {n}", "docs/tasks.md\n", labels=[LABEL]).number for n in "ab"]
    runs = []
    for number in numbers:
        root = world.root / f"run-{number}"
        workspace = root / "workspace"
        (workspace / ".github").mkdir(parents=True)
        (workspace / "probe.py").write_text(PROBE)
        command = f"python3 {CONTAINER_WORKSPACE}/probe.py {WAIT_FOR_OTHER_S}"
        config = f"auto-start: true\nagent: command\nagent-command: {command}\n"
        (workspace / ".github" / "symphony.yml").write_text(config)
        os.chmod(workspace, 0o755)
        mounts, workflow = runner_mounts(root, workspace)
        mounts += ["-v", f"{shared}:{SHARED_TMP}"]
        write_event(workflow, labeled(number, by=OWNER))
        environ = label_event_environment(world.sb.api_url, world.sb.graphql_url, TOKENS[BOT])
        runs.append((mounts, environ, workflow))
    finished: list[tuple] = [None, None]

    def start(index: int) -> None:
        mounts, environ, workflow = runs[index]
        finished[index] = podman_run(image, mounts, environ, workflow)

    done = threading.Event()
    started = time.monotonic()
    threads = [threading.Thread(target=start, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    handed: dict[str, Path] = {}
    watcher = threading.Thread(target=lambda: handed.update(_hand_over_when_both_ready(shared, done)))
    watcher.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    print(f"\ntwo hostile runs at once in two containers: {time.monotonic() - started:.1f} s")
    for result, outputs, _seconds in finished:
        log = (result.stdout + result.stderr)[-6000:]
        assert result.returncode == 0, log
        assert outputs["status"] == "completed", log
    assert len(handed) == 2, "the two agents were never running at the same time"
    pulls = world.sb.pulls(OWNER, REPO)
    assert len(pulls) == 2 and all(pull.pull is not None for pull in pulls)
    seen = []
    for pull in pulls:
        assert pull.pull is not None
        text = world.sb.file(OWNER, REPO, RESULTS, ref=pull.pull.head_ref)
        assert text is not None, f"{pull.pull.head_ref} holds no results"
        seen.append(json.loads(text))
    assert seen[0]["uid"] != seen[1]["uid"] and all(s["uid"] >= 2_000_000_000 for s in seen)
    for results in seen:
        assert {key: results[key] for key in ("list tmp", "list other", "read other", "write other")} == {
            "list tmp": "EACCES",
            "list other": "EACCES",
            "read other": "EACCES",
            "write other": "EACCES",
        }
