"""The runner seam: the `symphony-bot run` command line and environment the action builds (no secret in argv,
the token kind and the trigger for the status comment), and how the runner's JSON events become outputs."""

from __future__ import annotations

import json
from pathlib import Path

from symphony_bot.action.agents import AGENT_PACKAGES, ensure_agent
from symphony_bot.action.runner_seam import (
    TOKEN_ENV,
    TOKEN_KIND_ENV,
    CliRunner,
    RunRequest,
    child_environment,
    finish_arguments,
    result_from_events,
    run_arguments,
)

ROOT = Path(__file__).resolve().parent.parent

REQUEST = RunRequest(
    repo="owner/name",
    issue=12,
    agent="codex",
    model="gpt-5",
    max_cost=2.5,
    max_minutes=30.0,
    max_tasks=10,
    task_timeout=600.0,
    comment_interval=15.0,
    dry_run=True,
    triggered_by="writer",
    comment_id=55,
    token="ghs_secret_token",
    workflow_token=True,
    api_keys={"OPENAI_API_KEY": "sk-secret"},
    github_url="http://127.0.0.1:1/api",
    extra_path=("/opt/agents/codex/node_modules/.bin",),
)


def test_arguments_carry_every_option_and_no_secret() -> None:
    arguments = run_arguments(REQUEST)
    assert arguments == [
        "run", "owner/name#12", "--json",
        "--agent", "codex", "--model", "gpt-5", "--max-cost", "2.5", "--max-minutes", "30",
        "--max-tasks", "10", "--task-timeout", "600", "--comment-interval", "15", "--requested-by", "writer",
        "--comment-id", "55",
        "--github-url", "http://127.0.0.1:1/api", "--dry-run",
    ]  # fmt: skip
    assert not any("secret" in argument for argument in arguments)
    picked = run_arguments(RunRequest(repo="", issue=None, pick=True, registry="reg.json"))
    assert picked == ["run", "--pick", "--json", "--registry", "reg.json"]


def test_environment_gets_the_token_its_kind_and_the_trigger() -> None:
    base = {
        "PATH": "/usr/bin",
        "INPUT_GITHUB-TOKEN": "ghs_secret_token",
        "INPUT_MODE": "auto",
        "HOME": "/root",
        "SYMPHONY_WORKFLOW_TOKEN": "ghs_job_token",
    }
    environ = child_environment(REQUEST, base)
    assert environ[TOKEN_ENV] == "ghs_secret_token" and environ[TOKEN_KIND_ENV] == "workflow"
    assert environ["OPENAI_API_KEY"] == "sk-secret"
    assert not [key for key in environ if key.startswith("INPUT_")] and "SYMPHONY_WORKFLOW_TOKEN" not in environ
    assert environ["PATH"] == "/opt/agents/codex/node_modules/.bin:/usr/bin"
    plain = child_environment(RunRequest(repo="o/r", issue=1), {"PATH": "/usr/bin"})
    assert TOKEN_KIND_ENV not in plain and TOKEN_ENV not in plain


def test_the_finalized_summary_in_camel_case() -> None:
    event = {
        "type": "finalized", "phase": "stopped", "pullNumber": 9, "pullUrl": "u", "branch": "b", "tasksDone": 1,
        "tasksTotal": 4, "costUsd": 0.25, "tokensIn": 5, "tokensOut": 6, "error": None,
    }  # fmt: skip
    result = result_from_events([event], 4, [])
    assert result.status == "stopped"
    assert result.outputs == {
        "pr-number": 9, "pr-url": "u", "branch": "b", "tasks-done": 1, "tasks-total": 4, "cost-usd": 0.25,
        "tokens-in": 5, "tokens-out": 6,
    }  # fmt: skip


def test_events_fold_into_outputs() -> None:
    # The shapes `symphony-bot run --json` prints (contribution.runner and the autorun engine).
    events = [
        {"type": "start", "timestamp": 1},
        {"type": "pushed", "timestamp": 2, "branch": "symphony/12-ab", "sha": "abc"},
        {"type": "claimed", "timestamp": 3, "pullNumber": 7, "url": "https://x/pull/7", "adopted": False},
        {"type": "complete", "timestamp": 4, "totalCost": 0.4, "usage": {"inputTokens": 10, "outputTokens": 99}},
        {
            "type": "finalized",
            "timestamp": 5,
            "phase": "completed",
            "pullNumber": 7,
            "pullUrl": "https://x/pull/7",
            "branch": "symphony/12-ab",
            "tasksDone": 3,
            "tasksTotal": 5,
            "costUsd": 0.4,
            "tokensIn": 10,
            "tokensOut": 99,
            "error": None,
        },
    ]
    result = result_from_events(events, 0, [])
    assert result.status == "completed"
    assert result.outputs == {
        "branch": "symphony/12-ab", "pr-number": 7, "pr-url": "https://x/pull/7", "cost-usd": 0.4,
        "tokens-in": 10, "tokens-out": 99, "tasks-done": 3, "tasks-total": 5,
    }  # fmt: skip
    assert result_from_events([], 3, ["boom"]).status == "failed"


