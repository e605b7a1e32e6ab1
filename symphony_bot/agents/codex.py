"""Codex: `codex exec --json -s danger-full-access -` (under Landlock; see below), the prompt on stdin.

Codex reads its configuration from a private CODEX_HOME that we write per task:
- Codex 0.169 ignores OPENAI_BASE_URL (it goes to api.openai.com and retries forever); when the variable is
  set, a provider pointing there is configured instead, so a proxy or the test model server is honoured.
- Update checks, the curated-plugin sync (github.com) and analytics (ab.chatgpt.com) are switched off: with a
  base URL set, the CLI talks to nothing else (checked with strace on 0.169.0).
Its tools' sandbox: where Landlock is available, the bot confines codex and all it starts itself (`agents.landlock`:
writes to the work tree and scratch folder only, TCP to the model URL's port only), and codex's own sandbox is
off (`-s danger-full-access`): on Linux it runs its tools through bubblewrap, which mounts, and a process under
Landlock may not mount, so every tool command would fail (nor does the action's container allow the namespaces
bubblewrap needs). Without Landlock, `-s workspace-write` keeps codex's own sandbox, where the host allows it; in
the default read-only sandbox commands are silently not run. The model URL is also put in codex's environment
(`OPENAI_BASE_URL`, which 0.169 itself ignores), where the Landlock rules find the port it may connect to.

Usage: `turn.completed.usage` holds the THREAD's running totals (a resumed thread reports the earlier turns
again), so the task's usage is the last total minus what the thread had already used before this run.
Codex prints no price: the cost is estimated from `pricing` and flagged as an estimate.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from symphony_bot.agents import landlock, pricing
from symphony_bot.agents.api_trouble import classify
from symphony_bot.agents.base import Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.agents.environment import agent_environment
from symphony_bot.agents.jsonlines import as_int, is_limit_notice, records

BASE_URL_ENV = "OPENAI_BASE_URL"
KEY_ENV = "OPENAI_API_KEY"
PASSTHROUGH = (KEY_ENV, "CODEX_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
PROVIDER_ID = "symphony"
CODEX_HOME_DIR = "codex-home"
CONFIG_FILE_NAME = "config.toml"
OWN_SANDBOX = "workspace-write"  # codex's bubblewrap sandbox, where nothing else confines it
UNDER_LANDLOCK = "danger-full-access"  # codex's sandbox off: the bot's Landlock rules confine it
MAX_ERROR_CHARS = 1000
SESSIONS_DIR = "sessions"
ROLLOUT_GLOB = "rollout-*.jsonl"
MAX_ROLLOUT_CHARS = 4 * 1024 * 1024


def codex_config(model: str | None, base_url: str | None) -> str:
    """config.toml for one run: quiet, and pointed at `base_url` when one is given."""
    lines = ["check_for_update_on_startup = false"]
    if model:
        lines.append(f"model = {json.dumps(model)}")
    if base_url:
        lines.append(f"model_provider = {json.dumps(PROVIDER_ID)}")
    lines += ["", "[features]", "plugins = false", "", "[analytics]", "enabled = false"]
    if base_url:
        lines += [
            "",
            f"[model_providers.{PROVIDER_ID}]",
            f"name = {json.dumps(PROVIDER_ID)}",
            f"base_url = {json.dumps(base_url.rstrip('/'))}",
            f"env_key = {json.dumps(KEY_ENV)}",
            'wire_api = "responses"',
        ]
    return "\n".join(lines) + "\n"


def sandbox_mode() -> str:
    """codex's own sandbox only where the bot's Landlock does not confine it (see the module docstring)."""
    return UNDER_LANDLOCK if landlock.abi() > 0 else OWN_SANDBOX


class CodexAgent(CliAgent):
    name = "codex"
    install_hint = "npm install -g @openai/codex"

    def __init__(self, executable: str | None = None, model: str | None = None) -> None:
        self.executable = executable or "codex"
        self.model = model
        self._model_used: str | None = model
        self._codex_home: Path | None = None
        # Running totals last seen per thread: what a resumed thread had used before the current run.
        self._thread_totals: dict[str, Usage] = {}
        self._lock = threading.Lock()

    def invocation(self, request: TaskRequest) -> Invocation:
        codex_home = request.scratch_dir / CODEX_HOME_DIR
        codex_home.mkdir(parents=True, exist_ok=True)
        model = request.model or self.model
        self._model_used = model
        self._codex_home = codex_home
        base_url = os.environ.get(BASE_URL_ENV)
        (codex_home / CONFIG_FILE_NAME).write_text(codex_config(model, base_url))
        extra = {"CODEX_HOME": str(codex_home), **({BASE_URL_ENV: base_url} if base_url else {})}
        env = agent_environment(request.scratch_dir, passthrough=PASSTHROUGH, extra=extra)
        argv = [self.executable, "exec", "--json", "--skip-git-repo-check", "-s", sandbox_mode()]
        argv += ["-C", str(request.repo_dir)]
        if model:
            argv += ["-m", model]
        argv.append("-")  # the prompt is on stdin
        return Invocation(argv=argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def api_trouble(self, line: str) -> tuple[str, str] | None:
        """codex's `error` events ("Reconnecting... waiting for network (Connection failed: …)", a 401)."""
        if '"error"' not in line:
            return None
        record = next(records(line), None)
        if record is None or record.get("type") != "error":
            return None
        message = str(record.get("message") or "")
        kind = classify(message)
        return (kind, f"codex: {message}") if kind else None

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        session_id: str | None = None
        text = ""
        totals: Usage | None = None
        failure: str | None = None
        for record in records(stdout):
            kind = record.get("type")
            if kind == "thread.started":
                session_id = str(record.get("thread_id") or "") or None
            elif kind == "item.completed":
                # `error` items ("Model metadata for X not found") are warnings: the turn goes on.
                item = record.get("item")
                if isinstance(item, dict) and item.get("type") == "agent_message":
                    text = str(item.get("text", ""))
            elif kind == "turn.completed":
                totals = _usage(record.get("usage"))
            elif kind == "turn.failed":
                error = record.get("error")
                failure = str(error.get("message") if isinstance(error, dict) else error)
            elif kind == "error":
                failure = str(record.get("message") or "codex reported an error")
            elif kind == "event_msg":  # the session-file format: running totals too
                payload = record.get("payload")
                info = payload.get("info") if isinstance(payload, dict) else None
                if isinstance(info, dict) and isinstance(info.get("total_token_usage"), dict):
                    totals = _usage(info["total_token_usage"])
        usage = self._task_usage(session_id, totals)
        usage = pricing.with_estimated_cost(usage, self._model_used or self._default_model_used())
        if failure is not None or exit_code != 0:
            reason = failure or stderr.strip()[-MAX_ERROR_CHARS:] or f"codex exited with code {exit_code}"
            return ParsedOutput(False, text, session_id, usage, error=reason, rate_limited=is_limit_notice(reason))
        return ParsedOutput(True, text, session_id, usage)

    def _default_model_used(self) -> str | None:
        """Without --model codex picks its own default; the session it records names it (`turn_context`)."""
        if self._codex_home is None:
            return None
        sessions = self._codex_home / SESSIONS_DIR
        for rollout in sorted(sessions.rglob(ROLLOUT_GLOB), key=lambda path: path.stat().st_mtime, reverse=True):
            for record in records(rollout.read_text(encoding="utf-8", errors="replace")[:MAX_ROLLOUT_CHARS]):
                payload = record.get("payload")
                if record.get("type") == "turn_context" and isinstance(payload, dict) and payload.get("model"):
                    return str(payload["model"])
        return None

    def _task_usage(self, thread_id: str | None, totals: Usage | None) -> Usage:
        if totals is None:
            return Usage()
        if thread_id is None:
            return totals
        with self._lock:
            before = self._thread_totals.get(thread_id, Usage())
            self._thread_totals[thread_id] = totals
        return _minus(totals, before)


def _usage(raw: object) -> Usage:
    """Codex's counts: `input_tokens` includes the cached part; `output_tokens` includes reasoning."""
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


def _minus(after: Usage, before: Usage) -> Usage:
    return Usage(
        input_tokens=max(0, after.input_tokens - before.input_tokens),
        output_tokens=max(0, after.output_tokens - before.output_tokens),
        cache_read_tokens=max(0, after.cache_read_tokens - before.cache_read_tokens),
        cache_write_tokens=max(0, after.cache_write_tokens - before.cache_write_tokens),
        reasoning_tokens=max(0, after.reasoning_tokens - before.reasoning_tokens),
    )
