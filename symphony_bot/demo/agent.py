"""The demo agent: a tiny `command` agent that makes a real, simple edit for a task and ticks its box.

Run as `python -m symphony_bot.demo.agent` by the command agent adapter, which passes SYMPHONY_DOC,
SYMPHONY_TASK, SYMPHONY_TASK_LINE and SYMPHONY_REPO. A task that names a file in backticks (`hello.txt`)
gets a line appended to that file; any other task is logged in DEMO_LOG.md. Then the task's box is ticked and
a usage line is printed the way the command agent's contract describes.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

LOG_FILE = "DEMO_LOG.md"
_FILE_NAME = re.compile(r"`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)`")
_OPEN_BOX = re.compile(r"^(\s*[-*+]\s*)\[\s*\]")


def main() -> int:
    repo = Path(os.environ["SYMPHONY_REPO"])
    document = Path(os.environ["SYMPHONY_DOC"])
    task = os.environ.get("SYMPHONY_TASK", "")
    line_number = int(os.environ.get("SYMPHONY_TASK_LINE", "0"))
    named = _FILE_NAME.search(task)
    target = repo / (named.group(1) if named and ".." not in named.group(1) else LOG_FILE)
    if not target.resolve().is_relative_to(repo.resolve()):
        target = repo / LOG_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(f"- {task}\n")
    lines = document.read_text(encoding="utf-8").split("\n")
    if 0 < line_number <= len(lines):
        lines[line_number - 1] = _OPEN_BOX.sub(r"\1[x]", lines[line_number - 1], count=1)
        document.write_text("\n".join(lines), encoding="utf-8")
    print(f"Wrote {target.relative_to(repo)} for: {task}")
    usage = {"input_tokens": 40 + len(task), "output_tokens": 12, "cost_usd": 0.0}
    print(json.dumps({"symphony_usage": usage}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