def test_cli_runner_runs_a_real_child_and_relays_its_output(tmp_path: Path, capsys) -> None:
    # A stand-in interpreter that prints what `symphony-bot run --json` prints: JSON lines and a log line.
    fake = tmp_path / "python"
    lines = [json.dumps({"type": "finalized", "phase": "stopped", "pullNumber": 3}), "plain log line"]
    fake.write_text("#!/bin/sh\n" + "".join(f"echo '{line}'\n" for line in lines) + "exit 4\n")
    fake.chmod(0o755)
    result = CliRunner(python=str(fake)).run(RunRequest(repo="o/r", issue=1))
    assert (result.status, result.exit_code, result.outputs, result.log_tail) == (
        "stopped",
        4,
        {"pr-number": 3},
        ["plain log line"],
    )
    assert "plain log line" in capsys.readouterr().out


def test_agent_versions_match_the_ones_the_suite_runs() -> None:
    pinned = json.loads((ROOT / "tests" / "npm" / "package.json").read_text())["dependencies"]
    for package, version, _ in AGENT_PACKAGES.values():
        assert pinned[package] == version


def test_the_command_agent_needs_no_install(tmp_path: Path) -> None:
    installed = ensure_agent("command", tmp_path)
    assert installed.bin_dir is None and installed.seconds == 0


def test_an_installed_agent_is_not_installed_again(tmp_path: Path) -> None:
    package, version, executable = AGENT_PACKAGES["claude"]
    bin_dir = tmp_path / "claude" / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / executable).write_text("#!/bin/sh\n")
    (tmp_path / "claude" / ".symphony-installed").write_text(f"{package}@{version}\n")
    installed = ensure_agent("claude", tmp_path)
    assert installed.preinstalled and installed.bin_dir == bin_dir


def test_the_runners_reason_and_what_it_could_not_say_on_the_issue_are_kept() -> None:
    events = [
        {"type": "comment_refused", "reason": "locked", "message": "The issue is locked, and GitHub refuses …"},
        {"type": "finalized", "phase": "failed", "error": "GitHub Actions may not open pull requests in o/r: …"},
    ]
    result = result_from_events(events, 1, [])
    assert result.error is not None and result.error.startswith("GitHub Actions may not open pull requests")
    assert result.notes == ["The issue is locked, and GitHub refuses …"]
    assert result_from_events([{"type": "finalized", "phase": "completed", "error": None}], 0, []).error is None


def test_the_repositorys_verify_reaches_the_run_as_its_flags() -> None:
    # `symphony-bot run` reads no .github/symphony.yml itself (commands/run.py takes --verify only), so the action
    # passes the configuration's verify, its failure policy and retries (tests/e2e/test_action_seam_flags.py).
    from dataclasses import replace

    arguments = run_arguments(replace(REQUEST, verify="make test", verify_failure="stop", verify_retries=0))
    assert arguments[-7:] == ["--verify", "make test", "--verify-failure", "stop", "--verify-retries", "0", "--dry-run"]
    assert "--verify" not in run_arguments(REQUEST)


def test_cancel_and_finalize_say_who_asked(tmp_path: Path) -> None:
    assert finish_arguments("cancel", REQUEST) == [
        "cancel", "owner/name#12", "--requested-by", "writer", "--github-url", "http://127.0.0.1:1/api",
    ]  # fmt: skip
    assert finish_arguments("finalize", RunRequest(repo="o/r", issue=3)) == ["finalize", "o/r#3"]
    # and the real seam passes them to the child (a stand-in interpreter that prints its arguments)
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    result = CliRunner(python=str(fake)).finalize(RunRequest(repo="o/r", issue=3, triggered_by="writer"))
    assert result.log_tail == ["-m symphony_bot finalize o/r#3 --requested-by writer"]
