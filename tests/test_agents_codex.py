import pytest

from symphony_bot.agents import landlock
from symphony_bot.agents.base import Outcome, TaskRequest, Usage
from symphony_bot.agents.codex import CodexAgent, codex_config, sandbox_mode
from symphony_bot.agents.pricing import estimate_cost
from tests.agent_cli_helpers import (
    FINAL_TEXT,
    fixture,
)
from tests.agent_cli_specs import CODEX
from tests.landlock_cli_helpers import CONFINED, probe_under_landlock

MODEL = CODEX.model  # what every CLI does is in tests/test_agents_cli_contract.py


def test_parser_on_captured_success() -> None:
    parsed = CodexAgent(model=MODEL).parse(fixture("codex-success.jsonl"), "", 0)
    assert parsed.success and parsed.text == FINAL_TEXT and parsed.session_id
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens, parsed.usage.cache_read_tokens) == (300, 35, 50)
    assert parsed.usage.cost_is_estimate


def test_running_totals_of_a_resumed_thread_become_per_task_usage() -> None:
    """Captured from real runs: `codex exec` then `codex exec resume <thread>` with one more scripted turn.

    The resumed run's turn.completed reports the whole thread (first run + this one); the task's usage is the
    difference. Maestro sums every usage event and would count the first run twice."""
    first, resumed = fixture("codex-success.jsonl"), fixture("codex-resume-cumulative.jsonl")
    agent = CodexAgent(model=MODEL)
    assert agent.parse(first, "", 0).usage.input_tokens == 300
    task = agent.parse(resumed, "", 0).usage
    assert (task.input_tokens, task.output_tokens, task.cache_read_tokens) == (200, 25, 50)
    # A fresh adapter has no baseline: the thread's totals, never the sum of both lines.
    both = CodexAgent(model=MODEL).parse(first + resumed, "", 0).usage
    assert (both.input_tokens, both.output_tokens) == (500, 60)


def test_parser_on_captured_rate_limit() -> None:
    parsed = CodexAgent(model=MODEL).parse(fixture("codex-rate-limit.jsonl"), "", 1)
    assert not parsed.success and parsed.rate_limited and parsed.error


def test_warning_items_are_not_failures_but_turn_failed_is() -> None:
    agent = CodexAgent(model=MODEL)
    warning = '{"type":"item.completed","item":{"id":"i","type":"error","message":"Model metadata not found"}}'
    assert agent.parse(warning + "\n" + '{"type":"turn.completed","usage":{}}', "", 0).success
    failed = agent.parse('{"type":"turn.failed","error":{"message":"stream disconnected"}}', "", 1)
    assert not failed.success and not failed.rate_limited and "stream disconnected" in (failed.error or "")


def test_config_points_codex_at_the_base_url_and_keeps_it_quiet(tmp_path) -> None:
    config = codex_config(MODEL, "http://127.0.0.1:9/v1/")
    assert 'base_url = "http://127.0.0.1:9/v1"' in config and 'model_provider = "symphony"' in config
    assert "check_for_update_on_startup = false" in config and "plugins = false" in config
    assert "model_provider" not in codex_config(None, None)
    request = TaskRequest("p" * 200_000, tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    request.scratch_dir.mkdir()
    invocation = CodexAgent().invocation(request)
    assert invocation.argv[-1] == "-" and invocation.stdin == b"p" * 200_000
    assert invocation.env["CODEX_HOME"] == str(tmp_path / "scratch" / "codex-home")


def test_estimate_matches_the_price_table() -> None:
    parsed = CodexAgent(model=MODEL).parse(fixture("codex-success.jsonl"), "", 0)
    assert parsed.usage.cost_usd == pytest.approx(estimate_cost(Usage(300, 35, 50), MODEL))


@pytest.mark.skipif(landlock.abi() < landlock.NET_ABI, reason="needs Landlock ABI 4 (Linux 6.7)")
def test_real_codex_runs_under_the_bots_landlock_rules(npm_modules, monkeypatch) -> None:
    """codex's own sandbox is off (bubblewrap cannot mount under Landlock): ours confines its tools, so a write
    or read outside the tree and a connection to any port but the model URL's are refused."""
    result, seen, reached = probe_under_landlock(lambda server: CODEX.make(npm_modules, monkeypatch, server))
    assert result.outcome is Outcome.OK, result.error
    assert seen == CONFINED
    assert not reached  # the listener on the other port saw nothing


def test_codex_keeps_its_own_sandbox_only_where_landlock_cannot_confine_it(monkeypatch) -> None:
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    assert sandbox_mode() == "workspace-write"
    monkeypatch.setattr(landlock, "abi", lambda: 7)
    assert sandbox_mode() == "danger-full-access"
