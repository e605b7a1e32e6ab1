"""A scripted model server: the test double of the LLM APIs the agent CLIs talk to.

It speaks the wire protocols of the supported CLIs — Anthropic Messages, SSE and JSON (claude), OpenAI
Responses (codex), OpenAI Chat Completions (opencode) and Gemini `streamGenerateContent` / `generateContent`
(gemini) — and answers every request from a SCRIPT of turns: a text reply, a tool call, or an API error.

It keeps no per-connection state: the turn to play is the number of model turns already in the conversation
the CLI sends back, so retries and side requests replay the same turn. Several conversations can share one
server: a prompt containing `symphony-script:NAME` plays the script registered under NAME.

A tool call either names the tool exactly (`tool_call("Bash", {...})`) or asks for "the CLI's shell tool"
(`shell("echo hi > x")`): the server picks the shell tool among those the request offers (claude `Bash`,
codex `exec_command`, opencode `bash`, gemini `run_shell_command`) and shapes the arguments for it, so one
script drives every CLI. A request that offers no tools while the script wants a tool call is a side request
(a session title, say) and gets a short text that consumes nothing.

Turns can also be given as dicts (JSON scripts): `{"text": "..."}`, `{"shell": "cmd"}`,
`{"tool": {"name": "Bash", "input": {...}}}`, `{"error": {"status": 429, "message": "..."}}`, each with an
optional `"usage": {"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
"reasoning_tokens"}`, `"server_tools": {"web_search": 3}` (priced server-side tool use, in each API's own
usage fields), `"deltas": 5, "delta_pause_s": 0.1` (a streamed text in pieces) and `"stall_s": 2` (silence
before the answer).

Every request is logged (`ModelServer.requests`): protocol, model, tool names, script key, turn index, what
was answered and the usage reported — tests compare what a CLI printed with what the "model" charged.
"""

from symphony_bot.sandbox.model_server.reading import ANTHROPIC, CHAT, GEMINI, RESPONSES
from symphony_bot.sandbox.model_server.script import (
    DEFAULT_KEY,
    FINAL_REPLY,
    NO_USAGE,
    REPLY_META,
    REPLY_SIDE,
    REPLY_TEXT,
    SCRIPT_MARKER,
    SERVER_TOOL_KINDS,
    SHELL_TOOL,
    SHELL_TOOL_NAMES,
    SIDE_REPLY,
    WEB_FETCH,
    WEB_SEARCH,
    ScriptedRequest,
    ScriptTurn,
    Turn,
    TurnUsage,
    api_error,
    shell,
    text,
    tool_call,
)
from symphony_bot.sandbox.model_server.server import MAX_BODY_BYTES, ModelServer

__all__ = [
    "ANTHROPIC",
    "CHAT",
    "DEFAULT_KEY",
    "FINAL_REPLY",
    "GEMINI",
    "MAX_BODY_BYTES",
    "NO_USAGE",
    "REPLY_META",
    "REPLY_SIDE",
    "REPLY_TEXT",
    "RESPONSES",
    "SCRIPT_MARKER",
    "SERVER_TOOL_KINDS",
    "SHELL_TOOL",
    "SHELL_TOOL_NAMES",
    "SIDE_REPLY",
    "WEB_FETCH",
    "WEB_SEARCH",
    "ModelServer",
    "ScriptTurn",
    "ScriptedRequest",
    "Turn",
    "TurnUsage",
    "api_error",
    "shell",
    "text",
    "tool_call",
]
