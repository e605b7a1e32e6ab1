"""A whole contribution run, every git command of the harness logged by a wrapper (installed through the test
hook, the only way to replace the resolved git): with the bot's environment full of secrets, no git process
sees one, and only the commands that talk to the remote carry the token's header."""

from __future__ import annotations

import base64

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from symphony_bot.workspace.git_executable import git_program_for_tests
from tests.e2e.contribution_helpers import BOT_TOKEN, OWNER, REPO, run_issue, script_agent
from tests.test_workspace_git_process import ALLOWED, BOT_SECRETS, NETWORK_COMMANDS, SHELL_ADDED, _calls, _logging_git

WORK = """
repo = pathlib.Path(os.environ["SYMPHONY_REPO"])
(repo / f"work-{os.environ['SYMPHONY_TASK_LINE']}.txt").write_text(os.environ["SYMPHONY_TASK"])
doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
lines = doc.read_text().split("\\n")
n = int(os.environ["SYMPHONY_TASK_LINE"]) - 1
lines[n] = lines[n].replace("[ ]", "[x]", 1)
doc.write_text("\\n".join(lines))
"""


def test_no_git_process_of_a_run_sees_a_secret(tmp_path, monkeypatch) -> None:
    for name, value in BOT_SECRETS.items():
        monkeypatch.setenv(name, value)
    wrapper, log = _logging_git(tmp_path)
    header = base64.b64encode(f"x-access-token:{BOT_TOKEN}".encode()).decode()
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        with git_program_for_tests(wrapper):
            state = run_issue(sb, number, agent=script_agent(tmp_path, WORK))
        assert state.phase is Phase.COMPLETED, state.last_error
        assert sb.pulls(OWNER, REPO)
    calls = _calls(log)
    commands = {command for command, _ in calls}
    assert {"init", "fetch", "ls-remote", "add", "commit", "push"} <= commands, commands
    for command, environment in calls:
        inherited = set(environment) - ALLOWED - SHELL_ADDED
        assert {k for k in inherited if not k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))} == set()
        text = "\n".join(environment.values())
        assert not [secret for secret in BOT_SECRETS.values() if secret in text], command
        assert BOT_TOKEN not in text
        assert (header in text) is (command in NETWORK_COMMANDS), command
