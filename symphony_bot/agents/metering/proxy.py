"""The metering proxy: a loopback reverse proxy that holds the donor's model API key for one run.

The agent CLI is pointed at `proxy.url` with `proxy.dummy_key`, a per-run credential worth nothing outside
this process. For each request the proxy
- refuses anything but an origin-form request to the configured upstream (no CONNECT, no absolute-form
  target, no protocol upgrade): it is not an open proxy, and the key can go to one host only; and of that
  host's endpoints only those the CLIs use (`meter.endpoint_allowed`);
- checks the dummy credential (constant-time), removes every credential header, and adds the real key in the
  provider's own header;
- streams the response back as it arrives (SSE included: each piece is written as soon as it is read) while
  reading the provider's own usage figures out of it in bounded memory (`meter`);
- refuses model requests once the run's budget is spent or cannot be kept (`pricing_gate`), in the provider's shape;
  with a budget each request reserves its maximum cost before it goes (`budget`);
- reads every answer to its end, even when the client hangs up, so what the API sent is what is counted;
- stops forwarding once the API has failed (`health`), so the task ends as `model_api_failed`.
Usage is kept per task (`take_usage`) and for the whole run (`total`).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import deque
from http.server import ThreadingHTTPServer
from typing import Any

from symphony_bot.agents.base import Usage
from symphony_bot.agents.metering import budget
from symphony_bot.agents.metering.handler import Handler
from symphony_bot.agents.metering.health import MAX_FAILURES_IN_A_ROW, STALL_S, ApiHealth
from symphony_bot.agents.metering.pricing_gate import (
    UNMETERED_MESSAGE,
    UNPRICED_TOOLS_MESSAGE,
    refusal_message,
)
from symphony_bot.agents.metering.providers import (
    BEARER,
    BUDGET_MESSAGE,
    CREDENTIAL_HEADERS,
    GEMINI_KEY_PARAM,
    ErrorReply,
    Provider,
    ProviderName,
    provider,
)
from symphony_bot.agents.metering.task_usage import TaskUsage
from symphony_bot.agents.metering.upstream import ProxyConfigError, Upstream

DUMMY_KEY_PREFIX = "symphony-proxy-"
UPSTREAM_TIMEOUT_S = STALL_S  # no byte from the model API for this long: the API has failed (`health`)
SETTLE_S = 5.0
MAX_REFUSALS_KEPT = 50


class MeteringProxy:
    """`with MeteringProxy("anthropic", key, upstream, max_cost_usd=1.0) as proxy:` then point the CLI at
    `proxy.url` with `proxy.dummy_key`; `proxy.take_usage()` after each task."""

    def __init__(
        self,
        api: str | ProviderName,
        api_key: str,
        upstream: str | None = None,
        *,
        max_cost_usd: float | None = None,
        host: str = "127.0.0.1",
        upstream_timeout_s: float = UPSTREAM_TIMEOUT_S,
        max_failures_in_a_row: int = MAX_FAILURES_IN_A_ROW,
    ) -> None:
        if not api_key:
            raise ProxyConfigError("the metering proxy needs the model API key it is to hold")
        self.provider: Provider = provider(api)
        self.upstream = Upstream.parse(upstream or self.provider.default_upstream, upstream_timeout_s)
        self.max_cost_usd = max_cost_usd
        self.dummy_key = DUMMY_KEY_PREFIX + secrets.token_urlsafe(32)
        self._api_key = api_key
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        # The latest requests the proxy refused to forward (endpoint, target, upgrade), for diagnostics.
        self.refused: deque[str] = deque(maxlen=MAX_REFUSALS_KEPT)
        # The latest failures to reach the upstream (met by the CLI as a reset connection or a 502: `providers`).
        self.unreachable: deque[str] = deque(maxlen=MAX_REFUSALS_KEPT)
        self._in_flight = 0
        # A successful model answer without usage (a chat stream without include_usage, a background response)
        # cost an unknown amount: with a budget, no model request is forwarded after it.
        self._unmetered = False
        # A model answer that reported a model without an exact price: with a budget, nothing more is forwarded.
        self._unpriced_answer: str | None = None
        # The same for server-side tools an answer reported use of, with no known price.
        self._unpriced_tools: str | None = None
        self._task = TaskUsage()
        self._total = TaskUsage()
        self.health = ApiHealth(self.provider.name.value, max_failures_in_a_row)
        self.stall_s = upstream_timeout_s
        self.admission = None if max_cost_usd is None else budget.Admission(max_cost_usd, self._lock)
        handler = type("MeteringHandler", (Handler,), {"proxy": self})
        self._httpd = _Server((host, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="metering-proxy", daemon=True
        )

    def __repr__(self) -> str:  # never the key
        return f"MeteringProxy({self.provider.name.value}, {self.url} -> {self.upstream.host_header})"

    def __enter__(self) -> MeteringProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        self.upstream.close()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, no path: each CLI adds its own `/v1` or `/v1beta`."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def take_usage(self, settle_s: float = SETTLE_S) -> TaskUsage:
        """What the current task used (since the previous call), and start counting the next task.

        Call it once the CLI has exited: requests still being relayed (the CLI may exit on the last event,
        before the proxy has read the end of the stream) are waited for, up to `settle_s` seconds."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=settle_s)
            taken, self._task = self._task, TaskUsage()
        return taken

    @property
    def total(self) -> TaskUsage:
        with self._lock:
            return self._total

    @property
    def budget_exhausted(self) -> bool:
        """True once the run has spent its budget: model requests are refused from then on."""
        with self._lock:
            return self._spent_locked()

    @property
    def api_failure(self) -> str | None:
        """Why the model API has failed for this run (`health`), once it has."""
        return self.health.failure

    def _spent_locked(self) -> bool:
        return self.max_cost_usd is not None and (
            self._unmetered
            or self._unpriced_answer is not None
            or self._unpriced_tools is not None
            or self._total.usage.cost_usd >= self.max_cost_usd
        )

    def _spent_usd(self) -> float:
        return self._total.usage.cost_usd

    def _begin(self) -> None:
        with self._lock:
            self._in_flight += 1

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._idle.notify_all()

    def _add(self, delta: TaskUsage, reserved_usd: float | None = None) -> None:
        with self._lock:
            self._task = self._task + delta
            self._total = self._total + delta
            if reserved_usd is not None and self.admission is not None:
                self.admission.settle(reserved_usd)

    def _admit(self, reserve_usd: float) -> bool:
        assert self.admission is not None
        return self.admission.admit(reserve_usd, self._spent_usd)

    def _budget_refusal(self) -> ErrorReply | None:
        if self.health.failure is not None:
            return self.provider.budget_error(self.health.failure)
        with self._lock:
            if not self._spent_locked():
                return None
            spent, limit, model = self._total.usage.cost_usd, self.max_cost_usd or 0.0, self._unpriced_answer
            tools = self._unpriced_tools
        if spent >= limit:
            message = BUDGET_MESSAGE.format(limit=limit, spent=spent)
        elif model is not None:
            message = refusal_message(model, limit)
        elif tools is not None:
            message = UNPRICED_TOOLS_MESSAGE.format(tools=tools, limit=limit)
        else:
            message = UNMETERED_MESSAGE.format(limit=limit)
        self._add(TaskUsage(usage=Usage(unpriced_model=model), budget_refusals=1))
        return self.provider.budget_error(message)

    def _price_refusal(self, model: str | None) -> ErrorReply:
        """Refused before forwarding; the task's usage names the model, so the run says why (AGENT_PRICE_UNKNOWN)."""
        self._add(TaskUsage(usage=Usage(unpriced_model=model), budget_refusals=1))
        return self.provider.budget_error(refusal_message(model, self.max_cost_usd or 0.0))

    def _authorised(self, headers: Any, query: list[tuple[str, str]]) -> bool:
        offered = [value for name, value in query if name == GEMINI_KEY_PARAM]
        for name in CREDENTIAL_HEADERS:
            for raw in headers.get_all(name) or []:
                value = raw.strip()
                offered.append(value[len(BEARER) :].strip() if value.lower().startswith(BEARER) else value)
        expected = self.dummy_key.encode()
        # Every credential offered must be ours (no smuggling a second one past the check), and one must be offered.
        return bool(offered) and all(hmac.compare_digest(value.encode(), expected) for value in offered)


class _Server(ThreadingHTTPServer):
    # A CLI (or a tool in the agent's shell) may open many connections at once; the default backlog of 5 would
    # reset some of them before the proxy even sees them.
    request_queue_size = 128
