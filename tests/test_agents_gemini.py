import pytest

from symphony_bot.agents.base import Outcome
from symphony_bot.agents.gemini import GeminiAgent
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
def gemini(npm_modules, monkeypatch):
    def make(server: ModelServer) -> GeminiAgent:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        monkeypatch.setenv("GEMINI_API_KEY", "test-key")
        return GeminiAgent(executable=str(npm_modules / ".bin" / "gemini"), model="gemini-2.5-flash")

    return make


def test_real_gemini_edits_the_file_ticks_the_box_and_reports_usage(gemini, tmp_path) -> None:
    with ModelServer(script("run_shell_command", "command", DO_AND_TICK)) as server:
        result, repo = run_task(gemini(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert "Created hello.txt" in result.text and result.session_id
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 30, 50)
    assert usage.cost_is_estimate and usage.cost_usd == pytest.approx((300 * 0.30 + 30 * 2.5 + 50 * 0.075) / 1e6)


def test_real_gemini_gets_no_credentials(gemini, tmp_path, monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with ModelServer(script("run_shell_command", "command", DUMP_ENV)) as server:
        result, repo = run_task(gemini(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_no_credentials(repo)


def test_parser_on_captured_output() -> None:
    parsed = GeminiAgent(model="gemini-2.5-flash").parse(fixture("gemini-success.jsonl"), "", 0)
    assert parsed.success and parsed.session_id
    assert (parsed.usage.input_tokens, parsed.usage.cache_read_tokens, parsed.usage.output_tokens) == (300, 50, 30)
    quota = GeminiAgent().parse('{"type":"result","status":"error"}', "RESOURCE_EXHAUSTED: quota exceeded", 1)
    assert not quota.success and quota.rate_limited
