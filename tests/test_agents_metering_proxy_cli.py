"""Each real agent CLI (pinned in tests/npm) pointed at the metering proxy, in front of the scripted model server.

The CLI gets only the proxy's URL and its per-run dummy credential, through the same switches the adapter
tests use; the real key lives in the proxy alone. Run one CLI at a time: they are slow on a shared machine.
"""

from __future__ import annotations

import time

import pytest

from symphony_bot.agents.base import Agent, Outcome
from symphony_bot.agents.metering import MeteringProxy
from symphony_bot.sandbox.model_server import ModelServer, shell, text
from tests.agent_cli_helpers import (
    DO_AND_TICK,
    FINAL_TEXT,
    START_UP_FACTOR,
    assert_task_done,
    assert_task_untouched,
    cli_start_up_s,
    run_task,
    task_script,
)
from tests.metering_helpers import BUDGET_USD, CLIS, EXPENSIVE, MAX_SECONDS, PROBE, REAL_KEY, charged, counted


def bound_s(agent) -> float:
    """MAX_SECONDS on a quiet machine, plus the CLI's start-up as measured on this one now (a loaded machine
    made gemini take 50 s to meet one refusal): retrying a refusal for minutes still fails."""
    return MAX_SECONDS + START_UP_FACTOR * cli_start_up_s(agent)


@pytest.fixture(params=list(CLIS))
def cli(request, npm_modules, monkeypatch):
    spec = CLIS[request.param]
    # Nothing of a donor's own configuration may leak in from the machine running the tests.
    for variables in (spec.point("", "") for spec in CLIS.values()):
        for name in variables:
            monkeypatch.delenv(name, raising=False)

    def make(proxy: MeteringProxy, key: str | None = None, model: str | None = None) -> Agent:
        for name, value in spec.point(proxy.url, proxy.dummy_key if key is None else key).items():
            monkeypatch.setenv(name, value)
        executable = str(npm_modules / ".bin" / request.param)
        return spec.make(executable=executable, model=model or spec.model)

    make.spec = spec  # type: ignore[attr-defined]
    make.name = request.param  # type: ignore[attr-defined]
    return make


def test_the_task_is_done_through_the_proxy_which_counts_what_the_server_charged(cli, tmp_path) -> None:
    spec = cli.spec
    with ModelServer(task_script(PROBE)) as server, MeteringProxy(spec.api, REAL_KEY, server.url) as proxy:
        result, repo = run_task(cli(proxy), tmp_path)
        taken = proxy.take_usage()
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert FINAL_TEXT in result.text
    reported = server.reported_usage()
    assert counted(taken.usage) == charged(spec, reported) and reported.output_total == 35
    # every model request went through the proxy (side requests such as a session title included)
    assert taken.requests == len([r for r in server.requests if r.api is not None]) >= 2
    assert taken.usage.cost_usd > 0 and taken.budget_refusals == 0
    assert list(proxy.refused) == []  # the endpoint allow-list let through everything the CLI asked for
    seen = (repo / "env.txt").read_text()
    assert "PATH=" in seen and proxy.dummy_key in seen  # the probe ran, with the CLI's own environment
    assert REAL_KEY not in seen


def test_a_wrong_dummy_key_is_refused_and_the_model_never_asked(cli, tmp_path) -> None:
    with ModelServer(task_script()) as server, MeteringProxy(cli.spec.api, REAL_KEY, server.url) as proxy:
        started = time.monotonic()
        agent = cli(proxy, key="symphony-proxy-not-this-run")
        result, repo = run_task(agent, tmp_path)
        taken = proxy.take_usage()
    assert result.outcome is not Outcome.OK
    assert time.monotonic() - started < bound_s(agent)
    assert_task_untouched(repo)
    assert server.requests == [] and taken.requests == 0


def test_max_cost_spent_mid_task_stops_the_task_at_the_proxy(cli, tmp_path) -> None:
    script = [shell("echo started > started.txt", EXPENSIVE), shell(DO_AND_TICK), text(FINAL_TEXT)]
    with (
        ModelServer(script) as server,
        MeteringProxy(cli.spec.api, REAL_KEY, server.url, max_cost_usd=BUDGET_USD) as proxy,
    ):
        started = time.monotonic()
        agent = cli(proxy, model=cli.spec.priced_model)
        result, repo = run_task(agent, tmp_path)
        taken = proxy.take_usage()
    elapsed = time.monotonic() - started
    assert (repo / "started.txt").exists()  # the first (expensive) turn ran its tool
    assert_task_untouched(repo)  # the second turn, which would have done the task, was refused
    assert result.outcome is Outcome.AGENT_ERROR, result  # not a rate limit: nothing to wait for
    assert "--max-cost 0.01" in (result.error or ""), result.error  # the proxy's words reach the user
    assert proxy.budget_exhausted and taken.budget_refusals == 1  # refused once: no CLI retries it
    assert [r.turn for r in server.conversation()] == [0]
    assert taken.usage.cost_usd > BUDGET_USD
    assert elapsed < bound_s(agent), f"{cli.name} kept retrying the refusal for {elapsed:.0f} s"
    print(f"{cli.name}: {taken.budget_refusals} refusal(s), {elapsed:.1f} s, {result.outcome}: {result.error}")


def test_with_a_budget_an_unpriced_model_is_refused_before_the_server_sees_it(cli, tmp_path) -> None:
    """The agent could pick a model whose price is only guessed; the CLI meets a final refusal that names it."""
    model = cli.spec.unpriced_model
    with (
        ModelServer(task_script()) as server,
        MeteringProxy(cli.spec.api, REAL_KEY, server.url, max_cost_usd=BUDGET_USD) as proxy,
    ):
        started = time.monotonic()
        agent = cli(proxy, model=model)
        result, repo = run_task(agent, tmp_path)
        taken = proxy.take_usage()
    elapsed = time.monotonic() - started
    assert result.outcome is Outcome.AGENT_ERROR, result
    assert f"model {model} has no known price" in (result.error or ""), result.error
    assert_task_untouched(repo)
    assert [r for r in server.requests if r.api is not None] == []  # no model request reached the server
    assert taken.budget_refusals >= 1 and taken.usage.unpriced_model == model and taken.requests == 0
    assert elapsed < bound_s(agent), f"{cli.name} kept retrying the refusal for {elapsed:.0f} s"
