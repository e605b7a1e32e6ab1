"""The script a scripted model server plays: turns (text, tool call, shell, API error), their usage, and the
log record of one answered request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCRIPT_MARKER = "symphony-script:"
SCRIPT_MARKER_PATTERN = re.compile(re.escape(SCRIPT_MARKER) + r"([A-Za-z0-9_.-]+)")
DEFAULT_KEY = "default"
SIDE_REPLY = "Scripted task"
FINAL_REPLY = "Done."
SHELL_DESCRIPTION = "Run the scripted command"

# Reply kinds in the request log.
REPLY_TEXT = "text"
REPLY_SIDE = "side"  # a side request answered outside the script
REPLY_META = "meta"  # model list, token count, unknown route


@dataclass(frozen=True)
class TurnUsage:
    """Tokens one model turn reports. `input_tokens` is the uncached input and `output_tokens` the visible
    output; each protocol folds cache and reasoning figures into its own fields (OpenAI and Gemini count
    cached input inside the prompt total, OpenAI counts reasoning inside the output total)."""

    input_tokens: int = 100
    output_tokens: int = 20
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: TurnUsage) -> TurnUsage:
        return TurnUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )

    @property
    def prompt_total(self) -> int:
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def output_total(self) -> int:
        return self.output_tokens + self.reasoning_tokens


NO_USAGE = TurnUsage(0, 0, 0, 0, 0)
# Kinds of priced server-side tool use a turn can report (`Turn.server_tools`), as each API reports them:
# Anthropic `usage.server_tool_use.<kind>_requests`, OpenAI Responses `<kind>_call` output items, Gemini
# `groundingMetadata.webSearchQueries` (web searches only).
WEB_SEARCH = "web_search"
WEB_FETCH = "web_fetch"
SERVER_TOOL_KINDS = (WEB_SEARCH, WEB_FETCH)
SHELL_TOOL = "<shell>"  # Turn.tool value meaning "whichever shell tool the CLI offers"
# The shell tool of each CLI, in order of preference.
SHELL_TOOL_NAMES = ("Bash", "exec_command", "bash", "run_shell_command", "shell", "local_shell", "exec")


@dataclass(frozen=True)
class Turn:
    """One scripted model turn. Build it with `text`, `tool_call`, `shell` or `api_error`."""

    text: str = ""
    tool: str | None = None
    arguments: Mapping[str, Any] = field(default_factory=dict)
    command: str = ""  # for SHELL_TOOL
    usage: TurnUsage = field(default_factory=TurnUsage)
    error_status: int | None = None
    error_message: str = ""
    # False adds `x-should-retry: false` (honoured by the Anthropic and OpenAI SDKs) so a failing run ends at once.
    retry: bool = False
    # Priced server-side tool use the answer reports, by kind (SERVER_TOOL_KINDS): web searches, web fetches.
    server_tools: Mapping[str, int] = field(default_factory=dict)
    # A streamed text arrives in this many deltas, `delta_pause_s` apart (a long answer, a client hanging up).
    deltas: int = 1
    delta_pause_s: float = 0.0
    # Seconds the server waits before answering at all (a stalled API).
    stall_s: float = 0.0

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Turn:
        usage = TurnUsage(**{k: int(v) for k, v in (raw.get("usage") or {}).items()})
        pacing: dict[str, Any] = {
            "server_tools": {str(k): int(v) for k, v in (raw.get("server_tools") or {}).items()},
            "deltas": int(raw.get("deltas", 1)),
            "delta_pause_s": float(raw.get("delta_pause_s", 0.0)),
            "stall_s": float(raw.get("stall_s", 0.0)),
        }
        if "error" in raw:
            error = raw["error"]
            return cls(
                error_status=int(error.get("status", 500)),
                error_message=str(error.get("message", "scripted error")),
                retry=bool(error.get("retry", False)),
                stall_s=pacing["stall_s"],
            )
        if "shell" in raw:
            return cls(tool=SHELL_TOOL, command=str(raw["shell"]), usage=usage, **pacing)
        if "tool" in raw:
            name, arguments = str(raw["tool"]["name"]), dict(raw["tool"].get("input") or {})
            return cls(tool=name, arguments=arguments, usage=usage, **pacing)
        return cls(text=str(raw.get("text", FINAL_REPLY)), usage=usage, **pacing)

    def pieces(self) -> list[str]:
        """The text cut into `deltas` pieces (at least one, possibly empty), in order."""
        count = max(1, self.deltas)
        size = -(-len(self.text) // count) if self.text else 0
        return [self.text[i * size : (i + 1) * size] for i in range(count)] if size else [self.text] * count


def text(reply: str, usage: TurnUsage | None = None) -> Turn:
    return Turn(text=reply, usage=usage or TurnUsage())


def tool_call(name: str, arguments: Mapping[str, Any], usage: TurnUsage | None = None) -> Turn:
    return Turn(tool=name, arguments=dict(arguments), usage=usage or TurnUsage())


def shell(command: str, usage: TurnUsage | None = None) -> Turn:
    """Call whichever shell tool the CLI offers with `command`."""
    return Turn(tool=SHELL_TOOL, command=command, usage=usage or TurnUsage())


def api_error(status: int, message: str, retry: bool = False, stall_s: float = 0.0) -> Turn:
    return Turn(error_status=status, error_message=message, retry=retry, stall_s=stall_s)


ScriptTurn = Turn | Mapping[str, Any]


def as_turns(script: Iterable[ScriptTurn]) -> list[Turn]:
    return [turn if isinstance(turn, Turn) else Turn.from_dict(turn) for turn in script]


@dataclass(frozen=True)
class ScriptedRequest:
    """One request as the server saw it and answered it."""

    method: str
    path: str
    api: str | None
    model: str | None
    stream: bool
    turn: int
    tools: tuple[str, ...]
    key: str
    reply: str  # "text", "tool:<name>", "error:<status>", "side", "meta"
    usage: TurnUsage | None
    body: Any = field(repr=False, default=None)
