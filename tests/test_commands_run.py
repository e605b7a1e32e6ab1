"""`symphony-bot run` at the command line: usage errors, --json events the Action reads, --pick, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from symphony_bot.action.runner_seam import result_from_events
from symphony_bot.cli import cli
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox

AGENT = f"{sys.executable} -m symphony_bot.demo.agent"


def _invoke(args: list[str], token: str | None = scenario.BOT_TOKEN):
    env = {"GITHUB_TOKEN": token or "", "SYMPHONY_GITHUB_TOKEN": "", "SYMPHONY_TRIGGERED_BY": ""}
    return CliRunner().invoke(cli, args, env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--agent", "command", "--agent-command", "x"], "name one issue"),
        (["run", "o/r#1", "--pick", "--agent", "command", "--agent-command", "x"], "name one issue"),
        (["run", "not-an-issue", "--agent", "command", "--agent-command", "x"], "is not OWNER/REPO#NUMBER"),
        (["run", "o/r#1", "--agent", "claude", "--agent-command", "x"], "--agent-command is for --agent command"),
        (["run", "o/r#1", "--agent", "command", "--agent-command", "x", "--pass-env", "GITHUB_TOKEN"], "GITHUB_TOKEN"),
        (["run", "o/r#1", "--agent", "command", "--agent-command", "x", "--fork", "sometimes"], "sometimes"),
    ],
)
def test_usage_errors_exit_2(args, message) -> None:
    result = _invoke(args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_token_is_required() -> None:
    result = _invoke(["run", "o/r#1", "--agent", "command", "--agent-command", "x"], token=None)
    assert result.exit_code == 2 and "GITHUB_TOKEN" in result.output


def test_help_lists_autoruns_agent_options() -> None:
    text = _invoke(["run", "--help"]).output
    for option in (
        "--agent",
        "--agent-command",
        "--agent-executable",
        "--pass-env",
        "--model",
        "--task-timeout",
        "--inactivity-timeout",
        "--max-cost",
        "--max-minutes",
        "--max-tasks",
        "--fork",
        "--dry-run",
        "--json",
        "--github-url",
        "--pick",
        "--comment-id",
        "--requested-by",
        "--comment-interval",
    ):
        assert option in text, option


def test_json_events_are_what_the_action_reads() -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        result = _invoke(
            [
                "run",
                f"{scenario.SLUG}#{number}",
                "--agent",
                "command",
                "--agent-command",
                AGENT,
                "--json",
                "--github-url",
                sb.api_url,
                "--comment-interval",
                "0",
            ]
        )
        assert result.exit_code == 0, result.output
        events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
        kinds = [event["type"] for event in events]
        for kind in ("start", "task_start", "task_complete", "pushed", "claimed", "comment_updated", "complete"):
            assert kind in kinds
        assert kinds[-1] == "finalized"
        folded = result_from_events(events, result.exit_code, [])
        [pull] = sb.pulls(scenario.OWNER, scenario.REPO)
        assert folded.status == "completed"
        assert folded.outputs["pr-number"] == pull.number and folded.outputs["tasks-done"] == 5
        assert folded.outputs["branch"] == pull.pull.head_ref


def test_pick_takes_the_first_available_issue(tmp_path) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        registry = tmp_path / "registry.json"
        registry.write_text(json.dumps({"repositories": [{"slug": scenario.SLUG, "isActive": True}]}))
        result = _invoke(
            [
                "run",
                "--pick",
                "--registry",
                str(registry),
                "--agent",
                "command",
                "--agent-command",
                AGENT,
                "--github-url",
                sb.api_url,
                "--dry-run",
            ]
        )
        assert result.exit_code == 0, result.output
        assert sb.pulls(scenario.OWNER, scenario.REPO) == []  # a dry run writes nothing
        result = _invoke(
            [
                "run",
                "--pick",
                "--registry",
                str(registry),
                "--agent",
                "command",
                "--agent-command",
                AGENT,
                "--github-url",
                sb.api_url,
                "--max-tasks",
                "2",
            ]
        )
        assert result.exit_code == 5, result.output  # budget reached
        assert f"#{number}" in sb.pulls(scenario.OWNER, scenario.REPO)[0].body
        # The issue is claimed now: nothing else is available.
        result = _invoke(
            [
                "run",
                "--pick",
                "--registry",
                str(registry),
                "--agent",
                "command",
                "--agent-command",
                AGENT,
                "--github-url",
                sb.api_url,
            ]
        )
        assert result.exit_code == 1 and "no available issue" in result.output


def test_pick_passes_over_an_issue_whose_document_is_missing_and_says_why(tmp_path) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        sb.create_repo(scenario.OWNER, "broken", files={"README.md": "x\n"})
        sb.create_issue(scenario.OWNER, "broken", "Ghost", "- docs/gone.md\n", labels=["runmaestro.ai"])
        registry = tmp_path / "registry.json"
        broken = f"{scenario.OWNER}/broken"
        listed = [{"slug": broken, "isActive": True}, {"slug": scenario.SLUG, "isActive": True}]
        registry.write_text(json.dumps({"repositories": listed}))
        args = ["run", "--pick", "--registry", str(registry), "--agent", "command", "--agent-command", AGENT]
        result = _invoke([*args, "--github-url", sb.api_url, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        f"skipped {broken}#1 (invalid: docs/gone.md is not on the default branch (main); commit it there or fix "
        "the path in the issue [document-missing])"
    ) in result.stderr
    assert f"picked {scenario.SLUG}#{number}, the first available issue of the scan" in result.stderr


def test_agent_output_cannot_issue_workflow_commands() -> None:
    shared = Path(tempfile.mkdtemp(prefix="symphony-test-"))
    os.chmod(shared, 0o711)  # run as root, the agent is the unprivileged symphony-agent: it must reach the script
    script = shared / "agent.py"
    script.write_text(
        "import os, pathlib\n"
        "print('::add-mask::x\\n##[error]fake')\n"
        "doc = pathlib.Path(os.environ['SYMPHONY_DOC'])\n"
        "n = int(os.environ['SYMPHONY_TASK_LINE']) - 1\n"
        "lines = doc.read_text().split('\\n'); lines[n] = lines[n].replace('[ ]', '[x]', 1)\n"
        "doc.write_text('\\n'.join(lines))\n"
        "(doc.parent / 'x.txt').write_text(str(n))\n"
    )
    script.chmod(0o644)
    outputs = []
    try:
        with Sandbox() as sb:
            number, _ = scenario.seed(sb)
            for flag in ("--json", "--dry-run"):
                command = f"{sys.executable} {script}"
                args = ["run", f"{scenario.SLUG}#{number}", "--agent", "command", "--agent-command", command]
                args += [flag, "--github-url", sb.api_url, "--max-tasks", "1"]
                outputs.append(_invoke(args).output)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    for output in outputs:
        for line in output.splitlines():
            assert not line.lstrip().startswith("::") and "##[" not in line
    assert "add-mask::x" in outputs[0], outputs[0][-2000:]  # the agent's text is there, neutralised
