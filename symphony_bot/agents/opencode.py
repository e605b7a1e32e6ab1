"""OpenCode: `opencode run --format json`, the prompt on stdin.

Permissions come from OPENCODE_CONFIG_CONTENT (everything allowed, questions denied: nobody is there to
answer). Provider keys pass through from the environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, …); with
OPENCODE_BASE_URL set, an OpenAI-compatible provider `symphony` pointing there is configured and used (the
`@ai-sdk/openai-compatible` provider is bundled in the binary: nothing is installed for it).

Offline: opencode 1.18 fetches npm metadata in the background (`@opencode-ai/plugin` and its TUI
dependencies, for config-directory plugins) on every start, and the models list from models.dev. The run
does not need either: `npm_config_offline=true` keeps its embedded npm on the local cache, and the models
fetch, auto-update and LSP downloads are switched off, so nothing unpinned is fetched at run time (checked
with strace on 1.18.33: no connection but to the model endpoint).

Under the bot's Landlock rules (`agents.landlock`) like every CLI: its model URL is also put in its environment
(`OPENCODE_BASE_URL`, which opencode does not read), where the rules find the one port it may connect to;
without it opencode's connection was refused and it retried silently (the "hang" once blamed on the rules).

Usage: `step_finish` parts carry each step's tokens and the USD cost opencode computed from its model price
list; they are summed. A model opencode has no price for reports 0: then the cost is estimated.
"""

from __future__ import annotations

import json
import os
from typing import Any

from symphony_bot.agents import pricing
from symphony_bot.agents.api_trouble import AUTH, classify
from symphony_bot.agents.base import AgentSetupError, Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.agents.environment import agent_environment
from symphony_bot.agents.jsonlines import as_int, is_limit_notice, records

BASE_URL_ENV = "OPENCODE_BASE_URL"
KEY_ENV = "OPENCODE_API_KEY"
PROVIDER_ID = "symphony"
PASSTHROUGH = (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENERATIVE_AI_API_KEY",
    "OPENROUTER_API_KEY",
    "GROQ_API_KEY",
    "XAI_API_KEY",
    "DEEPSEEK_API_KEY",
    KEY_ENV,
    "OPENCODE_CONFIG",  # the donor's own config file (trusted, unlike the repository's opencode.json)
)
HEADLESS_ENV = {
    # The repository is untrusted: its opencode.json could point a provider (and the donor's key) at a host
    # of its choosing. The donor's own config (OPENCODE_CONFIG) and ours (OPENCODE_CONFIG_CONTENT) still load.
    "OPENCODE_DISABLE_PROJECT_CONFIG": "1",
    "OPENCODE_DISABLE_AUTOUPDATE": "1",
    "OPENCODE_DISABLE_MODELS_FETCH": "1",
    "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
    "npm_config_offline": "true",
}
# Its own errors on stderr, where the adapter can see an unreachable endpoint (see api_trouble).
LOG_ERRORS = ("--print-logs", "--log-level", "ERROR")
STREAM_ERROR = 'message="stream error"'
STATUS_CODE = '"statusCode":'
REFUSED_KEY_STATUSES = (401, 403)
MAX_NOTICE_CHARS = 500
PERMISSIONS = {"*": "allow", "external_directory": "allow", "question": "deny"}


