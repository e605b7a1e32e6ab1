"""What went through the metering proxy for one task (or the whole run)."""

from __future__ import annotations

from dataclasses import dataclass, field

from symphony_bot.agents.base import Usage


@dataclass(frozen=True)
class TaskUsage:
    """What went through the proxy since the last `take_usage`."""

    usage: Usage = field(default_factory=Usage)
    requests: int = 0  # model requests forwarded
    budget_refusals: int = 0  # model requests refused because the budget was spent or cannot be kept
    tool_fees_usd: float = 0.0  # of usage.cost_usd, the fees of server-side tools (web search...)
    unpriced_tools: tuple[str, ...] = ()  # server-side tools the answers reported that have no known price

    def __add__(self, other: TaskUsage) -> TaskUsage:
        tools = self.unpriced_tools + tuple(t for t in other.unpriced_tools if t not in self.unpriced_tools)
        return TaskUsage(
            self.usage + other.usage,
            self.requests + other.requests,
            self.budget_refusals + other.budget_refusals,
            self.tool_fees_usd + other.tool_fees_usd,
            tools,
        )
