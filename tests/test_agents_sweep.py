"""Nothing outlives its task without a PID namespace (issue 17, item 2): every process of the task's private
uid is killed, whatever it did to hide — as in the action's container, where `unshare --pid` is not allowed."""

import subprocess
import time

import pytest

from symphony_bot.agents import containment, sweep
from symphony_bot.agents.agent_user import running_as_root
from symphony_bot.agents.base import Outcome
from symphony_bot.agents.identity import allocate
from tests.autorun_helpers import reachable_tmp
from tests.containment_helpers import NO_NAMESPACE, alive, make_run, run_script

pytestmark = pytest.mark.skipif(not running_as_root(), reason="a uid of its own needs a bot running as root")

# fork, setsid, fork again, empty environment, SIGTERM ignored: the classic daemon, which a process group kill
# and a marker variable both miss. It writes its pid into the work tree, then sleeps.
DAEMON = r"""
import os, signal, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.execve(sys.executable, [sys.executable, "-c",
            "import os, time; open('survivor.pid', 'w').write(str(os.getpid())); time.sleep(3600)"], {})
    os._exit(0)
while not os.path.exists("survivor.pid"):
    time.sleep(0.01)
print("left a daemon behind")
"""


@pytest.mark.parametrize("forced", [True, False], ids=["no-namespace", "namespace-where-allowed"])
def test_a_daemon_with_an_empty_environment_is_dead_after_the_task(monkeypatch, forced) -> None:
    if forced:
        monkeypatch.setattr(containment, "containment", lambda: NO_NAMESPACE)
    with reachable_tmp() as root:
        request = make_run(root, "run")
        result = run_script(request, DAEMON)
        assert result.outcome is Outcome.OK, result.error
        survivor = int((request.repo_dir / "survivor.pid").read_text())
        if not forced and containment.containment().namespace:
            return  # its pid is the namespace's, not ours; the namespace took it down (tests/test_agents_process.py)
        assert not alive(survivor)


def test_the_sweep_kills_a_fork_loop_and_only_the_uid_it_was_given() -> None:
    bystander_identity = allocate()
    identity = allocate()
    try:

        def as_uid(uid: int, code: str) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                ["/usr/bin/python3", "-c", code], user=uid, group=uid, extra_groups=[], start_new_session=True
            )

        # A process that keeps forking children that keep forking: a sweep round can miss the newest.
        forker = as_uid(identity.uid, "import os, time\nwhile True:\n    os.fork() == 0 and time.sleep(0.05)\n")
        bystander = as_uid(bystander_identity.uid, "import time; time.sleep(3600)")
        time.sleep(0.2)
        assert sweep.sweep(identity)
        forker.wait()
        assert [pid for pid, state, _ in sweep._processes_of(identity.uid) if state not in {"Z", "X"}] == []
        assert bystander.poll() is None  # another run's process is untouched
    finally:
        bystander.kill()
        bystander.wait()
        identity.release()
        bystander_identity.release()
