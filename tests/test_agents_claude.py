import pytest

from symphony_bot.agents import claude as claude_module
from symphony_bot.agents.base import Outcome, TaskRequest
from symphony_bot.agents.claude import ClaudeAgent
from symphony_bot.sandbox.model_server import ModelServer, api_error, text
from tests.agent_cli_helpers import (
    FINAL_TEXT,
    assert_task_untouched,
    fixture,
    run_task,
    task_script,
)
from tests.agent_cli_specs import CLAUDE

MODEL = CLAUDE.model


@pytest.fixture
def claude(npm_modules, monkeypatch):
    """What every CLI does is in tests/test_agents_cli_contract.py; these are claude's own cases."""
    return lambda server: CLAUDE.make(npm_modules, monkeypatch, server)


def test_real_claude_server_error_is_a_failure(claude, tmp_path) -> None:
    with ModelServer([api_error(500, "internal failure in the scripted model")]) as server:
        result, repo = run_task(claude(server), tmp_path)
    assert result.outcome is Outcome.AGENT_ERROR, (result.outcome, result.error)
    assert_task_untouched(repo)


def test_real_claude_permission_denial_is_a_failure_that_names_the_call(claude, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(claude_module, "ALLOWED_TOOLS", "Read")
    with ModelServer(task_script()) as server:
        result, repo = run_task(claude(server), tmp_path)
    assert result.outcome is Outcome.AGENT_ERROR
    assert "refused 1 tool call" in (result.error or "") and "Bash(" in (result.error or "")
    assert_task_untouched(repo)


def test_parser_on_captured_success() -> None:
    parsed = ClaudeAgent().parse(fixture("claude-success.jsonl"), "", 0)
    assert parsed.success and parsed.session_id and parsed.text == FINAL_TEXT
    assert (parsed.usage.input_tokens, parsed.usage.output_tokens, parsed.usage.cache_read_tokens) == (300, 35, 50)
    assert parsed.usage.cost_usd == pytest.approx(0.00144) and not parsed.usage.cost_is_estimate


def test_parser_on_captured_failures() -> None:
    agent = ClaudeAgent()
    limited = agent.parse(fixture("claude-rate-limit.jsonl"), "", 1)
    assert not limited.success and limited.rate_limited
    failed = agent.parse(fixture("claude-api-error.jsonl"), "", 1)
    assert not failed.success and not failed.rate_limited and failed.error
    denied = agent.parse(fixture("claude-permission-denied.jsonl"), "", 0)
    assert not denied.success and "Bash(" in (denied.error or "")


@pytest.mark.parametrize(
    "notice", ["You've hit your usage limit · resets 5pm", "Claude AI usage limit reached|1767225600"]
)
def test_plan_limit_notice_in_a_successful_result_is_rate_limited(notice) -> None:
    output = fixture("claude-success.jsonl").replace(FINAL_TEXT, notice)
    parsed = ClaudeAgent().parse(output, "", 0)
    assert not parsed.success and parsed.rate_limited


def test_a_result_that_merely_mentions_rate_limits_is_a_success() -> None:
    output = fixture("claude-success.jsonl").replace(FINAL_TEXT, "Added a rate limit to the API client (429 retry)")
    assert ClaudeAgent().parse(output, "", 0).success


def test_no_result_line_is_a_failure() -> None:
    parsed = ClaudeAgent().parse('{"type":"system","subtype":"init","session_id":"s"}\nnot json\n', "boom", 1)
    assert not parsed.success and parsed.session_id == "s" and "boom" in (parsed.error or "")


def test_invocation_passes_the_prompt_on_stdin_and_grants_tools_without_skipping_permissions(tmp_path) -> None:
    from symphony_bot.agents.base import TaskRequest

    request = TaskRequest("x" * 300_000, tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    request.scratch_dir.mkdir()
    invocation = ClaudeAgent().invocation(request)
    assert invocation.stdin == b"x" * 300_000 and all(len(arg) < 1000 for arg in invocation.argv)
    assert "--allowedTools" in invocation.argv and "--dangerously-skip-permissions" not in invocation.argv
    assert invocation.env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert invocation.env["HOME"].startswith(str(tmp_path / "scratch"))


def test_real_claude_under_the_engine_does_a_whole_document(claude, tmp_path) -> None:
    """Each task is a fresh claude process and a fresh conversation, so the same script plays once per task."""
    from symphony_bot.sandbox.model_server import shell
    from tests.agent_cli_helpers import FINAL_TURN_USAGE, TOOL_TURN_USAGE
    from tests.autorun_helpers import run_engine

    tick_first_box = "sed -i '0,/- \\[ \\]/s//- [x]/' plan.md"
    with ModelServer([shell(tick_first_box, TOOL_TURN_USAGE), text(FINAL_TEXT, FINAL_TURN_USAGE)]) as server:
        summary, events, repo = run_engine(tmp_path, claude(server), {"plan.md": "- [ ] first\n- [ ] second\n"})
    assert summary.success and summary.tasks_completed == 2, summary
    assert (repo / "plan.md").read_text() == "- [x] first\n- [x] second\n"
    completed = [e for e in events if e["type"] == "task_complete"]
    assert [e["success"] for e in completed] == [True, True]
    assert len({e["agentSessionId"] for e in completed}) == 2  # a fresh session per task
    assert summary.usage.input_tokens == 2 * 300 and summary.usage.cost_usd == pytest.approx(2 * 0.00144)
    assert len(server.conversation()) == 4


AWS = {"AWS_ACCESS_KEY_ID": "AKIA-example", "AWS_SECRET_ACCESS_KEY": "aws-secret", "AWS_SESSION_TOKEN": "aws-token"}
GCP = {"GOOGLE_APPLICATION_CREDENTIALS": "/etc/sa.json", "GOOGLE_CLOUD_PROJECT": "project-1"}


@pytest.mark.parametrize(
    ("switch", "expected"),
    [(None, {}), ("CLAUDE_CODE_USE_BEDROCK", AWS), ("CLAUDE_CODE_USE_VERTEX", GCP), ("CLAUDE_CODE_USE_BEDROCK=0", {})],
)
def test_cloud_credentials_reach_claude_only_on_their_route(switch, expected, tmp_path, monkeypatch) -> None:
    for name, value in {**AWS, **GCP}.items():
        monkeypatch.setenv(name, value)
    for name in ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX"):
        monkeypatch.delenv(name, raising=False)
    if switch:
        name, _, value = switch.partition("=")
        monkeypatch.setenv(name, value or "1")
    request = TaskRequest("x", tmp_path, tmp_path / "d.md", "t", 1, tmp_path / "scratch")
    env = ClaudeAgent().invocation(request).env
    assert {name: env[name] for name in {**AWS, **GCP} if name in env} == expected
