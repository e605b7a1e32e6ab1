"""The agent cannot read the bot (issue 10, item 2): a probe agent looks everywhere for the bot's secrets.

Run as root (as on a runner), the agent runs as its own unprivileged user in a PID namespace, and the bot is
not dumpable while it runs; run as another user, the agent shares the bot's user and the bot's non-dumpable
state alone keeps `/proc/PID/environ` and `mem` closed. Either way the probe finds nothing.
"""

import json
import os
import stat

import pytest

from symphony_bot.agents import containment
from symphony_bot.agents.agent_user import AGENT_USER, running_as_root, unreachable_folder
from symphony_bot.agents.command import CommandAgent
from symphony_bot.agents.handover import change_owner
from symphony_bot.autorun.engine import Engine, RunOptions, StopReason
from symphony_bot.commands.autorun import AGENT_USER_DEFAULT
from tests.autorun_helpers import AGENT_PYTHON, reachable_tmp

SECRETS = {
    "GITHUB_TOKEN": "ghs_bot_secret_in_environ",
    "SYMPHONY_GITHUB_TOKEN": "ghs_bot_secret_two",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc_bot_secret",
}
TEMP_SECRET = "secret_in_the_bots_temporary_file"
GIT_SECRET = "AUTHORIZATION: basic c2VjcmV0X2luX2dpdF9jb25maWc="

# Reads everything it can think of and writes what it got into the work tree, for the test to inspect.
PROBE = r"""
import glob, json, os, sys
bot_pid, temp_file, git_config, bot_temp = sys.argv[1:5]
seen = {"uid": os.getuid()}

def grab(path, limit=1 << 20):
    try:
        with open(path, "rb") as handle:
            seen[path] = handle.read(limit).decode("utf-8", "replace")
    except OSError as error:
        seen[path] = "ERROR " + type(error).__name__

for path in [f"/proc/{bot_pid}/environ", f"/proc/{os.getppid()}/environ", "/proc/1/environ", temp_file, git_config,
             os.path.expanduser("~root/.gitconfig"), f"/proc/{bot_pid}/cmdline"]:
    grab(path)
for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    grab(path)
for pid in (bot_pid, str(os.getppid())):
    try:
        maps = open(f"/proc/{pid}/maps").read().splitlines()
        mem = open(f"/proc/{pid}/mem", "rb")
        for line in maps[:50]:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            try:
                mem.seek(start); seen[f"mem {pid} {start:x}"] = mem.read(min(end - start, 1 << 16)).decode("latin-1")
            except OSError:
                pass
    except OSError as error:
        seen[f"/proc/{pid}/mem"] = "ERROR " + type(error).__name__
try:
    seen["bot temp listing"] = " ".join(os.listdir(bot_temp))
except OSError as error:
    seen["bot temp listing"] = "ERROR " + type(error).__name__
open(os.environ["SYMPHONY_REPO"] + "/probe.json", "w").write(json.dumps(seen))
"""


@pytest.mark.parametrize("namespace", [True, False], ids=["pid-namespace", "subreaper-fallback"])
def test_a_probe_agent_finds_none_of_the_bots_secrets(monkeypatch, namespace) -> None:
    if not namespace:
        monkeypatch.setattr(containment, "containment", lambda: containment.Containment(False, "forced by the test"))
    with reachable_tmp() as tmp_path:
        for name, value in SECRETS.items():
            monkeypatch.setenv(name, value)
        bot_temp = tmp_path / "bot-private"
        bot_temp.mkdir(mode=0o711)  # as the command makes its run's folder: the agent reaches its own part only
        temp_file = bot_temp / "credentials"
        temp_file.write_text(TEMP_SECRET)
        temp_file.chmod(0o600)
        git_config = bot_temp / "gitconfig"
        git_config.write_text(f"[http]\n\textraheader = {GIT_SECRET}\n")
        git_config.chmod(0o600)
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(git_config))
        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "plan.md").write_text("- [ ] probe\n")
        script = tmp_path / "probe.py"
        script.write_text(PROBE)
        script.chmod(0o644)
        agent = CommandAgent(
            [AGENT_PYTHON, str(script), str(os.getpid()), str(temp_file), str(git_config), str(bot_temp)]
        )
        run_as = AGENT_USER if running_as_root() else None
        options = RunOptions(repo, (repo / "plan.md",), bot_temp, agent_user=run_as)
        summary = Engine(agent, options).run()
        assert summary.stop_reason is StopReason.TASKS_LEFT, summary  # it ran, three times, ticking nothing
        seen = json.loads((repo / "probe.json").read_text())
        # The work tree is the bot's again once the agent is done.
        assert (repo / "probe.json").stat().st_uid == os.geteuid()
    assert len(seen) > 5  # the probe really ran and looked
    everything = json.dumps(seen)
    for secret in (*SECRETS.values(), TEMP_SECRET, GIT_SECRET):
        assert secret not in everything, f"the agent read {secret!r}"
    assert seen[str(temp_file)].startswith("ERROR") and seen[str(git_config)].startswith("ERROR")
    assert seen["bot temp listing"].startswith("ERROR")
    if running_as_root():
        assert seen["uid"] != 0


def test_the_bot_is_not_dumpable_while_an_agent_runs_and_is_again_after() -> None:
    assert containment.set_dumpable(True)
    with containment.not_dumpable():
        assert containment._prctl_get(containment.PR_GET_DUMPABLE) == 0
    assert containment._prctl_get(containment.PR_GET_DUMPABLE) == 1


def test_ownership_goes_over_without_following_links_or_touching_git(tmp_path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text("x")
    (repo / "src").mkdir()
    (repo / "src" / "a.py").write_text("x")
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    (repo / "link").symlink_to(outside)
    os.link(outside, repo / "hardlink.txt")
    change_owner(repo, 12345, 12345, give=True)
    assert (repo / "src" / "a.py").stat().st_uid == 12345 and (repo / "src").stat().st_uid == 12345
    assert os.lstat(repo / "link").st_uid == 12345  # the link itself, not its target
    assert outside.stat().st_uid == os.geteuid()  # neither through the link nor through the hard link
    assert (repo / ".git" / "config").stat().st_uid == os.geteuid()
    change_owner(repo, os.geteuid(), os.getegid(), give=False)
    assert (repo / "src" / "a.py").stat().st_uid == os.geteuid()


def test_an_unreachable_work_tree_is_named_with_the_folder_that_blocks_it() -> None:
    with reachable_tmp() as tmp_path:
        closed = tmp_path / "closed"
        (closed / "repo").mkdir(parents=True)
        closed.chmod(0o700)
        assert unreachable_folder(closed / "repo") == closed
        closed.chmod(0o711)
        assert unreachable_folder(closed / "repo") is None
        assert stat.S_IMODE(closed.stat().st_mode) == 0o711


def test_the_command_default_is_the_agent_user() -> None:
    assert AGENT_USER_DEFAULT == AGENT_USER
