"""`symphony-bot run` does an issue's task with the real claude CLI behind the metering proxy (sandbox GitHub,
scripted model): the CLI sees only the proxy and a dummy key, and the run reports what the proxy counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from symphony_bot.agents.metering.wiring import MODEL_KEY_VARIABLES
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from symphony_bot.sandbox.model_server import ModelServer, TurnUsage, shell, text
from tests.metering_helpers import REAL_KEY

BIN = Path(sys.executable).parent / "symphony-bot"
FIRST_DOCUMENT = next(iter(scenario.DOCUMENTS))
# Tick the first box of the first document, leaving what the tool can see of every environment beside it.
PROBE = (
    "(env; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n') > env-seen.txt; "
    f"sed -i '0,/- \\[ \\]/s//- [x]/' {FIRST_DOCUMENT}"
)


def test_run_does_a_task_through_the_proxy_and_the_cli_never_sees_the_key(npm_modules) -> None:
    with (
        Sandbox() as sb,
        ModelServer([shell(PROBE, TurnUsage(100, 10)), text("Ticked it", TurnUsage(200, 20))]) as model,
    ):
        number, _ = scenario.seed(sb)
        environ = {name: value for name, value in os.environ.items() if name not in MODEL_KEY_VARIABLES}
        environ |= {
            "GITHUB_TOKEN": scenario.BOT_TOKEN,
            "SYMPHONY_GITHUB_TOKEN": "",
            "SYMPHONY_TRIGGERED_BY": "",
            "ANTHROPIC_API_KEY": REAL_KEY,
            "ANTHROPIC_BASE_URL": model.url,
        }
        argv = [str(BIN), "run", f"{scenario.SLUG}#{number}", "--agent", "claude", "--model", "claude-sonnet-4-5"]
        argv += ["--agent-executable", str(npm_modules / ".bin" / "claude"), "--max-tasks", "1", "--json"]
        argv += ["--github-url", sb.api_url, "--comment-interval", "0"]
        completed = subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=180, check=False)
        events = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
        [pull] = sb.pulls(scenario.OWNER, scenario.REPO)
        seen = sb.file(scenario.OWNER, scenario.REPO, "env-seen.txt", ref=pull.pull.head_ref) or ""
    assert completed.returncode == 5, completed.stderr  # the budget of one task reached, after it was done
    (task,) = [event for event in events if event["type"] == "task_complete"]
    assert task["success"] is True
    usage = task["usageStats"]
    assert (usage["inputTokens"], usage["outputTokens"]) == (300, 30) and usage["costIsEstimate"] is True
    assert "ANTHROPIC_API_KEY=symphony-proxy-" in seen and REAL_KEY not in seen and model.url not in seen
