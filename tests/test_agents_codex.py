import json

import pytest

from symphony_bot.agents.base import Outcome
from symphony_bot.agents.codex import CodexAgent
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
def codex(npm_modules, monkeypatch):
    def make(server: ModelServer) -> CodexAgent:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        return CodexAgent(executable=str(npm_modules / ".bin" / "codex"), model="gpt-5.1-codex")

    return make


def test_real_codex_edits_the_file_ticks_the_box_and_reports_usage(codex, tmp_path) -> None:
    with ModelServer(script("exec_command", "cmd", DO_AND_TICK)) as server:
        result, repo = run_task(codex(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert result.text == "Created hello.txt and ticked the box" and result.session_id
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 30, 50)
    # codex prints no price: estimated at GPT-5 list prices, and flagged as an estimate
    assert usage.cost_is_estimate is True
    assert usage.cost_usd == pytest.approx((300 * 1.25 + 30 * 10 + 50 * 0.125) / 1e6)


def test_real_codex_gets_no_credentials(codex, tmp_path, monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with ModelServer(script("exec_command", "cmd", DUMP_ENV)) as server:
        result, repo = run_task(codex(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_no_credentials(repo)


def test_parser_on_captured_output_and_cumulative_totals() -> None:
    agent = CodexAgent(model="gpt-5.1-codex")
    parsed = agent.parse(fixture("codex-success.jsonl"), "", 0)
    assert parsed.success and parsed.text == "Created hello.txt and ticked the box"
    assert (parsed.usage.input_tokens, parsed.usage.cache_read_tokens) == (300, 50)
    # the older event format reports running totals for the session: the last one is the task's usage
    totals_so_far = [
        {"input_tokens": n * 100, "cached_input_tokens": 0, "output_tokens": n * 10, "reasoning_output_tokens": 0}
        for n in (1, 2, 3)
    ]
    older = "\n".join(
        json.dumps({"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": total}}})
        for total in totals_so_far
    )
    totals = agent.parse(older, "", 0)
    assert (totals.usage.input_tokens, totals.usage.output_tokens) == (300, 30)
    failure = '{"type":"turn.failed","error":{"message":"exceeded retry limit, last status: 429"}}'
    failed = agent.parse(failure, "", 1)
    assert not failed.success and failed.rate_limited
