"""`demo --agent claude|codex|opencode|gemini`: the same demo with a real agent CLI, against the scripted model
server (no network, no API key): each task, the "model" asks the CLI's own shell tool to tick the next box and
log it, then answers. The CLI is taken from PATH, else from the test suite's pinned npm packages."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from symphony_bot.agents.catalogue import CLI_AGENT_NAMES

REAL_AGENTS = CLI_AGENT_NAMES
# How each CLI is pointed at the scripted server ("{url}" is its address) and the model asked for.
POINTING: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "claude": ((("ANTHROPIC_BASE_URL", "{url}"), ("ANTHROPIC_API_KEY", "demo-key")), "claude-sonnet-4-5"),
    "codex": ((("OPENAI_BASE_URL", "{url}/v1"), ("OPENAI_API_KEY", "demo-key")), "gpt-5.1-codex"),
    "opencode": ((("OPENCODE_BASE_URL", "{url}/v1"), ("OPENCODE_API_KEY", "demo-key")), "scripted"),
    "gemini": ((("GOOGLE_GEMINI_BASE_URL", "{url}"), ("GEMINI_API_KEY", "demo-key")), "gemini-2.5-flash"),
}
NPM_BIN = Path("tests") / "npm" / "node_modules" / ".bin"
# What the scripted model has the CLI run for every task: tick the first open box of the demo's documents
# (tasks run in order, so that is the current one) and log it.
TICK_NEXT = (
    "for f in docs/autorun/*.md; do if grep -q -- '- \\[ \\]' \"$f\"; then "
    'sed -i \'0,/- \\[ \\]/s//- [x]/\' "$f"; echo "- a task of $f, done by the agent" >> DEMO_LOG.md; break; fi; done'
)
FINAL_REPLY = "Done: the task is ticked and logged in DEMO_LOG.md"


def find_cli(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    local = Path.cwd() / NPM_BIN / name
    return str(local) if local.exists() else None


@contextlib.contextmanager
def scripted_agent(name: str) -> Iterator[Any]:
    """The adapter for `name`, pointed at a scripted model server that lives as long as the block."""
    from symphony_bot.agents.catalogue import make_agent
    from symphony_bot.sandbox.model_server import ModelServer, shell, text

    executable = find_cli(name)
    if executable is None:
        raise LookupError(f"the {name} CLI is not installed (not on PATH, nor in {NPM_BIN}): run `make setup`")
    pointing, model = POINTING[name]
    with ModelServer([shell(TICK_NEXT), text(FINAL_REPLY)]) as server:
        saved = {key: os.environ.get(key) for key, _ in pointing}
        try:
            for key, value in pointing:
                os.environ[key] = value.replace("{url}", server.url)
            yield make_agent(name, executable=executable, model=model)
        finally:
            for key, previous in saved.items():
                if previous is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = previous
