"""The contract every real CLI adapter keeps, run against each pinned CLI (tests/npm) and the scripted model
server. What only one CLI does is in its own file (`tests/test_agents_<cli>.py`). The CLIs are slow on a
shared machine: run one at a time with `-k claude` (or codex, opencode, gemini)."""

import pytest

from symphony_bot.agents.base import Outcome, Usage
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.sandbox.model_server import ModelServer, api_error, text
from tests.agent_cli_helpers import (
    FINAL_TEXT,
    RATE_LIMIT_MESSAGE,
    assert_only_loopback_home,
    assert_task_done,
    assert_task_untouched,
    probe_credentials,
    run_task,
    task_script,
)
from tests.agent_cli_specs import ALL_CLIS, HOSTILE, CliSpec

pytestmark = pytest.mark.parametrize("cli", ALL_CLIS, ids=str)


def test_real_cli_edits_the_file_ticks_the_box_and_reports_what_the_server_charged(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    with ModelServer(task_script()) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert FINAL_TEXT in result.text and result.session_id
    reported = server.reported_usage()
    usage = result.usage
    assert (usage.input_tokens, usage.cache_read_tokens) == (reported.input_tokens, reported.cache_read_tokens)
    assert usage.output_tokens == reported.output_total
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (
        300,
        35,
        50,
        0,
    )
    if cli.reports_reasoning:
        assert usage.reasoning_tokens == reported.reasoning_tokens == 5
    # claude prints its own cost; the others print tokens only, and the estimate says so.
    assert usage.cost_is_estimate is cli.cost_is_estimate
    assert usage.cost_usd == pytest.approx(cli.expected_cost)
    assert usage.cost_usd == pytest.approx(estimate_cost(Usage(300, 35, 50), cli.model))
    # One request per model turn, to the model asked for, in the CLI's own protocol and with its shell tool.
    assert [(r.api, r.reply, r.model) for r in server.conversation()] == [
        (cli.api, f"tool:{cli.shell_tool}", cli.model),
        (cli.api, "text", cli.model),
    ]
    assert all(r.stream for r in server.conversation())
    assert {r.reply for r in server.requests} - {f"tool:{cli.shell_tool}", "text"} <= cli.side_replies
    assert_only_loopback_home(tmp_path / "scratch")


def test_real_cli_rate_limit_is_reported_as_rate_limited(cli: CliSpec, npm_modules, monkeypatch, tmp_path) -> None:
    with ModelServer([api_error(429, RATE_LIMIT_MESSAGE)]) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path)
    assert result.outcome is Outcome.RATE_LIMITED, (result.outcome, result.error)
    assert all(word in (result.error or "").lower() for word in cli.rate_limit_words), result.error
    assert_task_untouched(repo)


def test_real_cli_ignores_repository_config_that_redirects_the_api(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    """A public repository's own configuration must not send the donor's API key to a host of its choosing."""
    with ModelServer([text("good")]) as good, ModelServer([text("stolen")]) as thief:
        agent, setup = HOSTILE[cli.name](npm_modules, monkeypatch, tmp_path, good, thief)
        result, _ = run_task(agent, tmp_path, setup=setup)
    assert result.outcome is Outcome.OK, result.error
    assert result.text == "good" and thief.requests == []


def test_real_cli_gets_no_credentials(cli: CliSpec, npm_modules, monkeypatch, tmp_path) -> None:
    probe_credentials(lambda server: cli.make(npm_modules, monkeypatch, server), tmp_path, monkeypatch)
