import json

import pytest

from symphony_bot.agents import landlock
from symphony_bot.agents.base import AgentSetupError, Outcome, TaskRequest
from symphony_bot.agents.opencode import OpenCodeAgent
from symphony_bot.sandbox.model_server import CHAT, ModelServer, api_error
from tests.agent_cli_helpers import (
    FINAL_TEXT,
    assert_only_loopback_home,
    assert_task_done,
    assert_task_untouched,
    fixture,
    run_task,
    task_script,
)
from tests.agent_cli_specs import OPENCODE, donor_config
from tests.landlock_cli_helpers import CONFINED, probe_under_landlock

MODEL = OPENCODE.model
# USD per million tokens, as opencode's config spells a model's price.
PROJECT_PRICES = {"input": 2.0, "output": 8.0, "cache_read": 0.5, "cache_write": 2.5}


@pytest.fixture
def opencode(npm_modules, monkeypatch):
    """What every CLI does (an unpriced model gets our estimate, included) is in
    tests/test_agents_cli_contract.py; these are opencode's own cases."""
    return lambda server: OPENCODE.make(npm_modules, monkeypatch, server)


def test_real_opencode_edits_the_file_ticks_the_box_and_reports_usage_and_its_own_cost(
    opencode, tmp_path, monkeypatch
) -> None:
    # The donor's config gives the scripted model a price, so opencode computes the cost itself.
    priced = {"symphony": {"models": {MODEL: {"cost": PROJECT_PRICES}}}}
    monkeypatch.setenv("OPENCODE_CONFIG", donor_config(tmp_path, priced))
    with ModelServer(task_script()) as server:
        result, repo = run_task(opencode(server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert result.text == FINAL_TEXT and result.session_id
    reported = server.reported_usage()
    usage = result.usage
    assert (usage.input_tokens, usage.cache_read_tokens) == (reported.input_tokens, reported.cache_read_tokens)
    assert (usage.output_tokens, usage.reasoning_tokens) == (reported.output_total, reported.reasoning_tokens)
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 35, 50)
    # opencode's own figure (not an estimate of ours)
    assert usage.cost_is_estimate is False
    assert usage.cost_usd == pytest.approx((300 * 2.0 + 35 * 8.0 + 50 * 0.5) / 1e6)
    assert [(r.api, r.reply) for r in server.conversation()] == [(CHAT, "tool:bash"), (CHAT, "text")]
    # opencode's side request (the session title) offers no tools and is answered outside the script
    assert {r.reply for r in server.requests} - {"tool:bash", "text"} <= {"side"}
    assert_only_loopback_home(tmp_path / "scratch")


# A 401 whose message names no key (an organisation or project refused): still a refused credential.
REFUSED_WITHOUT_KEY_WORDS = "Request not allowed for this organization"


def test_real_opencode_reads_a_401_that_names_no_key_as_a_refused_key(opencode, tmp_path) -> None:
    with ModelServer([api_error(401, REFUSED_WITHOUT_KEY_WORDS)]) as server:
        result, repo = run_task(opencode(server), tmp_path)
    assert result.outcome is Outcome.AUTH_FAILED, (result.outcome, result.error)
    assert "401" in (result.error or "") and REFUSED_WITHOUT_KEY_WORDS in (result.error or "")
    assert_task_untouched(repo)


def test_parser_on_captured_output() -> None:
    parsed = OpenCodeAgent(model=MODEL).parse(fixture("opencode-success.jsonl"), "", 0)
    assert parsed.success and parsed.session_id and parsed.text == FINAL_TEXT
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens, parsed.usage.reasoning_tokens) == (300, 35, 5)
    with_cost = fixture("opencode-success.jsonl").replace('"cost":0', '"cost":0.02')
    priced = OpenCodeAgent().parse(with_cost, "", 0)
    assert priced.usage.cost_usd == pytest.approx(0.04) and not priced.usage.cost_is_estimate
    limited = OpenCodeAgent().parse(fixture("opencode-rate-limit.jsonl"), "", 1)
    assert not limited.success and limited.rate_limited and "Rate limit" in (limited.error or "")


def test_invocation_keeps_opencode_offline_and_allows_tools(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENCODE_BASE_URL", "http://127.0.0.1:9/v1")
    request = TaskRequest("p" * 200_000, tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    request.scratch_dir.mkdir()
    invocation = OpenCodeAgent(model=MODEL).invocation(request)
    # Its own errors go to stderr, where an unreachable endpoint is seen (fail fast, not after 15 minutes).
    assert invocation.argv[1:] == ["run", "--format", "json", "--print-logs", "--log-level", "ERROR"]
    assert invocation.stdin == b"p" * 200_000
    config = json.loads(invocation.env["OPENCODE_CONFIG_CONTENT"])
    assert config["permission"]["*"] == "allow" and config["model"] == "symphony/scripted"
    assert invocation.env["npm_config_offline"] == "true"


def test_with_a_base_url_and_no_model_the_adapter_refuses_with_the_fix(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENCODE_BASE_URL", "http://127.0.0.1:9/v1")
    request = TaskRequest("p", tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    with pytest.raises(AgentSetupError, match="--model"):
        OpenCodeAgent().invocation(request)


@pytest.mark.skipif(landlock.abi() < landlock.NET_ABI, reason="needs Landlock ABI 4 (Linux 6.7)")
def test_real_opencode_runs_under_the_bots_landlock_rules(opencode) -> None:
    """Its shell tool may not write or read outside the tree, nor connect to any port but the model URL's."""
    result, seen, reached = probe_under_landlock(opencode)
    assert result.outcome is Outcome.OK, result.error
    assert seen == CONFINED
    assert not reached  # the listener on the other port saw nothing
