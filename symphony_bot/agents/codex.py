"""Codex: `codex exec --json -s workspace-write -`, the prompt on stdin, stdin otherwise closed.

Codex ignores OPENAI_BASE_URL; when it is set, the adapter writes a private CODEX_HOME/config.toml with a
provider that points there, so a proxy or the test model server is honoured. `-s workspace-write` lets the
agent edit the checkout (the default read-only sandbox silently skips commands).
"""

from __future__ import annotations

import json
import os

from symphony_bot.agents import pricing
from symphony_bot.agents.base import CliAgent, Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.environment import agent_environment
from symphony_bot.agents.jsonlines import as_int, is_limit_notice, records

BASE_URL_ENV = "OPENAI_BASE_URL"
KEY_ENV = "OPENAI_API_KEY"
PASSTHROUGH = (KEY_ENV, "CODEX_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
PROVIDER_ID = "symphony"


class CodexAgent(CliAgent):
    name = "codex"

    def __init__(self, executable: str | None = None, model: str | None = None) -> None:
        self.executable = executable or "codex"
        self.model = model
        self._model_used: str | None = model

    def invocation(self, request: TaskRequest) -> Invocation:
        codex_home = request.scratch_dir / "codex-home"
        codex_home.mkdir(parents=True, exist_ok=True)
        model = request.model or self.model
        self._model_used = model
        lines = []
        if model:
            lines.append(f"model = {json.dumps(model)}")
        base_url = os.environ.get(BASE_URL_ENV)
        if base_url:
            lines += [
                f'model_provider = "{PROVIDER_ID}"',
                f"[model_providers.{PROVIDER_ID}]",
                f'name = "{PROVIDER_ID}"',
                f"base_url = {json.dumps(base_url.rstrip('/'))}",
                f'env_key = "{KEY_ENV}"',
                'wire_api = "responses"',
            ]
        (codex_home / "config.toml").write_text("\n".join(lines) + "\n")
        env = agent_environment(request.scratch_dir, passthrough=PASSTHROUGH, extra={"CODEX_HOME": str(codex_home)})
        argv = [
            self.executable,
            "exec",
            "--json",
            "--skip-git-repo-check",
            "-s",
            "workspace-write",
            "-C",
            str(request.repo_dir),
        ]
        if model:
            argv += ["-m", model]
        argv.append("-")  # read the prompt from stdin
        return Invocation(argv=argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        session_id: str | None = None
        text = ""
        per_turn = Usage()
        cumulative: Usage | None = None
        failure: str | None = None
        for record in records(stdout):
            kind = record.get("type")
            if kind == "thread.started":
                session_id = str(record.get("thread_id") or "") or None
            elif kind == "item.completed":
                item = record.get("item")
                if isinstance(item, dict) and item.get("type") == "agent_message":
                    text = str(item.get("text", ""))
            elif kind == "turn.completed":
                per_turn = per_turn + _usage(record.get("usage"))
            elif kind == "turn.failed":
                error = record.get("error")
                failure = str(error.get("message") if isinstance(error, dict) else error)
            elif kind == "error":
                failure = str(record.get("message", "codex reported an error"))
            elif kind == "event_msg":  # older format: running totals for the whole session
                payload = record.get("payload")
                info = payload.get("info") if isinstance(payload, dict) else None
                if isinstance(info, dict) and isinstance(info.get("total_token_usage"), dict):
                    cumulative = _usage(info["total_token_usage"])
        usage = pricing.estimate(cumulative or per_turn, self._model_used, self.name)
        if failure is not None or exit_code != 0:
            reason = failure or stderr.strip()[-1000:] or f"codex exited with code {exit_code}"
            return ParsedOutput(False, text, session_id, usage, error=reason, rate_limited=is_limit_notice(reason))
        return ParsedOutput(True, text, session_id, usage)


def _usage(raw: object) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    cached = as_int(raw.get("cached_input_tokens"))
    return Usage(
        input_tokens=max(0, as_int(raw.get("input_tokens")) - cached),
        output_tokens=as_int(raw.get("output_tokens")),
        cache_read_tokens=cached,
        cache_write_tokens=as_int(raw.get("cache_write_input_tokens")),
        reasoning_tokens=as_int(raw.get("reasoning_output_tokens")),
    )
