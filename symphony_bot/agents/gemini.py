"""Gemini CLI: `gemini -o stream-json -m MODEL --approval-mode yolo -p ...`, the prompt on stdin.

The CLI appends `-p` to what it reads on stdin, so the task travels on stdin and `-p` only says so. A model
is always named: without `-m` the CLI first asks a router model, which costs requests and minutes.
"""

from __future__ import annotations

import json
import os

from symphony_bot.agents import pricing
from symphony_bot.agents.api_trouble import classify
from symphony_bot.agents.base import Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.agents.environment import agent_environment, switched_on
from symphony_bot.agents.jsonlines import as_int, is_limit_notice, records

DEFAULT_MODEL = "gemini-2.5-pro"
RETRY_NOTICE = "Attempt "
POINTER_PROMPT = "Carry out the instructions given above."
PASSTHROUGH = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL")
# Google Cloud credentials reach the agent only on the Vertex AI route (GOOGLE_GENAI_USE_VERTEXAI), where the
# CLI signs its own requests with them (the proxy cannot hold them: docs/agents.md); never on the API-key route.
VERTEX_PASSTHROUGH = (
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_APPLICATION_CREDENTIALS",
)
# API-key auth, and no usage statistics or update checks: with GOOGLE_GEMINI_BASE_URL set, the CLI then talks
# to nothing else (checked with strace on 0.61.0; without these it resolves Google and npm hosts).
SETTINGS = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "telemetry": {"enabled": False},
    "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
    # The repository is untrusted: a .env in it could set variables for the CLI.
    "advanced": {"ignoreLocalEnv": True},
}
BASE_URL_ENV = "GOOGLE_GEMINI_BASE_URL"
OFFICIAL_BASE_URL = "https://generativelanguage.googleapis.com"
VERTEX_ENV = "GOOGLE_GENAI_USE_VERTEXAI"


class GeminiAgent(CliAgent):
    name = "gemini"
    install_hint = "npm install -g @google/gemini-cli"

    def __init__(self, executable: str | None = None, model: str | None = None) -> None:
        self.executable = executable or "gemini"
        self.model = model or DEFAULT_MODEL
        self._model_used = self.model

    def invocation(self, request: TaskRequest) -> Invocation:
        extra = {"NO_COLOR": "1"}
        if not os.environ.get(BASE_URL_ENV) and not switched_on(os.environ.get(VERTEX_ENV)):
            # Set, so that nothing the CLI reads later (a workspace .env never overrides a set variable) can
            # send the API key to another host.
            extra[BASE_URL_ENV] = OFFICIAL_BASE_URL
        vertex = switched_on(os.environ.get(VERTEX_ENV))
        names = PASSTHROUGH + VERTEX_PASSTHROUGH if vertex else PASSTHROUGH
        env = agent_environment(request.scratch_dir, passthrough=names, extra=extra)
        settings_dir = request.scratch_dir / "home" / ".gemini"
        settings_dir.mkdir(parents=True, exist_ok=True)
        (settings_dir / "settings.json").write_text(json.dumps(SETTINGS))
        self._model_used = request.model or self.model
        argv = [
            self.executable,
            "-o",
            "stream-json",
            "-m",
            self._model_used,
            "--skip-trust",
            "--approval-mode",
            "yolo",
            "-p",
            POINTER_PROMPT,
        ]
        return Invocation(argv=argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def api_trouble(self, line: str) -> tuple[str, str] | None:
        """gemini's retry notices on stderr ("Attempt 1 failed. Retrying with backoff... Error: … fetch failed")."""
        if not line.startswith(RETRY_NOTICE):
            return None
        kind = classify(line)
        return (kind, f"gemini: {line.strip()}") if kind else None

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        session_id: str | None = None
        pieces: list[str] = []
        result: dict[str, object] | None = None
        failure: str | None = None
        for record in records(stdout):
            kind = record.get("type")
            if kind == "init":
                session_id = str(record.get("session_id") or "") or None
            elif kind == "message" and record.get("role") == "assistant":
                pieces.append(str(record.get("content", "")))
            elif kind == "result":
                result = record
                error = record.get("error")
                if isinstance(error, dict) and error.get("message"):
                    failure = str(error["message"])
            elif kind == "error":
                failure = str(record.get("message") or record.get("error") or "gemini reported an error")
        text = "".join(pieces).strip()
        stats = result.get("stats") if result else None
        usage = Usage()
        if isinstance(stats, dict):
            cached = as_int(stats.get("cached"))
            prompt, visible = as_int(stats.get("input_tokens")), as_int(stats.get("output_tokens"))
            # Thinking tokens are billed as output but left out of output_tokens; they are what the total adds.
            thoughts = max(0, as_int(stats.get("total_tokens")) - prompt - visible)
            usage = Usage(
                input_tokens=as_int(stats.get("input")) or max(0, prompt - cached),
                output_tokens=visible + thoughts,
                cache_read_tokens=cached,
                reasoning_tokens=thoughts,
            )
        usage = pricing.with_estimated_cost(usage, self._model_used)
        status = result.get("status") if result else None
        if failure is None and (result is None or status != "success"):
            failure = (f"gemini finished with status {status}" if result else None) or stderr.strip()[-1000:]
        if failure or exit_code != 0:
            reason = failure or f"gemini exited with code {exit_code}"
            return ParsedOutput(
                False,
                text,
                session_id,
                usage,
                error=reason,
                rate_limited=is_limit_notice(reason) or is_limit_notice(stderr[-2000:]),
            )
        return ParsedOutput(True, text, session_id, usage)
