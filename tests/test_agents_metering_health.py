"""The proxy says what the model API did: repeated server errors or a stall mean the API has failed for this run,
and every later model request is refused at once in the provider's own final shape."""

from __future__ import annotations

import http.client

import pytest

from symphony_bot.agents.metering import MeteringProxy
from symphony_bot.agents.metering.health import MAX_FAILURES_IN_A_ROW, STALL_S
from symphony_bot.sandbox.model_server import ModelServer, Turn, TurnUsage, api_error, text
from tests.metering_helpers import REAL_KEY, Reply, call

BODY = {"model": "claude-haiku-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
SHORT_STALL_S = 0.5  # the test's own limit (the default, STALL_S, is minutes)


def _ask(proxy: MeteringProxy, stream: bool = False) -> Reply:
    return call(proxy.url, "POST", "/v1/messages", {**BODY, "stream": stream}, {"x-api-key": proxy.dummy_key})


@pytest.mark.parametrize("status", [500, 503, 529])
def test_server_errors_in_a_row_mean_the_api_has_failed(status: int) -> None:
    with (
        ModelServer([api_error(status, "scripted failure", retry=True)]) as server,
        MeteringProxy("anthropic", REAL_KEY, server.url) as proxy,
    ):
        replies = [_ask(proxy) for _ in range(MAX_FAILURES_IN_A_ROW + 2)]
    assert [reply.status for reply in replies[:MAX_FAILURES_IN_A_ROW]] == [status] * MAX_FAILURES_IN_A_ROW
    refused = replies[MAX_FAILURES_IN_A_ROW:]
    assert all(reply.status == 400 and reply.headers["x-should-retry"] == "false" for reply in refused)
    assert len([r for r in server.requests if r.api]) == MAX_FAILURES_IN_A_ROW  # nothing more reached the API
    failure = proxy.api_failure or ""
    assert f"the anthropic model API failed: {MAX_FAILURES_IN_A_ROW} answers in a row" in failure
    assert str(status) in failure and failure in refused[0].json()["error"]["message"]


def test_a_success_between_failures_keeps_the_api_alive() -> None:
    pattern = [500] * (MAX_FAILURES_IN_A_ROW - 1) + [200]
    with ModelServer([text("ok", TurnUsage(1, 1))]) as good, ModelServer([api_error(500, "x", retry=True)]) as bad:
        with MeteringProxy("anthropic", REAL_KEY, bad.url) as failing:
            for _ in range(MAX_FAILURES_IN_A_ROW - 1):
                _ask(failing)
        assert failing.api_failure is None
        with MeteringProxy("anthropic", REAL_KEY, good.url) as proxy:
            for status in pattern * 3:
                proxy.health.answered(status)
            assert proxy.api_failure is None and _ask(proxy).status == 200


def test_rate_limits_and_refused_keys_are_not_api_failures() -> None:
    for status in (429, 401, 403):
        with (
            ModelServer([api_error(status, "scripted")]) as server,
            MeteringProxy("anthropic", REAL_KEY, server.url) as proxy,
        ):
            replies = [_ask(proxy) for _ in range(MAX_FAILURES_IN_A_ROW + 1)]
        assert [reply.status for reply in replies] == [status] * (MAX_FAILURES_IN_A_ROW + 1)
        assert proxy.api_failure is None


def test_an_api_that_says_nothing_has_failed() -> None:
    assert STALL_S >= 60  # the default leaves room for a slow first token
    with (
        ModelServer([Turn(text="late", stall_s=SHORT_STALL_S * 6)]) as server,
        MeteringProxy("anthropic", REAL_KEY, server.url, upstream_timeout_s=SHORT_STALL_S) as proxy,
    ):
        first = _ask(proxy)
        later = _ask(proxy)
    assert first.status == 400 and later.status == 400
    failure = proxy.api_failure or ""
    assert "the anthropic model API failed: it sent nothing for" in failure
    assert failure in later.json()["error"]["message"]  # refused at once, never forwarded


def test_an_api_that_stops_in_the_middle_of_an_answer_has_failed() -> None:
    turn = Turn(text="abcdefgh", usage=TurnUsage(5, 50), deltas=4, delta_pause_s=SHORT_STALL_S * 6)
    with (
        ModelServer([turn]) as server,
        MeteringProxy("anthropic", REAL_KEY, server.url, upstream_timeout_s=SHORT_STALL_S) as proxy,
    ):
        with pytest.raises(http.client.IncompleteRead):  # the client sees the answer break off, as the API did
            _ask(proxy, stream=True)
        taken = proxy.take_usage()
    assert "sent nothing for" in (proxy.api_failure or "")
    assert taken.requests == 1 and taken.usage.input_tokens == 5  # what arrived still counts
