import pytest

from symphony_bot.agents.base import Outcome
from symphony_bot.agents.claude import ClaudeAgent
from symphony_bot.sandbox.model_server import ModelServer
from tests.agent_cli_helpers import (
    CREDENTIALS,
    DO_AND_TICK,
    DUMP_ENV,
    assert_no_credentials,
    assert_task_done,
    fixture,
    run_task,
    script,
)


@pytest.fixture
def claude(npm_modules, monkeypatch):
    def make(server: ModelServer) -> ClaudeAgent:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("CLAUDE_CODE_MAX_RETRIES", "0")
        return ClaudeAgent(executable=str(npm_modules / ".bin" / "claude"), model="claude-sonnet-4-5")

    return make


def test_real_claude_edits_the_file_ticks_the_box_and_reports_usage(claude, tmp_path) -> None:
    with ModelServer(script("Bash", "command", DO_AND_TICK, {"description": "do the task"})) as server:
        result, repo = run_task(claude(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert result.text == "Created hello.txt and ticked the box"
    assert result.session_id
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 30, 50)
    # the CLI's own figure at Sonnet prices: (300 * 3 + 30 * 15 + 50 * 0.3) / 1e6
    assert usage.cost_usd == pytest.approx(0.001365)
    assert usage.cost_is_estimate is False
    assert [r.api for r in server.requests] == ["anthropic", "anthropic"]


def test_real_claude_rate_limit_is_a_failure(claude, tmp_path) -> None:
    with ModelServer([{"error": {"status": 429, "message": "Rate limited: too many requests"}}]) as server:
        result, repo = run_task(claude(server), tmp_path)
    assert result.outcome is Outcome.RATE_LIMITED, (result.outcome, result.error)
    assert "hello.txt" not in {p.name for p in repo.iterdir()}


def test_real_claude_gets_no_credentials(claude, tmp_path, monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with ModelServer(script("Bash", "command", DUMP_ENV, {"description": "env"})) as server:
        result, repo = run_task(claude(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_no_credentials(repo)


def test_parser_on_captured_output() -> None:
    agent = ClaudeAgent()
    parsed = agent.parse(fixture("claude-success.jsonl"), "", 0)
    assert parsed.success and parsed.session_id and parsed.text == "Created hello.txt and ticked the box"
    assert parsed.usage.cost_usd == pytest.approx(0.001365)
    failed = agent.parse(fixture("claude-api-error.jsonl"), "", 1)
    assert not failed.success and failed.error
    quota = agent.parse(
        fixture("claude-success.jsonl").replace(
            "Created hello.txt and ticked the box", "You've hit your usage limit · resets 5pm"
        ),
        "",
        0,
    )
    assert not quota.success and quota.rate_limited
    assert not agent.parse("", "boom", 1).success
