"""The `command` agent: any executable does the task.

It gets the prompt on stdin and in a file, and the task in environment variables:
SYMPHONY_PROMPT_FILE, SYMPHONY_DOC, SYMPHONY_TASK, SYMPHONY_TASK_LINE, SYMPHONY_REPO. Exit code 0 means it ran;
whether the task is done is decided, as for every agent, by the box in the document. A last stdout line of
the form `{"symphony_usage": {"input_tokens": …, "output_tokens": …, "cost_usd": …}}` reports usage.
"""

from __future__ import annotations

import json
import shlex

from symphony_bot.agents.base import CliAgent, Invocation, ParsedOutput, TaskRequest, Usage
from symphony_bot.agents.environment import agent_environment

USAGE_KEY = "symphony_usage"
MAX_TEXT_CHARS = 20_000


class CommandAgent(CliAgent):
    name = "command"

    def __init__(self, command: str | list[str], passthrough: tuple[str, ...] = ()) -> None:
        self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not self.argv:
            raise ValueError("the command agent needs a command to run")
        self.passthrough = passthrough

    def invocation(self, request: TaskRequest) -> Invocation:
        prompt_file = request.scratch_dir / "prompt.md"
        prompt_file.write_text(request.prompt, encoding="utf-8")
        env = agent_environment(
            request.scratch_dir,
            passthrough=self.passthrough,
            extra={
                "SYMPHONY_PROMPT_FILE": str(prompt_file),
                "SYMPHONY_DOC": str(request.document_path),
                "SYMPHONY_TASK": request.task_text,
                "SYMPHONY_TASK_LINE": str(request.task_line),
                "SYMPHONY_REPO": str(request.repo_dir),
            },
        )
        return Invocation(argv=self.argv, env=env, cwd=request.repo_dir, stdin=request.prompt.encode("utf-8"))

    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        lines = stdout.rstrip("\n").split("\n") if stdout.strip() else []
        usage = Usage()
        if lines:
            try:
                record = json.loads(lines[-1])
            except ValueError:
                record = None
            if isinstance(record, dict) and isinstance(record.get(USAGE_KEY), dict):
                usage = _usage_from(record[USAGE_KEY])
                lines.pop()
        text = "\n".join(lines).strip()[-MAX_TEXT_CHARS:]
        if exit_code != 0:
            detail = stderr.strip()[-2000:] or text[-2000:]
            return ParsedOutput(
                success=False, text=text, usage=usage, error=f"the command exited with code {exit_code}: {detail}"
            )
        return ParsedOutput(success=True, text=text, usage=usage)


def _usage_from(record: dict[str, object]) -> Usage:
    def number(key: str) -> int:
        value = record.get(key, 0)
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

    cost = record.get("cost_usd", 0.0)
    return Usage(
        input_tokens=number("input_tokens"),
        output_tokens=number("output_tokens"),
        cache_read_tokens=number("cache_read_tokens"),
        cache_write_tokens=number("cache_write_tokens"),
        reasoning_tokens=number("reasoning_tokens"),
        cost_usd=float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else 0.0,
    )
