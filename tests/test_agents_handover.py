"""Hand-over without races (issue 17, item 3): root never follows a path the agent could change.

The attack of the issue: a process of the agent swaps a folder of the work tree for a symbolic link to a
root-owned file's folder, in a loop, while the bot takes the tree back; with a chown by path name root would
chown the link's target to the agent. Here the swapper really runs (as an unprivileged uid, during the walk),
and the target's owner stays root.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest

from symphony_bot.agents import containment
from symphony_bot.agents.agent_user import running_as_root
from symphony_bot.agents.base import Outcome
from symphony_bot.agents.handover import SHARED_TOP_MODE, Top, change_owner
from symphony_bot.agents.identity import allocate
from tests.autorun_helpers import reachable_tmp
from tests.containment_helpers import NO_NAMESPACE, make_run, run_script

pytestmark = pytest.mark.skipif(not running_as_root(), reason="hand-over happens in a bot running as root")

# Swaps every folder `d*` for a link to `target` and back, as fast as it can, until `stop` exists.
SWAPPER = r"""
import os, sys, time
tree, target = sys.argv[1], sys.argv[2]
folders = [os.path.join(tree, f"d{i}") for i in range(20)]
open(os.path.join(tree, "swapper.ready"), "w").close()
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not os.path.exists(os.path.join(tree, "stop")):
    for folder in folders:
        try:
            os.rename(folder, folder + ".real")
            os.symlink(target, folder)
            os.unlink(folder)
            os.rename(folder + ".real", folder)
        except OSError:
            pass
"""


def plant_target(root: Path) -> Path:
    target = root / "bin"
    target.mkdir()
    git = target / "git"
    git.write_text("#!/bin/sh\n")
    git.chmod(0o755)
    return target


def test_a_swapper_running_during_the_walk_never_gets_root_to_chown_outside() -> None:
    identity = allocate()
    with reachable_tmp() as root:
        target = plant_target(root)
        tree = root / "tree"
        tree.mkdir()
        for index in range(20):
            (tree / f"d{index}").mkdir()
            for name in range(30):
                (tree / f"d{index}" / f"f{name}").write_text("x")
        change_owner(tree, identity.uid, identity.gid, give=True)
        swapper = subprocess.Popen(
            ["/usr/bin/python3", "-c", SWAPPER, str(tree), str(target)],
            user=identity.uid,
            group=identity.gid,
            extra_groups=[],
        )
        try:
            while not (tree / "swapper.ready").exists():
                assert swapper.poll() is None
                time.sleep(0.01)
            for _ in range(30):  # take back and hand over, again and again, while it swaps
                change_owner(tree, 0, 0, give=False)
                change_owner(tree, identity.uid, identity.gid, give=True)
        finally:
            (root / "stop").touch()
            (tree / "stop").touch()
            swapper.kill()
            swapper.wait()
            identity.release()
        assert (target.stat().st_uid, (target / "git").stat().st_uid) == (0, 0)
        assert (target / "git").read_text() == "#!/bin/sh\n"


# The attack through a whole task: the agent leaves a swapper behind and exits.
LEAVE_A_SWAPPER = r"""
import os, subprocess, sys
for i in range(20):
    os.makedirs(f"d{i}", exist_ok=True)
    for n in range(30):
        open(f"d{i}/f{n}", "w").write("x")
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[1], os.getcwd(), sys.argv[2]])
while not os.path.exists("swapper.ready"):
    pass
"""


def test_a_swapper_left_behind_by_the_agent_cannot_redirect_the_take_back(monkeypatch) -> None:
    monkeypatch.setattr(containment, "containment", lambda: NO_NAMESPACE)
    with reachable_tmp() as root:
        target = plant_target(root)
        request = make_run(root, "run")
        result = run_script(request, LEAVE_A_SWAPPER, SWAPPER, str(target))
        assert result.outcome is Outcome.OK, result.error
        assert (target.stat().st_uid, (target / "git").stat().st_uid) == (0, 0)
        owners = {path.lstat().st_uid for path in request.repo_dir.rglob("*")}
        assert owners == {0}  # the whole tree is the bot's again, links included, nothing skipped
        assert request.repo_dir.stat().st_mode & 0o7777 == 0o755  # its top folder as it was


def test_links_and_hard_links_are_not_followed_and_git_stays_the_bots(tmp_path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text("x")
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    (repo / "link").symlink_to(outside)
    os.link(outside, repo / "hardlink.txt")
    before = change_owner(repo, 12345, 12345, give=True, top_as=Top(0, 12345, SHARED_TOP_MODE))
    assert os.lstat(repo / "link").st_uid == 12345 and outside.stat().st_uid == 0
    assert (repo / ".git" / "config").stat().st_uid == 0
    top = repo.stat()
    assert (top.st_uid, top.st_gid, top.st_mode & 0o7777) == (0, 12345, SHARED_TOP_MODE)
    change_owner(repo, 0, 0, give=False, top_as=before)
    assert repo.stat().st_mode & 0o7777 == before.mode and os.lstat(repo / "link").st_uid == 0


def test_the_agent_cannot_move_the_bots_git_folder_out_of_the_top(monkeypatch) -> None:
    monkeypatch.setattr(containment, "containment", lambda: NO_NAMESPACE)
    with reachable_tmp() as root:
        request = make_run(root, "run")
        (request.repo_dir / ".git").mkdir()
        result = run_script(
            request,
            "import os\ntry:\n    os.rename('.git', 'moved')\n    print('MOVED')\nexcept OSError as e:\n    print(e)\n"
            "open('new-file.txt', 'w').write('the agent may create at the top')\n",
        )
        assert result.outcome is Outcome.OK, result.error
        assert "MOVED" not in result.text and (request.repo_dir / ".git").is_dir()
        assert (request.repo_dir / "new-file.txt").read_text() == "the agent may create at the top"
