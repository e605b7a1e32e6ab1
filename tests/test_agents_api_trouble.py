"""Telling a refused key and an unreachable API from everything else a CLI prints (issue 10, item 5)."""

import json

from symphony_bot.agents.api_trouble import AUTH, UNREACHABLE, TroubleWatch, classify
from symphony_bot.agents.base import AgentResult, Outcome
from symphony_bot.agents.claude import ClaudeAgent
from symphony_bot.agents.codex import CodexAgent
from symphony_bot.agents.command import CommandAgent
from symphony_bot.agents.gemini import GeminiAgent
from symphony_bot.agents.opencode import OpenCodeAgent
from symphony_bot.autorun.engine import StopReason
from tests.autorun_helpers import run_engine


def retry(status, error="unknown") -> str:
    return json.dumps({"type": "system", "subtype": "api_retry", "attempt": 1, "error_status": status, "error": error})


def test_classify() -> None:
    assert classify("API Error: 401 Invalid API key") == AUTH
    assert classify('{"status":"UNAUTHENTICATED"}') == AUTH
    assert classify("Connection failed: error sending request") == UNREACHABLE
    assert classify("TypeError: fetch failed") == UNREACHABLE
    assert classify("model overloaded (529)") is None and classify(None) is None


def test_each_cli_recognises_only_its_own_notices() -> None:
    claude = ClaudeAgent()
    assert claude.api_trouble(retry(None))[0] == UNREACHABLE
    assert claude.api_trouble(retry(401, "authentication_error"))[0] == AUTH
    assert claude.api_trouble(retry(529)) is None  # an overloaded API is worth the CLI's own retries
    # A tool's output that talks about refused connections is inside a record, never a notice.
    tool_result = {"type": "user", "message": {"content": [{"type": "tool_result", "content": "ECONNREFUSED 401"}]}}
    assert claude.api_trouble(json.dumps(tool_result)) is None
    codex = CodexAgent()
    reconnecting = {"type": "error", "message": "Reconnecting... waiting for network (Connection failed)"}
    assert codex.api_trouble(json.dumps(reconnecting))[0] == UNREACHABLE
    command_output = {"type": "item.completed", "item": {"aggregated_output": "connection refused 401"}}
    assert codex.api_trouble(json.dumps(command_output)) is None
    gemini = GeminiAgent()
    assert gemini.api_trouble("Attempt 1 failed. Retrying with backoff... Error: fetch failed")[0] == UNREACHABLE
    assert gemini.api_trouble("curl: (7) Failed to connect: Connection refused") is None
    opencode = OpenCodeAgent()
    line = 'level=ERROR message="stream error" error.error="AI_RetryError: Unable to connect. ECONNREFUSED"'
    assert opencode.api_trouble(line)[0] == UNREACHABLE
    assert opencode.api_trouble('level=INFO message="tool" output="ECONNREFUSED"') is None
    assert not CommandAgent(["true"]).classifies_errors  # a command's output is whatever it prints


def test_the_watch_needs_three_unreachable_notices_in_a_row_but_one_refused_key() -> None:
    watch = TroubleWatch(ClaudeAgent())
    watch.line(retry(None))
    watch.line(retry(None))
    watch.line('{"type":"assistant"}')  # the API answered after all
    watch.line(retry(None))
    assert watch.found is None
    watch.line(retry(None))
    watch.line(retry(None))
    assert watch.found is not None and watch.found[0] is Outcome.UNREACHABLE and "claude" in watch.found[1]
    refused = TroubleWatch(ClaudeAgent())
    refused.line(retry(401))
    assert refused.found is not None and refused.found[0] is Outcome.AUTH_FAILED


def test_the_engine_stops_the_run_with_agent_unreachable_and_agent_auth(tmp_path) -> None:
    for outcome, code in ((Outcome.UNREACHABLE, "AGENT_UNREACHABLE"), (Outcome.AUTH_FAILED, "AGENT_AUTH")):

        class Troubled:
            name = "troubled"
            calls = 0

            def run(self, request, stop, on_output=None, outcome=outcome):
                Troubled.calls += 1
                return AgentResult(outcome, error="codex: Connection failed: error sending request")

        summary, received, _ = run_engine(tmp_path / code, Troubled(), {"a.md": "- [ ] a\n- [ ] b\n"})
        assert Troubled.calls == 1 and summary.stop_reason is StopReason.AGENT_FAILED
        error = next(e for e in received if e["type"] == "error")
        assert error["code"] == code and "Connection failed" in error["message"]
