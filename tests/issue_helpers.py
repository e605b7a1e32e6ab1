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
        env = {"GITHUB_TOKEN": "t-bob", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
        yield sb, env
