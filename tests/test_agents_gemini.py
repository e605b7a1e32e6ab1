import json

import pytest

from symphony_bot.agents.base import TaskRequest, Usage
from symphony_bot.agents.gemini import GeminiAgent
from symphony_bot.agents.pricing import estimate_cost
from tests.agent_cli_helpers import (
    FINAL_TEXT,
    fixture,
)
from tests.agent_cli_specs import GEMINI_CLI

MODEL = GEMINI_CLI.model  # what every CLI does is in tests/test_agents_cli_contract.py


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


GCP = {"GOOGLE_APPLICATION_CREDENTIALS": "/etc/sa.json", "GOOGLE_CLOUD_PROJECT": "project-1"}


@pytest.mark.parametrize(("vertex", "expected"), [(None, {}), ("true", GCP), ("false", {})])
def test_google_cloud_credentials_reach_gemini_only_on_vertex(vertex, expected, tmp_path, monkeypatch) -> None:
    for name, value in GCP.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI", raising=False)
    if vertex:
        monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", vertex)
    request = TaskRequest("x", tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    env = GeminiAgent().invocation(request).env
    assert {name: env[name] for name in GCP if name in env} == expected
