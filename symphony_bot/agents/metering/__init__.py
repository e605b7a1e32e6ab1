"""The metering proxy: holds the donor's model API key, meters every model request, enforces the budget.

`MeteringProxy` is the entry point; `meter` reads usage out of responses, `providers` knows each API's key
header and error shapes.
"""

from symphony_bot.agents.metering.providers import ProviderName
from symphony_bot.agents.metering.proxy import MeteringProxy
from symphony_bot.agents.metering.task_usage import TaskUsage
from symphony_bot.agents.metering.upstream import ProxyConfigError

__all__ = ["MeteringProxy", "ProviderName", "ProxyConfigError", "TaskUsage"]
