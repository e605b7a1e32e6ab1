"""The demo's world: a sample repository with two Auto Run documents and a labelled issue, on the sandbox."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from symphony_bot.sandbox import Sandbox

OWNER = "maestro-demo"
REPO = "hello-symphony"
SLUG = f"{OWNER}/{REPO}"
BOT_LOGIN = "symphony-donor"
BOT_TOKEN = "demo-bot-token"  # noqa: S105 (a sandbox token, valid nowhere else)
MAINTAINER_TOKEN = "demo-maintainer-token"  # noqa: S105
ISSUE_TITLE = "Greet the world and document it"
TRIGGER = "/symphony run"
DOCUMENTS = {
    "docs/autorun/1-greeting.md": (
        "# Greeting\n\nTasks for the agent, top to bottom.\n\n"
        "- [ ] Create `hello.txt` with a greeting\n"
        "- [ ] Add a farewell to `hello.txt`\n"
        "- [ ] List the greetings in `GREETINGS.md`\n"
    ),
    "docs/autorun/2-docs.md": (
        "# Documentation\n\n"
        "- [ ] Describe the greeting in `docs/usage.md`\n"
        "- [ ] Add a changelog entry in `CHANGELOG.md`\n"
    ),
}
ISSUE_BODY = (
    "Run these Auto Run documents:\n\n"
    + "".join(f"- {path}\n" for path in DOCUMENTS)
    + "\nEach task is small; the demo agent does them in order.\n"
)


def seed(sandbox: Sandbox) -> tuple[int, int]:
    """Build the world; return (issue number, id of the `/symphony run` comment)."""
    sandbox.add_user(OWNER, token=MAINTAINER_TOKEN)
    sandbox.add_user(BOT_LOGIN, token=BOT_TOKEN)
    sandbox.create_repo(
        OWNER, REPO, files={"README.md": "# hello-symphony\n\nA sample project for the demo.\n", **DOCUMENTS}
    )
    sandbox.add_label(OWNER, REPO, "runmaestro.ai", color="0e8a16")
    sandbox.set_permission(OWNER, REPO, BOT_LOGIN, "write")
    issue = sandbox.create_issue(OWNER, REPO, ISSUE_TITLE, ISSUE_BODY, labels=["runmaestro.ai"])
    trigger = sandbox.comment(OWNER, REPO, issue.number, TRIGGER, author=OWNER)
    return issue.number, trigger.id


def demo_agent_command() -> list[str]:
    return [sys.executable, "-m", "symphony_bot.demo.agent"]