class OpenCodeAgent(CliAgent):
    name = "opencode"
    install_hint = "npm install -g opencode-ai"

    def __init__(self, executable: str | None = None, model: str | None = None) -> None:
        self.executable = executable or "opencode"
        self.model = model
        self._model_used = model

    def invocation(self, request: TaskRequest) -> Invocation:
        config: dict[str, Any] = {"autoupdate": False, "share": "disabled", "permission": PERMISSIONS}
        model = request.model or self.model
        base_url = os.environ.get(BASE_URL_ENV)
        if base_url:
            if not model:
                # An OpenAI-compatible endpoint has no default opencode could know, nor a price we could know.
                raise AgentSetupError(
                    f"opencode with {BASE_URL_ENV} needs the model to ask that endpoint for: pass --model NAME"
                )
            model_id = model.split("/")[-1]
            config["provider"] = {
                PROVIDER_ID: {
                    "npm": "@ai-sdk/openai-compatible",
                    "name": PROVIDER_ID,
                    "options": {"baseURL": base_url.rstrip("/"), "apiKey": os.environ.get(KEY_ENV, "unused")},
                    "models": {model_id: {}},
                }
            }
            model = f"{PROVIDER_ID}/{model_id}"
        if model:
            config["model"] = model
        self._model_used = model
        env = agent_environment(
            request.scratch_dir,
            passthrough=PASSTHROUGH,
            extra={
                "OPENCODE_CONFIG_CONTENT": json.dumps(config),
                **HEADLESS_ENV,
                # Not read by opencode: where the Landlock rules find the one port it may connect to.
                **({BASE_URL_ENV: base_url} if base_url else {}),
            },
        )
        argv = [self.executable, "run", "--format", "json", *LOG_ERRORS]
        return Invocation(argv=argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def api_trouble(self, line: str) -> tuple[str, str] | None:
        """opencode's own log (`--print-logs --log-level ERROR`, on stderr): its `stream error` lines; it would
        otherwise retry an unreachable endpoint silently until the inactivity limit. And its final `error`
        record (stdout), whose `statusCode` 401/403 is a refused key whatever the API's message says (a 401
        "Request not allowed for this organization" names no key)."""
        if STATUS_CODE in line:
            record = next(records(line), None)
            error = record.get("error") if record is not None and record.get("type") == "error" else None
            data = error.get("data") if isinstance(error, dict) else None
            if isinstance(data, dict) and data.get("statusCode") in REFUSED_KEY_STATUSES:
                message = str(data.get("message") or "")[:MAX_NOTICE_CHARS]
                return AUTH, f"opencode: the model API answered {data['statusCode']}: {message}"
        if STREAM_ERROR not in line:
            return None
        kind = classify(line.split(" error=", 1)[-1])
        return (kind, f"opencode: {line.strip()[-MAX_NOTICE_CHARS:]}") if kind else None

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        session_id: str | None = None
        texts: list[str] = []
        usage = Usage()
        reported_cost = 0.0
        failure: str | None = None
        for record in records(stdout):
            session_id = session_id or (str(record.get("sessionID") or "") or None)
            part = record.get("part") if isinstance(record.get("part"), dict) else {}
            assert isinstance(part, dict)
            kind = record.get("type")
            if kind == "text":
                texts.append(str(part.get("text", "")))
            elif kind == "step_finish":
                tokens = part.get("tokens") if isinstance(part.get("tokens"), dict) else {}
                assert isinstance(tokens, dict)
                cache = tokens.get("cache") if isinstance(tokens.get("cache"), dict) else {}
                assert isinstance(cache, dict)
                usage = usage + Usage(
                    input_tokens=as_int(tokens.get("input")),
                    output_tokens=as_int(tokens.get("output")) + as_int(tokens.get("reasoning")),
                    cache_read_tokens=as_int(cache.get("read")),
                    cache_write_tokens=as_int(cache.get("write")),
                    reasoning_tokens=as_int(tokens.get("reasoning")),
                )
                cost = part.get("cost")
                reported_cost += float(cost) if isinstance(cost, (int, float)) else 0.0
            elif kind == "error":
                error = record.get("error")
                data = error.get("data") if isinstance(error, dict) else None
                failure = str(
                    (data.get("message") if isinstance(data, dict) else None)
                    or (error.get("message") if isinstance(error, dict) else error)
                    or "opencode reported an error"
                )
        if reported_cost > 0:
            usage = Usage(
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens,
                usage.cache_write_tokens,
                usage.reasoning_tokens,
                cost_usd=reported_cost,
            )
        else:  # a model opencode has no price for: estimate, and say so
            usage = pricing.with_estimated_cost(usage, self._model_used)
        text = "\n".join(t for t in texts if t).strip()
        if failure or exit_code != 0:
            reason = failure or stderr.strip()[-1000:] or f"opencode exited with code {exit_code}"
            return ParsedOutput(False, text, session_id, usage, error=reason, rate_limited=is_limit_notice(reason))
        return ParsedOutput(True, text, session_id, usage)
