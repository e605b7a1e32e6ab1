"""A real agent CLI under the bot's Landlock rules (issue 17, item 14): its own shell tool runs a probe that
tries to write and read outside the work tree and to connect to a loopback port other than its model URL's.
Only Landlock can refuse these: the folder outside is open to every user and the other port has a listener."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

from symphony_bot.agents.agent_user import AGENT_USER, running_as_root
from symphony_bot.agents.base import AgentResult
from symphony_bot.agents.cli_agent import CliAgent
from symphony_bot.sandbox.model_server import ModelServer
from tests.agent_cli_helpers import run_task, task_script
from tests.autorun_helpers import AGENT_PYTHON, reachable_tmp

PROBE_NAME = "probe.py"
SEEN_NAME = "seen.json"
SECRET = "a file every user may read, outside the work tree"
TICK = "sed -i 's/- \\[ \\]/- [x]/' plan.md"
PROBE = r"""
import json, os, socket, sys
outside, model_port, other_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen = {}
def attempt(name, action):
    try:
        action()
        seen[name] = "ok"
    except OSError as error:
        seen[name] = type(error).__name__
def connect(port):
    with socket.create_connection(("127.0.0.1", port), timeout=30):
        pass
attempt("write outside", lambda: open(os.path.join(outside, "planted"), "w").write("x"))
attempt("read outside", lambda: open(os.path.join(outside, "secret.txt")).read())
attempt("write tree", lambda: open("made-here.txt", "w").write("x"))
attempt("write temp", lambda: open(os.path.join(os.environ["TMPDIR"], "t"), "w").write("x"))
attempt("model port", lambda: connect(model_port))
attempt("other port", lambda: connect(other_port))
open("seen.json", "w").write(json.dumps(seen))
"""
CONFINED = {
    "write outside": "PermissionError",
    "read outside": "PermissionError",
    "write tree": "ok",
    "write temp": "ok",
    "model port": "ok",
    "other port": "PermissionError",
}


def probe_under_landlock(make_agent: Callable[[ModelServer], CliAgent]) -> tuple[AgentResult, dict[str, str], bool]:
    """Run the probe through the CLI's own shell tool (as its own uid when the bot is root, as on a runner).
    Returns the result, what the probe saw, and whether the other port's listener was reached."""
    with reachable_tmp() as root, socket.create_server(("127.0.0.1", 0)) as other:
        outside = root / "open"
        outside.mkdir()
        outside.chmod(0o777)  # every uid may write here: only Landlock stops the agent
        (outside / "secret.txt").write_text(SECRET)
        (outside / "secret.txt").chmod(0o644)
        other_port = other.getsockname()[1]

        def setup(repo: Path) -> None:
            (repo / PROBE_NAME).write_text(PROBE)

        with ModelServer() as server:
            model_port = int(server.url.rsplit(":", 1)[1])
            server.set_script(task_script(f"{AGENT_PYTHON} {PROBE_NAME} {outside} {model_port} {other_port} && {TICK}"))
            run_as = AGENT_USER if running_as_root() else None
            result, repo = run_task(make_agent(server), root, setup=setup, run_as=run_as)
        seen_file = repo / SEEN_NAME
        seen = json.loads(seen_file.read_text()) if seen_file.exists() else {}
        other.setblocking(False)
        try:
            other.accept()[0].close()
            reached = True
        except BlockingIOError:
            reached = False
    return result, seen, reached
