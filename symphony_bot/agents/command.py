"""The `command` agent: any executable does the task.

It gets the prompt on stdin and in a file, and the task in environment variables:
SYMPHONY_PROMPT_FILE, SYMPHONY_DOC, SYMPHONY_TASK, SYMPHONY_TASK_LINE, SYMPHONY_REPO (and SYMPHONY_MODEL when a
model is chosen). SYMPHONY_TASK is cut at MAX_TASK_ENV_CHARS: Linux refuses any single environment string past
128 KiB, and the full task is in the prompt anyway. Exit code 0 means it ran; whether the task is done is
decided, as for every agent, by the box in the document. A last stdout line of the form
`{"symphony_usage": {"input_tokens": …, "output_tokens": …, "cache_read_tokens": …, "cache_write_tokens": …,
"reasoning_tokens": …, "cost_usd": …, "session_id": "…"}}` (every key optional) reports usage.
"""

from __future__ import annotations

import json
import math
import shlex

from symphony_bot.agents.base import Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.agents.environment import agent_environment

USAGE_KEY = "symphony_usage"
SESSION_KEY = "session_id"
MAX_TEXT_CHARS = 20_000
MAX_TASK_ENV_CHARS = 8_192
MAX_USAGE_LINE_CHARS = 65_536
PROMPT_FILE_NAME = "prompt.md"


class CommandAgent(CliAgent):
    name = "command"
    classifies_errors = False  # its output and errors are whatever the command prints
    reaches_model_api_itself = False  # TCP only to loopback URLs in its environment and the allow-list

    def __init__(self, command: str | list[str], passthrough: tuple[str, ...] = (), model: str | None = None) -> None:
        try:
            self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        except ValueError as error:  # an unbalanced quote
            raise ValueError(f"cannot split the agent command {command!r}: {error}") from error
        if not self.argv:
            raise ValueError("the command agent needs a command to run")
        self.passthrough = passthrough
        self.model = model

    def invocation(self, request: TaskRequest) -> Invocation:
        prompt_file = request.scratch_dir / PROMPT_FILE_NAME
        prompt_file.write_text(request.prompt, encoding="utf-8")
        extra = {
            "SYMPHONY_PROMPT_FILE": str(prompt_file),
            "SYMPHONY_DOC": str(request.document_path),
            "SYMPHONY_TASK": request.task_text[:MAX_TASK_ENV_CHARS],
            "SYMPHONY_TASK_LINE": str(request.task_line),
            "SYMPHONY_REPO": str(request.repo_dir),
        }
        model = request.model or self.model
        if model:
            extra["SYMPHONY_MODEL"] = model
        env = agent_environment(request.scratch_dir, passthrough=self.passthrough, extra=extra)
        return Invocation(argv=self.argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        lines = stdout.rstrip("\n").split("\n") if stdout.strip() else []
        usage = Usage()
        session_id = None
        record: object = None
        if lines and lines[-1].lstrip().startswith("{") and len(lines[-1]) <= MAX_USAGE_LINE_CHARS:
            try:
                record = json.loads(lines[-1])
            except (ValueError, RecursionError):
                record = None
            if isinstance(record, dict) and isinstance(record.get(USAGE_KEY), dict):
                usage = _usage_from(record[USAGE_KEY])
                found = record[USAGE_KEY].get(SESSION_KEY)
                session_id = found if isinstance(found, str) and found else None
                lines.pop()
        # The head, not the tail: the reply starts with its one-line summary.
        text = "\n".join(lines).strip()[:MAX_TEXT_CHARS]
        if exit_code != 0:
            detail = stderr.strip()[-2000:] or text[-2000:]
            return ParsedOutput(
                success=False,
                text=text,
                usage=usage,
                session_id=session_id,
                error=f"the command exited with code {exit_code}: {detail}",
            )
        return ParsedOutput(success=True, text=text, usage=usage, session_id=session_id)


def _usage_from(record: dict[str, object]) -> Usage:
    def real(key: str) -> float:
        # Python's json accepts NaN and Infinity; neither (nor a negative count) may reach a budget check.
        value = record.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return 0.0
        return max(0.0, float(value))

    def number(key: str) -> int:
        return int(real(key))

    return Usage(
        input_tokens=number("input_tokens"),
        output_tokens=number("output_tokens"),
        cache_read_tokens=number("cache_read_tokens"),
        cache_write_tokens=number("cache_write_tokens"),
        reasoning_tokens=number("reasoning_tokens"),
        cost_usd=real("cost_usd"),
    )
