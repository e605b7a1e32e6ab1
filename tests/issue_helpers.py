"""Shared set-up for the `issue show` and `scan` command tests: one repository with an available, a claimed
and a blocked issue on the sandbox, and a way to run the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from click.testing import CliRunner, Result

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox

LABEL = "runmaestro.ai"


def run(*args: str, stdin: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


@contextmanager
def issue_world() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    with Sandbox() as sb:
        sb.add_user("alice", token="t-alice")
        sb.add_user("bob", token="t-bob")
        sb.create_repo("alice", "proj", files={"docs/task.md": "- [ ] one\n- [x] two\n- [ ] three\n"})
        sb.create_issue("alice", "proj", "Available", "- docs/task.md\n- docs/missing.md", labels=[LABEL])
        claimed = sb.create_issue("alice", "proj", "Claimed", "- docs/task.md", labels=[LABEL]).number
        sb.create_issue("alice", "proj", "Blocked", "- docs/task.md", labels=[LABEL, "blocking"])
        sb.push_branch("alice", "proj", "symphony/2", {"w.txt": "w"})
        sb.open_pull("alice", "proj", "symphony/2", title="[WIP]", body=f"Closes #{claimed}", draft=True, author="bob")
        sb.create_issue("alice", "proj", "Ready", "- docs/task.md", labels=[LABEL])  # #5: every document there
        env = {"GITHUB_TOKEN": "t-bob", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
        yield sb, env


# Issue 9, item 3: text an issue's author writes, in each form the Actions runner could read as a command.
FORGED_TEXTS = ("::error::forged", "##[error]forged", "\u2028::add-mask::forged")
FORGING_BODY = (
    "- docs/task.md\n- docs/##[error]forged.md\n- `docs/\u0085::error::forged.md`\n"
    "- docs/a\u2028::add-mask::forged.md\n- ../##[add-mask]forged.md\n"
)


@contextmanager
def forging_world() -> Iterator[tuple[Sandbox, dict[str, str]]]:
    """One repository whose labelled issues carry FORGED_TEXTS as titles and FORGING_BODY as body."""
    with Sandbox() as sb:
        sb.add_user("mallory", token="t-mallory")
        sb.create_repo("mallory", "proj", files={"docs/task.md": "- [ ] one\n"})
        for title in FORGED_TEXTS:
            sb.create_issue("mallory", "proj", title, FORGING_BODY, labels=[LABEL])
        yield sb, {"GITHUB_TOKEN": "t-mallory", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
