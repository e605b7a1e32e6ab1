"""Running an agent CLI behind the metering proxy, so the donor's model key never enters its process tree.

`metered_run(agent_name)` reads the donor's key and base URL from the bot's environment, starts a proxy that
holds the key, and replaces them IN THE BOT'S OWN ENVIRONMENT with the proxy's URL and the per-run dummy
credential: every adapter already builds its CLI's environment and configuration from those variables
(claude passes ANTHROPIC_*, codex and opencode write their provider's base URL and key from OPENAI_BASE_URL /
OPENCODE_BASE_URL, gemini passes GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY), so each CLI is pointed at the
proxy without a change to any adapter, and no later code path (an allow-list, `--pass-env`) can hand the
real key on, because the bot's environment no longer holds it. Every other model key is removed too.

`MeteredAgent` wraps the agent: each task's usage is what the proxy counted (exact tokens, priced with
`pricing`, server-tool fees included), a task stopped by the budget says so, and once the proxy has seen the
model API fail (`health`) the CLI is stopped at once and the task ends as MODEL_API_FAILED (never retried).

A CLI that cannot be pointed at the proxy keeps today's path (`metered_run` yields None, with the reason):
the command agent (an arbitrary program: no known base-URL switch), and any CLI whose credential is not an
API key the proxy can inject: claude on Bedrock or Vertex (request signing / Google OAuth), gemini on Vertex
AI or a Google login, codex with a ChatGPT login, opencode on providers of the donor's own config.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

from symphony_bot.agents.base import Agent, AgentResult, Outcome, OutputCallback, TaskRequest
from symphony_bot.agents.environment import switched_on
from symphony_bot.agents.metering.providers import ProviderName
from symphony_bot.agents.metering.proxy import MeteringProxy

# Every variable that can carry a model API key to a CLI: none of them keeps its real value behind the proxy.
MODEL_KEY_VARIABLES = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "OPENCODE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENERATIVE_AI_API_KEY",
    "OPENROUTER_API_KEY",
    "GROQ_API_KEY",
    "XAI_API_KEY",
    "DEEPSEEK_API_KEY",
)
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")
WATCH_INTERVAL_S = 0.1
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
BUDGET_STOP = (
    # Kept short: a task's summary line is cut at a fixed length, and this must survive whole.
    "the metering proxy refused the agent's next model request: the run's budget (--max-cost) is spent or cannot be "
    "kept (an unpriced model, an answer without usage)"
)


@dataclass(frozen=True)
class Route:
    """How one CLI is pointed at a model API, in the variables its adapter reads."""

    api: ProviderName
    key_variables: tuple[str, ...]  # where the donor's key is read from, first set wins
    base_url_variable: str  # the donor's upstream override, then the proxy's URL for the CLI
    key_variable: str  # what carries the dummy credential to the CLI
    default_upstream: str
    # Set when the donor chose a way the proxy cannot carry (the CLI then keeps today's path).
    unsupported_when: tuple[str, ...] = ()
    # `provider/model` prefixes the route can carry; any other provider named in --model keeps today's path
    # (opencode's own providers: `anthropic/claude-…` goes to Anthropic with ANTHROPIC_API_KEY).
    model_providers: tuple[str, ...] | None = None


ROUTES = {
    "claude": Route(
        ProviderName.ANTHROPIC,
        ("ANTHROPIC_API_KEY",),
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_API_KEY",
        "https://api.anthropic.com",
        unsupported_when=("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX"),
    ),
    "codex": Route(
        ProviderName.OPENAI,
        ("OPENAI_API_KEY", "CODEX_API_KEY"),
        "OPENAI_BASE_URL",
        "OPENAI_API_KEY",
        "https://api.openai.com/v1",
    ),
    "opencode": Route(
        ProviderName.OPENAI,
        ("OPENCODE_API_KEY", "OPENAI_API_KEY"),
        "OPENCODE_BASE_URL",
        "OPENCODE_API_KEY",
        "https://api.openai.com/v1",
        model_providers=("openai", "symphony"),
    ),
    "gemini": Route(
        ProviderName.GEMINI,
        ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        "GOOGLE_GEMINI_BASE_URL",
        "GEMINI_API_KEY",
        "https://generativelanguage.googleapis.com",
        unsupported_when=("GOOGLE_GENAI_USE_VERTEXAI",),
    ),
}


@dataclass(frozen=True)
class Unmetered:
    """Why an agent runs without the proxy (said out loud by the caller)."""

    reason: str


def why_unmetered(
    agent_name: str, environ: MutableMapping[str, str] | None = None, model: str | None = None
) -> Unmetered | None:
    """None when `agent_name` can run behind the proxy with this environment (and --model), else the reason it
    cannot."""
    environ = os.environ if environ is None else environ
    route = ROUTES.get(agent_name)
    if route is None:
        return Unmetered(f"the {agent_name} agent has no base-URL switch the metering proxy could set")
    named = model.split("/", 1)[0] if model and "/" in model else None
    if route.model_providers is not None and named is not None and named not in route.model_providers:
        return Unmetered(f"--model {model} names {agent_name}'s own provider {named!r}, not one the proxy carries")
    chosen = [name for name in route.unsupported_when if switched_on(environ.get(name))]
    if chosen:
        return Unmetered(f"{', '.join(chosen)} is set: the metering proxy carries API keys only")
    if not any(environ.get(name) for name in route.key_variables):
        names = " or ".join(route.key_variables)
        return Unmetered(f"no {names} is set: {agent_name} uses another login the metering proxy cannot carry")
    return None


@contextmanager
def metered_run(
    agent_name: str,
    max_cost_usd: float | None = None,
    environ: MutableMapping[str, str] | None = None,
    model: str | None = None,
) -> Iterator[MeteringProxy | None]:
    """Start the proxy for `agent_name` and point the environment at it; restore everything on exit.

    Yields None (and changes nothing) when the agent cannot be metered: see `why_unmetered`."""
    environ = os.environ if environ is None else environ
    if why_unmetered(agent_name, environ, model) is not None:
        yield None
        return
    route = ROUTES[agent_name]
    key = next(environ[name] for name in route.key_variables if environ.get(name))
    upstream = environ.get(route.base_url_variable) or route.default_upstream
    saved = {name: environ.get(name) for name in (*MODEL_KEY_VARIABLES, route.base_url_variable, *NO_PROXY_VARIABLES)}
    # Created while the runner's proxy variables are in force: the proxy itself reaches the API through them.
    with MeteringProxy(route.api, key, upstream, max_cost_usd=max_cost_usd) as proxy:
        try:
            for name in MODEL_KEY_VARIABLES:
                environ.pop(name, None)
            environ[route.base_url_variable] = proxy.url
            environ[route.key_variable] = proxy.dummy_key
            # The CLI must talk to the loopback proxy directly, never through the runner's own proxy.
            for name in NO_PROXY_VARIABLES:
                environ[name] = ",".join(filter(None, (environ.get(name), *LOOPBACK_HOSTS)))
            yield proxy
        finally:
            for name, value in saved.items():
                if value is None:
                    environ.pop(name, None)
                else:
                    environ[name] = value


class MeteredAgent:
    """An agent whose usage per task is what the metering proxy counted."""

    def __init__(self, inner: Agent, proxy: MeteringProxy) -> None:
        self.inner = inner
        self.proxy = proxy
        self.name = inner.name

    def run(self, request: TaskRequest, stop: threading.Event, on_output: OutputCallback | None = None) -> AgentResult:
        self.proxy.take_usage()  # anything between tasks is not this task's
        if self.proxy.api_failure is not None:
            return AgentResult(Outcome.MODEL_API_FAILED, error=self.proxy.api_failure)
        inner_stop = threading.Event()
        done = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(stop, inner_stop, done), daemon=True)
        watcher.start()
        try:
            result = self.inner.run(request, inner_stop, on_output)
        finally:
            done.set()
            watcher.join()
        taken = self.proxy.take_usage()
        result = replace(result, usage=taken.usage)
        failure = self.proxy.api_failure
        if failure is not None and result.outcome is not Outcome.OK and not stop.is_set():
            return replace(result, outcome=Outcome.MODEL_API_FAILED, error=failure)
        if taken.budget_refusals and result.outcome is not Outcome.OK:
            result = replace(result, outcome=Outcome.AGENT_ERROR, error=f"{BUDGET_STOP} ({result.error})")
        return result

    def _watch(self, stop: threading.Event, inner_stop: threading.Event, done: threading.Event) -> None:
        """Stop the CLI when the run is stopped, or as soon as the model API has failed: its own retries (minutes
        of backoff) would only hold the task."""
        failed = self.proxy.health.failed
        while not done.is_set():
            if stop.is_set() or failed.is_set():
                inner_stop.set()
                return
            failed.wait(WATCH_INTERVAL_S)
