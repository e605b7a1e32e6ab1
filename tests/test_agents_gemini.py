import json

import pytest

from symphony_bot.agents.base import Outcome, TaskRequest, Usage
from symphony_bot.agents.gemini import GeminiAgent
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.sandbox.model_server import GEMINI, ModelServer, api_error
from tests.agent_cli_helpers import (
    FINAL_TEXT,
    RATE_LIMIT_MESSAGE,
    assert_task_done,
    assert_task_untouched,
    fixture,
    probe_credentials,
    run_task,
    task_script,
)

MODEL = "gemini-2.5-flash"


@pytest.fixture
def gemini(npm_modules, monkeypatch):
    def make(server: ModelServer) -> GeminiAgent:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.url)
        monkeypatch.setenv("GEMINI_API_KEY", "test-key")
        return GeminiAgent(executable=str(npm_modules / ".bin" / "gemini"), model=MODEL)

    return make


def test_real_gemini_edits_the_file_ticks_the_box_and_reports_usage_with_an_estimated_cost(gemini, tmp_path) -> None:
    with ModelServer(task_script()) as server:
        result, repo = run_task(gemini(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert FINAL_TEXT in result.text and result.session_id
    reported = server.reported_usage()
    usage = result.usage
    assert (usage.input_tokens, usage.cache_read_tokens) == (reported.input_tokens, reported.cache_read_tokens)
    assert (usage.output_tokens, usage.reasoning_tokens) == (reported.output_total, reported.reasoning_tokens)
    assert usage.cost_is_estimate
    assert usage.cost_usd == pytest.approx((300 * 0.30 + 35 * 2.5 + 50 * 0.03) / 1e6)
    # one streamed request per model turn, to the model named with -m (no router calls)
    assert [(r.api, r.reply, r.model, r.stream) for r in server.requests] == [
        (GEMINI, "tool:run_shell_command", MODEL, True),
        (GEMINI, "text", MODEL, True),
    ]


def test_real_gemini_quota_is_reported_as_rate_limited(gemini, tmp_path) -> None:
    with ModelServer([api_error(429, RATE_LIMIT_MESSAGE)]) as server:
        result, repo = run_task(gemini(server), tmp_path)
    assert result.outcome is Outcome.RATE_LIMITED, (result.outcome, result.error)
    assert "quota" in (result.error or "")
    assert_task_untouched(repo)


def test_real_gemini_gets_no_credentials(gemini, tmp_path, monkeypatch) -> None:
    probe_credentials(gemini, tmp_path, monkeypatch)


def test_parser_on_captured_output() -> None:
    parsed = GeminiAgent(model=MODEL).parse(fixture("gemini-success.jsonl"), "", 0)
    assert parsed.success and parsed.session_id and FINAL_TEXT in parsed.text
    usage = parsed.usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens, usage.reasoning_tokens) == (
        300,
        50,
        35,
        5,
    )
    assert usage.cost_usd == pytest.approx(estimate_cost(Usage(300, 35, 50), MODEL)) and usage.cost_is_estimate
    limited = GeminiAgent(model=MODEL).parse(fixture("gemini-rate-limit.jsonl"), "", 1)
    assert not limited.success and limited.rate_limited and "daily quota" in (limited.error or "")
    crashed = GeminiAgent().parse("", "TypeError: boom", 1)
    assert not crashed.success and not crashed.rate_limited and "boom" in (crashed.error or "")


def test_invocation_always_names_a_model_and_writes_quiet_settings(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("GOOGLE_GEMINI_BASE_URL", raising=False)
    monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI", raising=False)
    request = TaskRequest("p" * 200_000, tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    request.scratch_dir.mkdir()
    invocation = GeminiAgent().invocation(request)
    assert invocation.argv[invocation.argv.index("-m") + 1] and invocation.stdin == b"p" * 200_000
    assert "--skip-trust" in invocation.argv and "yolo" in invocation.argv
    settings = json.loads((tmp_path / "scratch" / "home" / ".gemini" / "settings.json").read_text())
    assert settings["security"]["auth"]["selectedType"] == "gemini-api-key"
    assert settings["privacy"]["usageStatisticsEnabled"] is False
    # a workspace .env can neither be read nor redirect the key: the endpoint is always set
    assert settings["advanced"]["ignoreLocalEnv"] is True
    assert invocation.env["GOOGLE_GEMINI_BASE_URL"] == "https://generativelanguage.googleapis.com"
