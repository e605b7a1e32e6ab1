import json
import sys
import threading

import pytest

from symphony_bot.agents.base import Outcome, TaskRequest
from symphony_bot.agents.command import CommandAgent
from tests.autorun_helpers import ENV_PROBE, script_agent
from tests.test_agents_environment import CREDENTIALS


def request(tmp_path, prompt="do it", task="the task"):
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    return TaskRequest(
        prompt=prompt,
        repo_dir=repo,
        document_path=repo / "doc.md",
        task_text=task,
        task_line=7,
        scratch_dir=tmp_path / "scratch",
    )


def test_probe_agent_receives_no_credential(tmp_path, monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    agent = script_agent(tmp_path, "probe", ENV_PROBE)
    big_prompt = "x" * (300 * 1024)  # past Linux's 128 KiB limit for one argv element
    result = agent.run(request(tmp_path, prompt=big_prompt), threading.Event())
    assert result.outcome is Outcome.OK, result.error
    seen = json.loads((tmp_path / "repo" / "env.json").read_text())
    leaked = sorted(set(CREDENTIALS) & set(seen))
    assert leaked == []
    assert seen["SYMPHONY_TASK"] == "the task" and seen["SYMPHONY_TASK_LINE"] == "7"
    assert seen["SYMPHONY_DOC"].endswith("doc.md") and seen["SYMPHONY_REPO"].endswith("repo")
    assert int((tmp_path / "repo" / "stdin-length").read_text()) == len(big_prompt)
    assert int((tmp_path / "repo" / "file-length").read_text()) == len(big_prompt)


def test_usage_line_is_read_and_removed_from_the_text() -> None:
    agent = CommandAgent("true")
    out = 'Did the thing\nmore\n{"symphony_usage": {"input_tokens": 5, "output_tokens": 2, "cost_usd": 0.25}}\n'
    parsed = agent.parse(out, "", 0)
    assert parsed.success and parsed.text == "Did the thing\nmore"
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens, parsed.usage.cost_usd) == (5, 2, 0.25)
    assert agent.parse('{"symphony_usage": "nonsense"}', "", 0).usage.input_tokens == 0


def test_non_zero_exit_is_a_failure_with_the_reason(tmp_path) -> None:
    agent = CommandAgent(["sh", "-c", "echo partial; echo 'model refused' >&2; exit 3"])
    result = agent.run(request(tmp_path), threading.Event())
    assert result.outcome is Outcome.AGENT_ERROR
    assert result.exit_code == 3
    assert "exited with code 3" in (result.error or "") and "model refused" in (result.error or "")


def test_output_is_streamed_line_by_line(tmp_path) -> None:
    lines: list[str] = []
    CommandAgent(["sh", "-c", "echo one; echo two"]).run(request(tmp_path), threading.Event(), lines.append)
    assert lines == ["one", "two"]


def test_a_task_longer_than_the_kernel_allows_in_one_variable_still_runs(tmp_path) -> None:
    agent = script_agent(tmp_path, "probe", ENV_PROBE)
    huge_task = "t" * (300 * 1024)  # one environment string past 128 KiB would fail exec with E2BIG
    result = agent.run(request(tmp_path, prompt=f"do this: {huge_task}", task=huge_task), threading.Event())
    assert result.outcome is Outcome.OK, result.error
    seen = json.loads((tmp_path / "repo" / "env.json").read_text())
    assert seen["SYMPHONY_TASK"] == huge_task[: len(seen["SYMPHONY_TASK"])] and len(seen["SYMPHONY_TASK"]) == 8192
    assert int((tmp_path / "repo" / "file-length").read_text()) == len(huge_task) + len("do this: ")


def test_usage_line_rejects_nonsense_numbers_and_reads_the_session() -> None:
    agent = CommandAgent("true")
    line = '{"symphony_usage": {"input_tokens": -5, "output_tokens": true, "cost_usd": NaN, "session_id": "abc"}}'
    parsed = agent.parse("done\n" + line, "", 0)
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens, parsed.usage.cost_usd) == (0, 0, 0.0)
    assert parsed.session_id == "abc" and parsed.text == "done"
    assert agent.parse("done\n" + "[" * 100_000, "", 0).text.startswith("done")  # no RecursionError
    assert agent.parse('{"symphony_usage": {"cost_usd": Infinity}}', "", 0).usage.cost_usd == 0.0


def test_model_and_command_string_handling(tmp_path) -> None:
    agent = CommandAgent(f"{sys.executable} -c 'import os; print(os.environ.get(\"SYMPHONY_MODEL\"))'", model="m-1")
    result = agent.run(request(tmp_path), threading.Event())
    assert result.text == "m-1"
    with pytest.raises(ValueError, match="cannot split"):
        CommandAgent("python 'unbalanced")
    with pytest.raises(ValueError, match="needs a command"):
        CommandAgent("   ")


def test_long_replies_keep_their_head() -> None:
    parsed = CommandAgent("true").parse("Summary line\n" + "x" * 50_000, "", 0)
    assert parsed.text.startswith("Summary line") and len(parsed.text) == 20_000
