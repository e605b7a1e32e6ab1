import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symphony_bot.agents.catalogue import AGENT_NAMES
from symphony_bot.autorun.summary import StopReason
from symphony_bot.commands.autorun import AGENT_CHOICES, exit_code_for
from tests.autorun_helpers import AGENT_PYTHON, HALT, HANG_WITH_GRANDCHILD, TICK, reachable_tmp
from tests.docs_pages import all_text as docs_text
from tests.test_agents_process import grandchild_alive

BIN = Path(sys.executable).parent / "symphony-bot"


@pytest.fixture(name="tmp_path")
def reachable_tmp_path():
    """Run as root, the command starts agents as an unprivileged user: their work trees must be reachable."""
    with reachable_tmp() as path:
        yield path


def setup(tmp_path, text="- [ ] one\n- [ ] two\n", script=TICK):
    repo = tmp_path / "repo"
    repo.mkdir(parents=True)
    (repo / "plan.md").write_text(text)
    agent = tmp_path / "agent.py"
    agent.write_text(script)
    return repo, f"{AGENT_PYTHON} {agent}"


def run(args, cwd):
    return subprocess.run(
        [str(BIN), "autorun", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_json_event_stream_and_exit_code(tmp_path) -> None:
    repo, command = setup(tmp_path)
    completed = run(["plan.md", "--agent", "command", "--agent-command", command, "--json"], repo)
    assert completed.returncode == 0, completed.stderr
    stream = [json.loads(line) for line in completed.stdout.splitlines()]
    assert stream[0]["type"] == "start" and stream[-1]["type"] == "complete"
    assert stream[-1]["totalTasksCompleted"] == 2
    assert (repo / "plan.md").read_text() == "- [x] one\n- [x] two\n"


def test_human_progress_goes_to_stderr(tmp_path) -> None:
    repo, command = setup(tmp_path)
    completed = run(["plan.md", "--agent", "command", "--agent-command", command], repo)
    assert completed.stdout == ""
    assert "▶ plan.md: 2 open tasks" in completed.stderr and "done (completed)" in completed.stderr


def test_usage_errors_exit_2(tmp_path) -> None:
    repo, command = setup(tmp_path)
    outside = tmp_path / "outside.md"
    outside.write_text("- [ ] x\n")
    assert run([str(outside), "--agent", "command", "--agent-command", command], repo).returncode == 2
    assert (
        "outside the repository" in run([str(outside), "--agent", "command", "--agent-command", command], repo).stderr
    )
    assert run(["missing.md", "--agent", "command", "--agent-command", command], repo).returncode == 2
    missing_command = run(["plan.md", "--agent", "command"], repo)
    assert missing_command.returncode == 2 and "--agent-command" in missing_command.stderr
    assert run(["plan.md", "--agent", "nope"], repo).returncode == 2


def test_sigterm_stops_with_a_complete_event(tmp_path) -> None:
    repo, command = setup(tmp_path, script=HANG_WITH_GRANDCHILD)
    with subprocess.Popen(
        [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", command, "--json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if json.loads(line)["type"] == "task_start":
                break
        deadline = time.monotonic() + 10
        while not (repo / "grandchild.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        rest = [json.loads(line) for line in process.stdout]
        assert process.wait(timeout=30) == 4
    assert rest[-1]["type"] == "complete" and rest[-1]["stopReason"] == "cancelled"
    assert rest[-1]["exitCode"] == 4 and rest[-1]["tasksRemaining"] == 2
    assert rest[0]["type"] == "task_complete" and rest[0]["outcome"] == "cancelled"
    assert (repo / "grandchild.pid").exists()
    assert not grandchild_alive(repo), "the agent's grandchild outlived SIGTERM"


def test_dry_run_lists_tasks(tmp_path) -> None:
    repo, command = setup(tmp_path)
    completed = run(["plan.md", "--agent", "command", "--agent-command", command, "--dry-run"], repo)
    assert completed.returncode == 0
    assert "○ line 1: one" in completed.stderr and "○ line 2: two" in completed.stderr
    assert (repo / "plan.md").read_text() == "- [ ] one\n- [ ] two\n"


SLOW_TICK = "import time\ntime.sleep(1.0)\n" + TICK


def test_first_sigint_lets_the_running_task_finish_then_stops(tmp_path) -> None:
    repo, command = setup(tmp_path, script=SLOW_TICK)
    with subprocess.Popen(
        [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", command, "--json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if json.loads(line)["type"] == "task_start":
                break
        process.send_signal(signal.SIGINT)
        rest = [json.loads(line) for line in process.stdout]
        assert process.wait(timeout=30) == 4
    assert [e["type"] for e in rest] == ["task_complete", "complete"]
    assert rest[0]["outcome"] == "ok" and rest[0]["tasksCompleted"] == 1
    assert rest[-1]["stopReason"] == "cancelled"
    assert (repo / "plan.md").read_text() == "- [x] one\n- [ ] two\n"


def test_exit_codes(tmp_path) -> None:
    def code(name, text, script, *extra):
        repo, command = setup(tmp_path / name, text=text, script=script)
        return run(["plan.md", "--agent", "command", "--agent-command", command, *extra], repo)

    assert code("ok", "- [ ] a\n", TICK).returncode == 0
    assert code("none", "no tasks here\n", TICK).returncode == 2
    halted = code("halt", "- [ ] a\n", HALT)
    assert halted.returncode == 3 and "halted in plan.md: needs a human to log in" in halted.stderr
    assert code("stale", "- [ ] a\n<!-- maestro:halt -->\n", TICK).returncode == 3
    assert code("stall", "- [ ] a\n", "print('nothing')").returncode == 4
    assert code("budget", "- [ ] a\n- [ ] b\n", TICK, "--max-tasks", "1").returncode == 5
    assert code("slow", "- [ ] a\n", "import time; time.sleep(30)", "--task-timeout", "0.3").returncode == 5
    repo, _ = setup(tmp_path / "missing")
    missing = run(["plan.md", "--agent", "command", "--agent-command", str(tmp_path / "no-agent")], repo)
    assert missing.returncode == 1 and "no-agent" in missing.stderr


def test_documents_reached_through_a_symlink_out_of_the_repository_are_refused(tmp_path) -> None:
    repo, command = setup(tmp_path)
    secret = tmp_path / "elsewhere.md"
    secret.write_text("- [ ] x\n")
    (repo / "link.md").symlink_to(secret)
    completed = run(["link.md", "--agent", "command", "--agent-command", command], repo)
    assert completed.returncode == 2 and "outside the repository" in completed.stderr
    assert secret.read_text() == "- [ ] x\n"


def test_option_misuse_is_a_usage_error(tmp_path) -> None:
    repo, command = setup(tmp_path)
    refused = run(["plan.md", "--agent", "command", "--agent-command", command, "--pass-env", "GITHUB_TOKEN"], repo)
    assert refused.returncode == 2 and "GITHUB_TOKEN" in refused.stderr
    wrong = run(["plan.md", "--agent", "claude", "--agent-command", command], repo)
    assert wrong.returncode == 2 and "--agent-executable" in wrong.stderr
    unbalanced = run(["plan.md", "--agent", "command", "--agent-command", "python 'oops"], repo)
    assert unbalanced.returncode == 2 and "cannot split" in unbalanced.stderr


def test_pass_env_reaches_the_command_agent(tmp_path, monkeypatch) -> None:
    script = "import os\nopen('seen', 'w').write(os.environ.get('MY_API_KEY', '-') + os.environ.get('OTHER', '-'))\n"
    repo, command = setup(tmp_path, text="- [ ] a\n", script=script)
    monkeypatch.setenv("MY_API_KEY", "k1")
    monkeypatch.setenv("OTHER", "o")
    # A credential-looking name passes only through the loudly named option (issue 9, item 6).
    run(["plan.md", "--agent", "command", "--agent-command", command, "--dangerously-pass-secret", "MY_API_KEY"], repo)
    assert (repo / "seen").read_text() == "k1-"
    (repo / "plan.md").write_text("- [ ] a\n")
    run(["plan.md", "--agent", "command", "--agent-command", command, "--pass-env", "OTHER"], repo)
    assert (repo / "seen").read_text() == "-o"


CREDENTIAL_NAMES = ("NPM_TOKEN", "NODE_AUTH_TOKEN", "VAULT_TOKEN", "CI_JOB_TOKEN", "AWS_SECRET_ACCESS_KEY")


def test_pass_env_refuses_names_that_look_like_credentials(tmp_path) -> None:
    repo, command = setup(tmp_path)
    for name in (*CREDENTIAL_NAMES, "MY_API_KEY", "DB_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS", "npm_token"):
        refused = run(["plan.md", "--agent", "command", "--agent-command", command, "--pass-env", name], repo)
        assert refused.returncode == 2, name
        assert name in refused.stderr and "--dangerously-pass-secret" in refused.stderr, refused.stderr
    # GitHub, Actions and git credentials stay refused even through the loud option.
    for name in ("GITHUB_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GIT_CONFIG_VALUE_0"):
        loud = run(
            ["plan.md", "--agent", "command", "--agent-command", command, "--dangerously-pass-secret", name], repo
        )
        assert loud.returncode == 2 and "never reach an agent" in loud.stderr, name
    assert (repo / "plan.md").read_text() == "- [ ] one\n- [ ] two\n"  # nothing ran


def test_help_and_readme_say_the_same_about_credentials() -> None:
    help_text = subprocess.run([str(BIN), "autorun", "--help"], capture_output=True, text=True, check=True).stdout
    readme = docs_text()
    assert "--dangerously-pass-secret" in help_text and "`--dangerously-pass-secret NAME`" in readme
    assert "look like" in " ".join(help_text.split()) and "look like credentials" in readme


def test_agent_choices_match_the_catalogue() -> None:
    assert AGENT_CHOICES == AGENT_NAMES


def test_every_stop_reason_has_its_documented_exit_code() -> None:
    readme = docs_text()
    for reason in StopReason:
        code = exit_code_for(reason)
        assert 0 <= code <= 5
        assert f"| {code} |" in readme


def test_the_containment_fallback_is_said_out_loud(tmp_path) -> None:
    repo, command = setup(tmp_path, text="- [ ] a\n")
    env = {**os.environ, "SYMPHONY_NO_PID_NAMESPACE": "1"}
    completed = subprocess.run(
        [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", command],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    assert "note: agent containment: no PID namespace here (SYMPHONY_NO_PID_NAMESPACE is set)" in completed.stderr
    assert "child subreaper" in completed.stderr
    assert "agent containment" not in run(["plan.md", "--agent", "command", "--agent-command", command], repo).stderr
