"""`metered_run` + `MeteredAgent`: each real CLI runs behind the proxy from the donor's ordinary environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from symphony_bot.agents.base import Outcome, Usage
from symphony_bot.agents.metering.wiring import (
    BUDGET_STOP,
    MODEL_KEY_VARIABLES,
    MeteredAgent,
    metered_run,
    why_unmetered,
)
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.sandbox.model_server import ModelServer, TurnUsage, api_error, shell, text
from tests.agent_cli_helpers import (
    DO_AND_TICK,
    FINAL_TEXT,
    assert_task_done,
    assert_task_untouched,
    run_task,
    task_script,
)
from tests.metering_helpers import CLIS, PROBE, REAL_KEY, Cli, charged, counted

ROUTE_VARIABLES = ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENCODE_BASE_URL", "GOOGLE_GEMINI_BASE_URL")


@dataclass(frozen=True)
class CliUnderTest:
    name: str
    spec: Cli
    executable: str


@pytest.fixture(params=list(CLIS))
def cli(request, npm_modules) -> CliUnderTest:
    return CliUnderTest(request.param, CLIS[request.param], str(npm_modules / ".bin" / request.param))


@pytest.fixture
def donor(monkeypatch):
    for name in (*MODEL_KEY_VARIABLES, *ROUTE_VARIABLES, "CLAUDE_CODE_USE_BEDROCK", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(name, raising=False)

    def set_env(name: str, url: str) -> None:
        # What a donor sets to use the CLI with an API key (pointed at the scripted server, not the real API).
        for variable, value in CLIS[name].point(url, REAL_KEY).items():
            monkeypatch.setenv(variable, value)

    return set_env


def test_the_cli_reaches_the_loopback_proxy_directly_whatever_the_runners_proxy(monkeypatch) -> None:
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.delenv("no_proxy", raising=False)
    environ = dict(os.environ) | {"ANTHROPIC_API_KEY": REAL_KEY}
    with metered_run("claude", environ=environ) as proxy:
        assert proxy is not None
        assert environ["NO_PROXY"] == "internal.example,127.0.0.1,localhost"
        assert environ["no_proxy"] == "127.0.0.1,localhost"
    assert environ["NO_PROXY"] == "internal.example" and "no_proxy" not in environ


def test_the_environment_points_at_the_proxy_while_it_runs_and_is_restored_after() -> None:
    environ = {"ANTHROPIC_API_KEY": REAL_KEY, "OPENAI_API_KEY": "sk-other", "GOOGLE_API_KEY": "g", "PATH": "/bin"}
    with metered_run("claude", environ=environ) as proxy:
        assert proxy is not None
        loopback = "127.0.0.1,localhost"
        assert environ == {
            "ANTHROPIC_API_KEY": proxy.dummy_key,
            "ANTHROPIC_BASE_URL": proxy.url,
            "PATH": "/bin",
            "NO_PROXY": loopback,
            "no_proxy": loopback,
        }
        assert proxy.upstream.host_header == "api.anthropic.com" and proxy.upstream.scheme == "https"
    assert environ == {
        "ANTHROPIC_API_KEY": REAL_KEY,
        "OPENAI_API_KEY": "sk-other",
        "GOOGLE_API_KEY": "g",
        "PATH": "/bin",
    }


@pytest.mark.parametrize(
    ("agent", "environ", "reason"),
    [
        ("command", {"ANTHROPIC_API_KEY": "k"}, "no base-URL switch"),
        ("claude", {"ANTHROPIC_API_KEY": "k", "CLAUDE_CODE_USE_BEDROCK": "1"}, "CLAUDE_CODE_USE_BEDROCK is set"),
        ("gemini", {"GEMINI_API_KEY": "k", "GOOGLE_GENAI_USE_VERTEXAI": "true"}, "GOOGLE_GENAI_USE_VERTEXAI"),
        ("codex", {}, "no OPENAI_API_KEY or CODEX_API_KEY is set"),
        ("opencode", {"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "a", "MODEL": "anthropic/x"}, "provider 'anthropic'"),
    ],
)
def test_what_cannot_be_metered_keeps_todays_path_and_says_why(agent, environ, reason) -> None:
    model = environ.pop("MODEL", None)
    before = dict(environ)
    unmetered = why_unmetered(agent, environ, model)
    assert unmetered is not None and reason in unmetered.reason
    with metered_run(agent, environ=environ, model=model) as proxy:
        assert proxy is None and environ == before


@pytest.mark.parametrize("model", [None, "gpt-5", "openai/gpt-5", "symphony/scripted"])
def test_opencode_is_metered_on_the_openai_compatible_provider(model) -> None:
    assert why_unmetered("opencode", {"OPENAI_API_KEY": "k"}, model) is None


def test_each_real_cli_runs_behind_the_proxy_from_the_donors_environment(cli, donor, tmp_path) -> None:
    with ModelServer(task_script(PROBE)) as server:
        donor(cli.name, server.url)
        with metered_run(cli.name) as proxy:
            assert proxy is not None and REAL_KEY not in os.environ.values()
            agent = MeteredAgent(cli.spec.make(executable=cli.executable, model=cli.spec.model), proxy)
            result, repo = run_task(agent, tmp_path)
        assert REAL_KEY in os.environ.values()  # restored
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert FINAL_TEXT in result.text
    assert counted(result.usage) == charged(cli.spec, server.reported_usage())
    assert result.usage.cost_is_estimate and result.usage.cost_usd > 0
    seen = (repo / "env.txt").read_text()
    assert proxy.dummy_key in seen and REAL_KEY not in seen


def test_a_budget_stop_is_named_in_the_result(donor, npm_modules, tmp_path) -> None:
    name, executable = "claude", str(npm_modules / ".bin" / "claude")
    expensive = TurnUsage(input_tokens=100_000, output_tokens=10)
    with ModelServer([shell("true", expensive), shell(DO_AND_TICK), text(FINAL_TEXT)]) as server:
        donor(name, server.url)
        with metered_run(name, max_cost_usd=0.01) as proxy:
            assert proxy is not None
            agent = MeteredAgent(CLIS[name].make(executable=executable, model=CLIS[name].model), proxy)
            result, repo = run_task(agent, tmp_path)
    assert result.outcome is Outcome.AGENT_ERROR and BUDGET_STOP in (result.error or "")
    assert_task_untouched(repo)
    assert result.usage.cost_usd > 0.01


REFUSED_KEY_MESSAGE = "Invalid API key: the donor's key was refused"


def test_an_unreachable_api_behind_the_proxy_still_stops_fast_in_the_clis_words(cli, donor, tmp_path) -> None:
    with ModelServer([text("never asked")]) as server:
        url = server.url
    donor(cli.name, url)  # the server is closed now: its port refuses connections
    with metered_run(cli.name) as proxy:
        assert proxy is not None
        agent = MeteredAgent(cli.spec.make(executable=cli.executable, model=cli.spec.model), proxy)
        result, repo = run_task(agent, tmp_path)
    assert result.outcome is Outcome.UNREACHABLE, (result.outcome, result.error)
    assert_task_untouched(repo)


def test_a_key_the_api_refuses_behind_the_proxy_still_stops_at_once(cli, donor, tmp_path) -> None:
    with ModelServer([api_error(401, REFUSED_KEY_MESSAGE)]) as server:
        donor(cli.name, server.url)
        with metered_run(cli.name) as proxy:
            assert proxy is not None
            agent = MeteredAgent(cli.spec.make(executable=cli.executable, model=cli.spec.model), proxy)
            result, repo = run_task(agent, tmp_path)
    assert result.outcome is Outcome.AUTH_FAILED, (result.outcome, result.error)
    assert REFUSED_KEY_MESSAGE in (result.error or "")
    assert_task_untouched(repo)


def test_on_its_defaults_each_cli_is_priced_at_the_model_that_answered(cli, donor, tmp_path) -> None:
    """No --model: the proxy prices the model named in the API's own response, whatever the CLI printed."""
    contract = cli.spec.spec  # the adapter contract's facts about the CLI's defaults
    with ModelServer(task_script()) as server:
        donor(cli.name, server.url)
        with metered_run(cli.name) as proxy:
            assert proxy is not None
            result, repo = run_task(MeteredAgent(cli.spec.make(executable=cli.executable, model=None), proxy), tmp_path)
    if contract.default_model is None:  # opencode against an OpenAI-compatible endpoint: no default to know
        assert result.outcome is Outcome.NOT_FOUND and server.requests == []
        return
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 35, 50)
    assert usage.cost_usd == pytest.approx(estimate_cost(Usage(300, 35, 50), contract.default_model))
    assert usage.unpriced_model == (None if contract.default_priced else contract.default_model)
