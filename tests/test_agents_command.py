import json
import threading

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
