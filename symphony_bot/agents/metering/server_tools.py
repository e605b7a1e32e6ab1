"""Server-side tools: what a model request switches on that the provider runs, and bills, on its own side.

A web search the model runs inside the API costs the donor money on top of the tokens, and the agent chooses
the tools of its own requests. So the proxy reads the tools each request enables, counts each priced use the
answer reports, and adds its fee to the request's cost; with a budget, a request that enables a server tool
with no known price (or one whose uses no request field can bound) is refused before it is forwarded.

Prices in USD per use, as published by each vendor and read on SERVER_TOOL_PRICES_AS_OF:
- Anthropic, https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-search-tool: web search $10 per
  1,000 searches (`usage.server_tool_use.web_search_requests`), bounded by the tool's `max_uses`;
  https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-fetch-tool: web fetch has no charge beyond
  the tokens (`web_fetch_requests`). Code execution is billed by container time, which no answer reports:
  unpriced.
- OpenAI, https://openai.com/api/pricing: web search $10.00 / 1k calls (the `web_search` tool, one
  `web_search_call` output item each), file search $2.50 / 1k calls (`file_search_call`); both bounded by the
  request's `max_tool_calls`. `web_search_preview` (priced by model kind), code interpreter (by container),
  image generation, MCP and computer use: unpriced.
- Google, https://ai.google.dev/gemini-api/docs/pricing: Grounding with Google Search on Gemini 2.5 and 2.0
  $35 / 1,000 grounded prompts (one per request whose answer carries `groundingMetadata.webSearchQueries`);
  Gemini 3 bills $14 / 1,000 search queries, and nothing bounds the queries of one request, so it is
  refused under a budget (counted without one). Code execution and URL context cost tokens only. The free
  daily allowances are not subtracted: the count is an upper bound.
Tools the client runs itself (function / custom tools, Anthropic's bash, text editor, computer and memory
tools, codex's shell and patch tools) cost tokens only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SERVER_TOOL_PRICES_AS_OF = "2026-12-07"
PER_THOUSAND = 1000

WEB_SEARCH = "web_search"
WEB_FETCH = "web_fetch"
FILE_SEARCH = "file_search"
GROUNDING = "google_search"  # a grounded prompt (Gemini 2.x) or a search query (Gemini 3)
DEFAULT_MAX_USES = 10  # set where a request leaves a priced tool unbounded (with a budget only)
UNBOUNDED = "{tool} (nothing in the request bounds its uses)"


@dataclass(frozen=True)
class ToolPrice:
    usd_per_use: float
    source: str


ANTHROPIC_PRICES = {
    WEB_SEARCH: ToolPrice(
        10.0 / PER_THOUSAND, "https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-search-tool"
    ),
    WEB_FETCH: ToolPrice(0.0, "https://docs.claude.com/en/docs/agents-and-tools/tool-use/web-fetch-tool"),
}
OPENAI_PRICES = {
    WEB_SEARCH: ToolPrice(10.0 / PER_THOUSAND, "https://openai.com/api/pricing"),
    FILE_SEARCH: ToolPrice(2.50 / PER_THOUSAND, "https://openai.com/api/pricing"),
}
GEMINI_GROUNDED_PROMPT = ToolPrice(35.0 / PER_THOUSAND, "https://ai.google.dev/gemini-api/docs/pricing")
GEMINI_SEARCH_QUERY = ToolPrice(14.0 / PER_THOUSAND, "https://ai.google.dev/gemini-api/docs/pricing")

# Anthropic tool `type`s: server tools with a price (by prefix), and tools the client runs (tokens only).
_ANTHROPIC_PRICED = {"web_search_": WEB_SEARCH, "web_fetch_": WEB_FETCH}
_ANTHROPIC_CLIENT = ("custom", "bash_", "text_editor_", "computer_", "memory_")
# OpenAI Responses tool `type`s.
_OPENAI_PRICED = {"web_search": WEB_SEARCH, "web_search_2025_08_26": WEB_SEARCH, "file_search": FILE_SEARCH}
_OPENAI_CLIENT = frozenset({"function", "custom", "namespace", "local_shell", "shell", "apply_patch"})
# Gemini tool keys (camelCase and snake_case both accepted by the API).
_GEMINI_CLIENT = frozenset({"functionDeclarations", "function_declarations"})
_GEMINI_TOKENS_ONLY = frozenset({"codeExecution", "code_execution", "urlContext", "url_context"})
_GEMINI_SEARCH = frozenset({"googleSearch", "google_search"})
_GEMINI_PER_PROMPT = re.compile(r"^gemini-2\.[05]")
_GEMINI_PER_QUERY = re.compile(r"^gemini-3")


@dataclass
class ServerTools:
    """What one request enables: priced tools with the bound on their uses, and what has no known price."""

    bounds: dict[str, int]  # priced tool -> most uses the request allows
    unpriced: list[str]
    # Fields to set on the request so that every priced tool is bounded (only applied with a budget).
    set_fields: list[tuple[tuple[str | int, ...], int]]

    def reserve_usd(self, prices: Mapping[str, ToolPrice]) -> float:
        return sum(prices[tool].usd_per_use * uses for tool, uses in self.bounds.items() if tool in prices)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _tools(document: Mapping[str, Any]) -> list[Any]:
    tools = document.get("tools")
    return tools if isinstance(tools, list) else []


def anthropic_tools(document: Mapping[str, Any]) -> ServerTools:
    found = ServerTools({}, [], [])
    for index, tool in enumerate(_tools(document)):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind is None or not isinstance(kind, str) or kind.startswith(_ANTHROPIC_CLIENT):
            continue
        priced = next((name for prefix, name in _ANTHROPIC_PRICED.items() if kind.startswith(prefix)), None)
        if priced is None:
            found.unpriced.append(kind)
            continue
        uses = _int(tool.get("max_uses"))
        if uses is None:
            uses = DEFAULT_MAX_USES
            found.set_fields.append((("tools", index, "max_uses"), uses))
        found.bounds[priced] = found.bounds.get(priced, 0) + uses
    for key in ("mcp_servers", "container"):  # remote MCP calls, code execution with skills
        if document.get(key):
            found.unpriced.append(key)
    return found


def openai_tools(document: Mapping[str, Any]) -> ServerTools:
    found = ServerTools({}, [], [])
    priced: list[str] = []
    for tool in _tools(document):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if not isinstance(kind, str) or kind in _OPENAI_CLIENT:
            continue
        if kind in _OPENAI_PRICED:
            priced.append(_OPENAI_PRICED[kind])
        else:
            found.unpriced.append(kind)
    if document.get("web_search_options") is not None:  # chat completions' search models
        found.unpriced.append("web_search_options")
    if priced:
        calls = _int(document.get("max_tool_calls"))
        if calls is None:
            calls = DEFAULT_MAX_USES
            found.set_fields.append((("max_tool_calls",), calls))
        # max_tool_calls bounds all built-in tool calls together: each priced tool may take all of them.
        found.bounds = dict.fromkeys(priced, calls)
    return found


def gemini_tools(document: Mapping[str, Any], model: str | None) -> ServerTools:
    found = ServerTools({}, [], [])
    name = (model or "").lower()
    for tool in _tools(document):
        if not isinstance(tool, dict):
            continue
        for key in tool:
            if key in _GEMINI_CLIENT or key in _GEMINI_TOKENS_ONLY:
                continue
            if key in _GEMINI_SEARCH and _GEMINI_PER_PROMPT.match(name):
                found.bounds[GROUNDING] = 1  # one grounded prompt per request
            elif key in _GEMINI_SEARCH and _GEMINI_PER_QUERY.match(name):
                found.unpriced.append(UNBOUNDED.format(tool=key))
            else:
                found.unpriced.append(key)
    return found


def gemini_price(model: str | None) -> ToolPrice | None:
    """The grounding price for `model`: per grounded prompt (2.x) or per search query (3), else None."""
    name = (model or "").lower()
    if _GEMINI_PER_PROMPT.match(name):
        return GEMINI_GROUNDED_PROMPT
    if _GEMINI_PER_QUERY.match(name):
        return GEMINI_SEARCH_QUERY
    return None


@dataclass(frozen=True)
class ToolFees:
    """What one answer reported of server-side tool use: uses by tool, their fees, and what has no price."""

    uses: Mapping[str, int]
    usd: float
    unpriced: tuple[str, ...] = ()


NO_FEES = ToolFees({}, 0.0)


def anthropic_fees(usage: Mapping[str, Any]) -> ToolFees:
    """From `usage.server_tool_use`: `web_search_requests`, `web_fetch_requests`, and any other `*_requests`."""
    reported = usage.get("server_tool_use")
    if not isinstance(reported, dict):
        return NO_FEES
    uses: dict[str, int] = {}
    unpriced = []
    for key, value in reported.items():
        count = _int(value)
        if not count or not key.endswith("_requests"):
            continue
        tool = key[: -len("_requests")]
        uses[tool] = count
        if tool not in ANTHROPIC_PRICES:
            unpriced.append(tool)
    usd = sum(ANTHROPIC_PRICES[tool].usd_per_use * count for tool, count in uses.items() if tool in ANTHROPIC_PRICES)
    return ToolFees(uses, usd, tuple(unpriced))


def openai_fees(items: Mapping[str, int]) -> ToolFees:
    """From the count of each `<tool>_call` output item the answer carried."""
    uses = {kind[: -len("_call")]: count for kind, count in items.items() if count}
    unpriced = tuple(tool for tool in uses if tool not in OPENAI_PRICES)
    usd = sum(OPENAI_PRICES[tool].usd_per_use * count for tool, count in uses.items() if tool in OPENAI_PRICES)
    return ToolFees(uses, usd, unpriced)


def gemini_fees(queries: int, model: str | None) -> ToolFees:
    """From the number of search queries the answer's grounding metadata names."""
    if not queries:
        return NO_FEES
    price = gemini_price(model)
    if price is None:
        return ToolFees({GROUNDING: queries}, 0.0, (GROUNDING,))
    uses = 1 if price is GEMINI_GROUNDED_PROMPT else queries
    return ToolFees({GROUNDING: uses}, price.usd_per_use * uses)
