import pytest

from symphony_bot.agents.base import Outcome
from symphony_bot.agents.opencode import OpenCodeAgent
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
def opencode(npm_modules, monkeypatch):
    def make(server: ModelServer) -> OpenCodeAgent:
        monkeypatch.setenv("OPENCODE_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("OPENCODE_API_KEY", "test-key")
        return OpenCodeAgent(executable=str(npm_modules / ".bin" / "opencode"), model="scripted")

    return make


def test_real_opencode_edits_the_file_ticks_the_box_and_reports_usage(opencode, tmp_path) -> None:
    with ModelServer(script("bash", "command", DO_AND_TICK, {"description": "do the task"})) as server:
        result, repo = run_task(opencode(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert "Created hello.txt" in result.text and result.session_id
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 30, 50)
    # opencode reports cost 0 for a model it has no price for: we estimate and say so
    assert usage.cost_is_estimate and usage.cost_usd == pytest.approx((300 * 3 + 30 * 15 + 50 * 0.3) / 1e6)


def test_real_opencode_gets_no_credentials(opencode, tmp_path, monkeypatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with ModelServer(script("bash", "command", DUMP_ENV, {"description": "env"})) as server:
        result, repo = run_task(opencode(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_no_credentials(repo)


def test_parser_on_captured_output() -> None:
    parsed = OpenCodeAgent(model="scripted").parse(fixture("opencode-success.jsonl"), "", 0)
    assert parsed.success and parsed.session_id and "Created hello.txt" in parsed.text
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens) == (300, 30)
    with_cost = fixture("opencode-success.jsonl").replace('"cost":0', '"cost":0.02')
    priced = OpenCodeAgent().parse(with_cost, "", 0)
    assert priced.usage.cost_usd == pytest.approx(0.04) and not priced.usage.cost_is_estimate
    failed = OpenCodeAgent().parse(
        '{"type":"error","error":{"name":"APIError","data":{"message":"Rate limit exceeded"}}}', "", 1
    )
    assert not failed.success and failed.rate_limited
