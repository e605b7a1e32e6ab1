"""Weak mode is never silent (issue 17, items 7 and 8): where a containment promise cannot hold, `autorun` and
`run` refuse to run agents unless --allow-weak-containment (the action's input sets it), and then say so on
stderr, in the status comment and in the job summary; a socket or runner file every user may use is named."""

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from symphony_bot.agents import containment, posture
from symphony_bot.agents.agent_user import running_as_root
from symphony_bot.cli import cli
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.autorun_helpers import AGENT_PYTHON, TICK, reachable_tmp

BIN = Path(sys.executable).parent / "symphony-bot"
AGENT = f"{sys.executable} -m symphony_bot.demo.agent"


def open_socket(path: Path, mode: int) -> socket.socket:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
    except OSError:
        server.close()
        raise
    os.chmod(path, mode)
    return server


def test_a_socket_every_user_may_connect_to_is_a_weakness_and_0660_is_not() -> None:
    # A socket's path holds at most 107 bytes: a short folder of its own, not pytest's (as deep as the checkout).
    with tempfile.TemporaryDirectory(prefix="sock") as folder:
        root = Path(folder)
        with open_socket(root / "open.sock", 0o666), open_socket(root / "docker.sock", 0o660):
            found = posture._exposures([], [str(root / "open.sock"), str(root / "docker.sock")], landlocked=True)
        assert found == [posture.SOCKET_OPEN.format(path=root / "open.sock", mode=0o666)]


def test_runner_files_readable_by_all_are_a_weakness_only_without_landlock(tmp_path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{}")
    event.chmod(0o644)  # how the runner writes it on the host
    assert posture._exposures([str(event)], [], landlocked=True) == []
    assert posture._exposures([str(event)], [], landlocked=False) == [
        posture.FILE_READABLE.format(path=event, mode=0o644)
    ]
    event.chmod(0o666)
    assert posture._exposures([str(event)], [], landlocked=True) == [
        posture.FILE_WRITABLE.format(path=event, mode=0o666)
    ]


def test_a_bot_not_running_as_root_is_weak() -> None:
    assert posture.NOT_ROOT in posture.assess({}, as_root=False).weaknesses


def world_writable_event(root: Path) -> dict[str, str]:
    """A weakness a root test can really make: the event file every user may write (GITHUB_EVENT_PATH)."""
    event = root / "event.json"
    event.write_text("{}")
    event.chmod(0o666)
    return {**os.environ, "GITHUB_EVENT_PATH": str(event), posture.ALLOW_ENV: ""}


@pytest.mark.skipif(not running_as_root(), reason="as another user the weakness is the user itself")
def test_autorun_refuses_weak_containment_unless_allowed_and_then_says_it() -> None:
    with reachable_tmp() as root:
        repo = root / "repo"
        repo.mkdir()
        (repo / "plan.md").write_text("- [ ] one\n")
        (root / "agent.py").write_text(TICK)
        command = ["--agent", "command", "--agent-command", f"{AGENT_PYTHON} {root / 'agent.py'}"]
        env = world_writable_event(root)

        def autorun(*extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(BIN), "autorun", "plan.md", *command, *extra],
                cwd=repo,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env=env,
            )

        refused = autorun()
        assert refused.returncode == 2, refused.stderr
        assert "agent containment is weaker here" in refused.stderr and "event.json" in refused.stderr
        assert "--allow-weak-containment" in refused.stderr
        assert "[ ] one" in (repo / "plan.md").read_text()  # nothing ran
        allowed = autorun("--allow-weak-containment")
        assert allowed.returncode == 0, allowed.stderr
        assert "warning: Weak agent containment (allowed by --allow-weak-containment)" in allowed.stderr
        assert "event.json may be written by every user" in allowed.stderr


@pytest.mark.skipif(not running_as_root(), reason="as another user the weakness is the user itself")
def test_run_says_weak_containment_in_the_status_comment_and_the_job_summary(tmp_path, monkeypatch) -> None:
    environ = world_writable_event(tmp_path)
    summary = tmp_path / "summary.md"
    args = ["run", "--agent", "command", "--agent-command", AGENT, "--json", "--comment-interval", "0"]
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        env = {
            "GITHUB_TOKEN": scenario.BOT_TOKEN,
            "SYMPHONY_GITHUB_TOKEN": "",
            "SYMPHONY_TRIGGERED_BY": "",
            "GITHUB_EVENT_PATH": environ["GITHUB_EVENT_PATH"],
            "GITHUB_STEP_SUMMARY": str(summary),
            posture.ALLOW_ENV: "",
        }
        target = [f"{scenario.SLUG}#{number}", "--github-url", sb.api_url]
        refused = CliRunner().invoke(cli, [*args, *target], env=env)
        assert refused.exit_code == 2 and "agent containment is weaker here" in refused.output
        assert sb.pulls(scenario.OWNER, scenario.REPO) == []
        env[posture.ALLOW_ENV] = "true"  # what action.yml sets from the input allow-weak-containment
        allowed = CliRunner().invoke(cli, [*args, *target], env=env)
        assert allowed.exit_code == 0, allowed.output
        comments = [c.body for c in sb.comments(scenario.OWNER, scenario.REPO, number)]
    assert any("Weak agent containment" in body and "event.json" in body for body in comments), comments
    assert "Weak agent containment" in summary.read_text()
    assert containment._prctl_get(containment.PR_GET_DUMPABLE) == 0  # and the bot stayed not dumpable
    containment.set_dumpable(True)


def test_no_cli_is_exempt_from_the_landlock_rules() -> None:
    """codex and opencode used to run without Landlock (said aloud here); every CLI runs under the rules now
    (tests/test_agents_codex.py and tests/test_agents_opencode.py prove it with the real CLIs)."""
    from symphony_bot.agents.catalogue import AGENT_NAMES
    from symphony_bot.agents.posture import agent_notices

    assert [notice for name in AGENT_NAMES for notice in agent_notices(name)] == []
