"""What the run makes of what the metering proxy saw: a failed model API stops the run with its own outcome and
no task retry; a task priced at a guess says so in its event and in the status comment."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from symphony_bot.agents.base import AgentResult, Outcome, TaskRequest, Usage
from symphony_bot.agents.metering import MeteringProxy
from symphony_bot.agents.metering.wiring import MeteredAgent
from symphony_bot.autorun import events
from symphony_bot.autorun.engine import StopReason
from symphony_bot.contribution.state import ContributionState, DocumentProgress, TaskRow
from symphony_bot.contribution.status_comment import render_comment
from tests.autorun_helpers import run_engine
from tests.metering_helpers import REAL_KEY, RecordingUpstream, Seen, call, send_json

PLAN = "# Plan\n\n- [ ] one\n- [ ] two\n"
STATUSES = (500, 529, 503)


class _CallsTheApi:
    """An agent whose every task sends one model request through the proxy (as a CLI would, without retrying),
    counting its runs."""

    name = "api-caller"

    def __init__(self, proxy: MeteringProxy) -> None:
        self.proxy = proxy
        self.runs = 0

    def run(self, request: TaskRequest, stop: threading.Event, on_output=None) -> AgentResult:
        self.runs += 1
        for _ in STATUSES:
            body = {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
            call(self.proxy.url, "POST", "/v1/messages", body, {"x-api-key": self.proxy.dummy_key})
        return AgentResult(Outcome.AGENT_ERROR, error="the API kept failing")


def test_a_failed_model_api_stops_the_run_as_model_api_failed_without_retrying_the_task(tmp_path) -> None:
    answers = iter(STATUSES)

    def fail(seen: Seen, handler: BaseHTTPRequestHandler) -> None:
        status = next(answers, 500)  # 500, 529, 503, then 500s
        send_json(handler, {"type": "error", "error": {"type": "api_error", "message": "scripted"}}, status)

    with RecordingUpstream(fail) as upstream, MeteringProxy("anthropic", REAL_KEY, upstream.url) as proxy:
        inner = _CallsTheApi(proxy)
        summary, received, _ = run_engine(tmp_path, MeteredAgent(inner, proxy), {"plan.md": PLAN})
    assert summary.stop_reason is StopReason.MODEL_API_FAILED
    assert inner.runs == 1  # no task retry, no second task
    (error,) = [event for event in received if event["type"] == events.ERROR]
    assert error["code"] == events.MODEL_API_FAILED
    assert "the anthropic model API failed" in error["message"] and "500, 529, 503" in error["message"]
    assert "status.anthropic.com" in error["message"]
    complete = received[-1]
    assert complete["stopReason"] == "model_api_failed" and complete["exitCode"] == 1


def test_a_task_priced_at_a_guess_says_which_model_in_its_event_and_the_comment() -> None:
    usage = Usage(
        input_tokens=300, output_tokens=35, cost_usd=0.001, cost_is_estimate=True, unpriced_model="gpt-6.1-sol"
    )
    fields = events.task_complete_fields("plan.md", 0, 3, AgentResult(Outcome.OK, "done", usage=usage), 1)
    assert fields["usageStats"]["unpricedModel"] == "gpt-6.1-sol"
    state = ContributionState("o/r", 1, "t", 0, documents=[DocumentProgress("plan.md", 1, 0)])
    state.tasks = [TaskRow("plan.md", "one", 3)]
    state.apply(events.make_event(events.TASK_COMPLETE, **fields))
    comment = render_comment(state, now_ms=1000)
    assert "no price for the model gpt-6.1-sol" in comment
