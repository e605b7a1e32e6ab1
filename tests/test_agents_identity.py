"""One identity per run (issue 17, item 1): a uid no account, process or other run has; two runs at once get
different uids and can neither read each other's trees nor signal each other's processes; the agent has no
supplementary group, so a socket owned root:<gid> 0660 (the runner's docker.sock) is closed to it."""

import json
import os
import socket
import stat
import threading
import time

import pytest

from symphony_bot.agents import containment, identity, landlock
from symphony_bot.agents.agent_user import running_as_root
from symphony_bot.agents.base import Outcome
from tests.autorun_helpers import reachable_tmp
from tests.containment_helpers import NO_NAMESPACE, make_run, run_script

pytestmark = pytest.mark.skipif(not running_as_root(), reason="a uid of its own needs a bot running as root")

SOCKET_GROUP = 4_242_424  # a gid the agent is not in: the docker group's place
WAIT_S = 120  # an upper bound for a rendezvous between two agents, never reached when things work


def test_a_uid_held_by_another_run_or_a_process_is_never_handed_out(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(identity.LOCK_DIR_ENV, str(tmp_path / "locks"))
    picks = iter([7, 7, 8, 9])
    monkeypatch.setattr(identity.secrets, "randbelow", lambda _span: next(picks))
    first = identity.allocate()
    assert first.uid == identity.FIRST_UID + 7
    monkeypatch.setattr(identity, "uids_in_use", lambda: {identity.FIRST_UID + 8})
    second = identity.allocate()  # 7 is locked by the first run, 8 belongs to a live process
    assert (second.uid, second.gid) == (identity.FIRST_UID + 9, identity.FIRST_UID + 9)
    lock_dir = tmp_path / "locks"
    assert stat.S_IMODE(lock_dir.stat().st_mode) == 0o700
    first.release()
    second.release()


def test_a_lock_folder_anyone_else_could_write_is_refused(monkeypatch, tmp_path) -> None:
    planted = tmp_path / "locks"
    planted.mkdir(mode=0o777)
    planted.chmod(0o777)
    monkeypatch.setenv(identity.LOCK_DIR_ENV, str(planted))
    with pytest.raises(identity.IdentityError, match="0700"):
        identity.allocate()


def test_the_processes_uids_are_read_from_proc() -> None:
    assert os.geteuid() in identity.uids_in_use()


# Run A: reads and lists B's tree, signals B's agent (its pid arrives in A's own tree), connects to the socket.
ATTACKER = r"""
import json, os, signal, socket, sys, time
other_tree, socket_path = sys.argv[1], sys.argv[2]
seen = {"uid": os.getuid(), "groups": os.getgroups()}
def attempt(name, action):
    try:
        action()
        seen[name] = "ok"
    except OSError as error:
        seen[name] = type(error).__name__
attempt("list other tree", lambda: os.listdir(other_tree))
attempt("read other tree", lambda: open(os.path.join(other_tree, "plan.md")).read())
attempt("connect socket", lambda: socket.socket(socket.AF_UNIX).connect(socket_path))
deadline = time.monotonic() + 120
while not os.path.exists("target.pid") and time.monotonic() < deadline:
    time.sleep(0.01)
target = int(open("target.pid").read())
attempt("signal other run", lambda: os.kill(target, signal.SIGKILL))
open("seen.json", "w").write(json.dumps(seen))
"""
# Run B: says where it is, then waits for the test to let it go and records that it lived.
VICTIM = r"""
import os, time
open("victim.pid", "w").write(str(os.getpid()))
deadline = time.monotonic() + 120
while not os.path.exists("release") and time.monotonic() < deadline:
    time.sleep(0.01)
open("victim.json", "w").write(str(os.getuid()))
"""


@pytest.mark.parametrize("with_landlock", [True, False], ids=["landlock", "uid-alone"])
def test_two_runs_at_once_get_different_uids_and_cannot_reach_each_other(monkeypatch, with_landlock) -> None:
    monkeypatch.setattr(containment, "containment", lambda: NO_NAMESPACE)
    if not with_landlock:  # the uid alone must hold too: a kernel without Landlock
        monkeypatch.setattr(landlock, "abi", lambda: 0)
    with reachable_tmp() as root:
        sockets = root / "sockets"
        sockets.mkdir(mode=0o711)
        sockets.chmod(0o711)
        docker = socket.socket(socket.AF_UNIX)
        docker.bind(str(sockets / "docker.sock"))
        docker.listen()
        os.chown(sockets / "docker.sock", 0, SOCKET_GROUP)
        os.chmod(sockets / "docker.sock", 0o660)  # as the runner's host has it: root:docker 0660
        run_a, run_b = make_run(root, "a"), make_run(root, "b")
        results: dict[str, object] = {}
        victim = threading.Thread(target=lambda: results.setdefault("b", run_script(run_b, VICTIM)))
        victim.start()
        deadline = time.monotonic() + WAIT_S
        while not (run_b.repo_dir / "victim.pid").exists():
            assert time.monotonic() < deadline and victim.is_alive()
            time.sleep(0.01)
        attacker = threading.Thread(
            target=lambda: results.setdefault(
                "a", run_script(run_a, ATTACKER, str(run_b.repo_dir), str(sockets / "docker.sock"))
            )
        )
        attacker.start()
        victim_pid = (run_b.repo_dir / "victim.pid").read_text()
        while not victim_pid:  # written, not yet filled
            victim_pid = (run_b.repo_dir / "victim.pid").read_text()
        (run_a.repo_dir / "target.tmp").write_text(victim_pid)
        (run_a.repo_dir / "target.tmp").rename(run_a.repo_dir / "target.pid")  # whole, at once
        attacker.join()
        (run_b.repo_dir / "release").touch()
        victim.join()
        docker.setblocking(False)
        with pytest.raises(BlockingIOError):
            docker.accept()
        docker.close()
        assert results["a"].outcome is Outcome.OK and results["b"].outcome is Outcome.OK  # type: ignore[attr-defined]
        seen = json.loads((run_a.repo_dir / "seen.json").read_text())
        victim_uid = int((run_b.repo_dir / "victim.json").read_text())
    # The victim wrote victim.json after the attack: it lived.
    assert seen["uid"] != victim_uid and min(seen["uid"], victim_uid) >= identity.FIRST_UID
    assert seen["groups"] == []
    assert {key: seen[key] for key in ("list other tree", "read other tree", "connect socket", "signal other run")} == {
        "list other tree": "PermissionError",
        "read other tree": "PermissionError",
        "connect socket": "PermissionError",
        "signal other run": "PermissionError",
    }
