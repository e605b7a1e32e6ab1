"""Autorun's progress log in Actions (issue 9, item 3): task text and the agent's summary are printed
neutralized, so neither a document nor an agent can forge a workflow command."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.actions_runner import command_lines, forged_commands
from tests.autorun_helpers import AGENT_PYTHON, TICK, reachable_tmp

BIN = Path(sys.executable).parent / "symphony-bot"
# The agent ticks its task, then "summarises" with forged commands in both forms.
FORGING_AGENT = (
    """
print("##[error]forged by the agent \\u2028::add-mask::forged")
print("    ::error file=x,line=1::forged by the agent")
"""
    + TICK
)
DOCUMENT = "- [ ] ##[add-mask]forged by the document\n- [ ] \u0085::error::forged too\n"


@pytest.mark.parametrize("json_lines", [False, True], ids=["human", "json"])
def test_task_text_and_agent_summaries_cannot_forge_commands(json_lines) -> None:
    with reachable_tmp() as folder:
        _check_no_forged_commands(folder, json_lines)


def _check_no_forged_commands(tmp_path: Path, json_lines: bool) -> None:
    # Run as root, autorun starts the agent as its own unprivileged user: the folder and the interpreter must be
    # reachable by that user (pytest's tmp_path is not).
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.md").write_text(DOCUMENT, encoding="utf-8")
    agent = tmp_path / "agent.py"
    agent.write_text(FORGING_AGENT)
    completed = subprocess.run(
        [str(BIN), "autorun", "plan.md", "--agent", "command", "--agent-command", f"{AGENT_PYTHON} {agent}"]
        + (["--json"] if json_lines else []),
        cwd=repo,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout + completed.stderr
    assert "forged by the document" in output  # the task text is shown, inert
    assert "forged by the agent" in output  # and the agent's summary
    assert command_lines(output) == forged_commands(output) == []
