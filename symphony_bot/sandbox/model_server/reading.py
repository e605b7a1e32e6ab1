"""Reading a request: which API it speaks, which conversation and turn it belongs to, which tools it offers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from symphony_bot.sandbox.model_server.script import (
    DEFAULT_KEY,
    SCRIPT_MARKER_PATTERN,
    SHELL_DESCRIPTION,
    SHELL_TOOL,
    SHELL_TOOL_NAMES,
    Turn,
)

ANTHROPIC = "anthropic"
RESPONSES = "responses"
# codex 0.169 on its default model sends its tools inside the input, in namespaces, and reaches the shell through
# a `custom` tool `exec` that runs JavaScript (`await tools.exec_command({cmd: ...})`).
ADDITIONAL_TOOLS = "additional_tools"
NAMESPACE = "namespace"
CODEX_JS_EXEC = "exec"
CUSTOM_INPUT = "input"  # a custom tool's call carries one free-form string, not JSON arguments
MODEL_CALL_ITEMS = ("function_call", "custom_tool_call")
CHAT = "chat"
GEMINI = "gemini"


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:24]


def script_key(body: Any, known: Iterable[str]) -> str:
    known_keys = set(known)
    for match in SCRIPT_MARKER_PATTERN.finditer(json.dumps(body, ensure_ascii=False)):
        if match.group(1) in known_keys:
            return match.group(1)
    return DEFAULT_KEY


def model_turns(api: str, body: Mapping[str, Any]) -> int:
    def dicts(value: Any) -> list[dict[str, Any]]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    if api in (ANTHROPIC, CHAT):
        return sum(1 for m in dicts(body.get("messages")) if m.get("role") == "assistant")
    if api == RESPONSES:
        return sum(
            1
            for i in dicts(body.get("input"))
            if i.get("type") in MODEL_CALL_ITEMS or (i.get("type") == "message" and i.get("role") == "assistant")
        )
    return sum(1 for c in dicts(body.get("contents")) if c.get("role") == "model")


def _offered_tools(api: str, body: Mapping[str, Any]) -> list[Any]:
    """The request's tool list; for the Responses API also the tools sent inside the input, as codex does for
    its default model (`input[].additional_tools`, tools grouped in namespaces)."""
    tools = list(body.get("tools") or []) if isinstance(body.get("tools"), list) else []
    if api == RESPONSES and isinstance(body.get("input"), list):
        for item in body["input"]:
            if isinstance(item, dict) and item.get("type") == ADDITIONAL_TOOLS and isinstance(item.get("tools"), list):
                tools.extend(item["tools"])
    flat: list[Any] = []
    while tools:
        tool = tools.pop(0)
        if isinstance(tool, dict) and tool.get("type") == NAMESPACE and isinstance(tool.get("tools"), list):
            tools[:0] = tool["tools"]
        else:
            flat.append(tool)
    return flat


def tool_names(api: str, body: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for tool in _offered_tools(api, body):
        if not isinstance(tool, dict):
            continue
        if api == GEMINI:
            declarations = tool.get("functionDeclarations") or []
            names.extend(str(d.get("name")) for d in declarations if isinstance(d, dict))
        elif isinstance(tool.get("function"), dict):  # chat completions
            names.append(str(tool["function"].get("name")))
        elif tool.get("name"):
            names.append(str(tool["name"]))
    return tuple(names)


def shell_arguments(tool: str, command: str) -> dict[str, Any]:
    if tool == CODEX_JS_EXEC:  # codex's default model: JavaScript that calls the nested exec_command tool
        source = f"const result = await tools.exec_command({{cmd: {json.dumps(command)}}});\ntext(result);"
        return {CUSTOM_INPUT: source}
    if tool == "exec_command":  # codex
        return {"cmd": command}
    if tool in ("shell", "local_shell"):  # older codex
        return {"command": ["bash", "-lc", command]}
    return {"command": command, "description": SHELL_DESCRIPTION}  # claude Bash, opencode bash, gemini


def resolve_tool(turn: Turn, offered: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
    """The tool name and arguments to send, or None when the request offers no fitting tool."""
    if turn.tool != SHELL_TOOL:
        return (str(turn.tool), dict(turn.arguments)) if turn.tool in offered else None
    for name in SHELL_TOOL_NAMES:
        if name in offered:
            return name, shell_arguments(name, turn.command)
    return None


def api_for(path: str) -> str | None:
    if path.endswith("/messages"):
        return ANTHROPIC
    if path.endswith("/responses"):
        return RESPONSES
    if path.endswith("/chat/completions"):
        return CHAT
    if ":streamGenerateContent" in path or ":generateContent" in path:
        return GEMINI
    return None
