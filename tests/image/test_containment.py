"""Containment in the container as GitHub's runner starts it (issue 17): root, Docker's default capabilities
(no CAP_SYS_ADMIN, so no PID namespace), the default seccomp profile, the runner's mounts and a stand-in
`/var/run/docker.sock` owned root:<docker gid> 0660. A hostile `command` agent runs a real contribution there
(tests/image/containment_helpers.py): every attack fails and the run completes with its pull request.

podman stands in for docker: its default capability set lacks AUDIT_WRITE, MKNOD and NET_RAW, which are added
back; its default seccomp profile is derived from Docker's (containers/common).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.action_helpers import BOT, LABEL, OWNER, REPO, TOKENS, World, labeled, make_world
from tests.image.containment_helpers import (
    ATTACK,
    CONTAINER_DOCKER_SOCKET,
    CONTAINER_WORKSPACE,
    RESULTS,
    SOCKET_GROUP,
    label_event_environment,
    podman_run,
    runner_mounts,
    write_event,
)
from tests.image.test_image import image  # noqa: F401 (the module's image fixture: built once, podman caches)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_a_hostile_agent_in_the_runners_container_fails_every_attack_and_the_run_completes(
    world: World,
    image: str,  # noqa: F811 (the fixture)
) -> None:
    (world.workspace / ".github").mkdir()
    (world.workspace / "attack.py").write_text(ATTACK)
    (world.workspace / ".github" / "symphony.yml").write_text(
        f"auto-start: true\nagent: command\nagent-command: python3 {CONTAINER_WORKSPACE}/attack.py\n"
    )
    os.chmod(world.workspace, 0o755)
    sockets = world.root / "docker"
    sockets.mkdir()
    docker = socket.socket(socket.AF_UNIX)
    docker.bind(str(sockets / "docker.sock"))
    docker.listen()
    os.chown(sockets / "docker.sock", 0, SOCKET_GROUP)
    os.chmod(sockets / "docker.sock", 0o660)
    mounts, workflow = runner_mounts(world.root, world.workspace)
    mounts += ["-v", f"{sockets / 'docker.sock'}:{CONTAINER_DOCKER_SOCKET}"]
    number = world.sb.create_issue(OWNER, REPO, "Harden", "docs/tasks.md\n", labels=[LABEL]).number
    write_event(workflow, labeled(number, by=OWNER))
    environ = label_event_environment(world.sb.api_url, world.sb.graphql_url, TOKENS[BOT])
    result, outputs, seconds = podman_run(image, mounts, environ, workflow)
    print(f"\nhostile agent, label event -> PR in the runner's container: {seconds:.1f} s")
    log = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, log
    assert outputs["status"] == "completed", log
    assert "Weak agent containment" not in log  # nothing weaker here: no notice, no refusal
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.pull is not None
    text = world.sb.file(OWNER, REPO, RESULTS, ref=pull.pull.head_ref)
    assert text is not None, "the agent's second task did not run"
    assert TOKENS[BOT] not in text  # no process's environment showed the token
    seen = json.loads(text)
    docker.setblocking(False)
    with pytest.raises(BlockingIOError):
        docker.accept()  # the stand-in docker socket saw no connection
    docker.close()
    assert seen["uid"] >= 2_000_000_000 and seen["groups"] == []
    assert seen["survivors alive"] == {
        "daemon.pid": False,
        "swapper.pid": False,
        "nohup.pid": False,
        "stubborn.pid": False,
    }
    assert seen["owners"] == {"/usr/local/bin": 0, "/usr/local/bin/symphony-action-post": 0}
    assert {folder: seen["planted"][folder] for folder in ("/usr/local/bin", "/opt/symphony/bin", "/usr/bin")} == {
        "/usr/local/bin": "EACCES",
        "/opt/symphony/bin": "EACCES",
        "/usr/bin": "EACCES",
    }
    assert world.sb.file(OWNER, REPO, "PLANTED-GIT-RAN", ref=pull.pull.head_ref) is None  # the bot's git is its own
    readable = {pid: value for pid, value in seen["proc environ"].items() if value.startswith("read:")}
    assert all("GITHUB_TOKEN" not in value and "INPUT_" not in value for value in readable.values()), readable
    assert seen["docker socket"] == "EACCES"
    assert seen["read event"] == "EACCES" and seen["list file commands"] == "EACCES"
    assert seen["write file commands"] == "EACCES" and seen["write workspace"] == "EACCES"
    assert (world.root / "_runner_file_commands" / "set_env").read_text() == ""
    assert not (world.workspace / "planted.txt").exists()
