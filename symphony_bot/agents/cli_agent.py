"""The base class of every adapter that runs an executable: build the invocation, run it under watch, parse
its output. Kept apart from `base` so that `process` (which runs adapters) and the adapters' data types form
no import cycle: `base` <- `process` <- `cli_agent` <- each adapter."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

from symphony_bot.agents.base import AgentResult, Invocation, OutputCallback, ParsedOutput, TaskRequest
from symphony_bot.agents.process import run_agent_process


class CliAgent(ABC):
    """An agent that is an executable: build the invocation, run it under watch, parse its output."""

    name: str
    # How to install the CLI, named in the error when its executable is missing (e.g. "npm install -g ...").
    install_hint: str = ""

    @abstractmethod
    def invocation(self, request: TaskRequest) -> Invocation:
        """argv, environment (from the allow-list), cwd and stdin for this task."""

    @abstractmethod
    def parse(self, stdout: str, stderr: str, exit_code: int | None) -> ParsedOutput:
        """Read the CLI's machine-readable output."""

    # Whether the CLI talks to its model API itself when no metering proxy is on its route (then Landlock leaves
    # its TCP connections open); the command agent sets False: it may connect only where it is told.
    reaches_model_api_itself: bool = True

    # Whether a failure's text is the CLI's own error (so a refused key or an unreachable API can be told apart).
    classifies_errors: bool = True

    def api_trouble(self, line: str) -> tuple[str, str] | None:
        """The CLI's own notice, in an output line, that the model API refused the key or cannot be reached
        (see `symphony_bot.agents.api_trouble`). None: not such a notice."""
        return None

    def run(self, request: TaskRequest, stop: threading.Event, on_output: OutputCallback | None = None) -> AgentResult:
        return run_agent_process(self, request, stop, on_output)
