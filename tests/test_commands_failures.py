"""Every failure a newcomer meets says, in text mode on stderr, what went wrong and what to do about it.

One table over the commands: each case runs the real command line (click's runner, the real sandbox) and checks
the exit code and that stderr holds both the cause and the fix, in the user's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox
from tests.http_helpers import closed_port

TOKEN = "donor-token"
AGENT = ["--agent", "command", "--agent-command", "true"]


@dataclass(frozen=True)
class World:
    sb: Sandbox
    numbers: dict[str, int]
    tmp: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with Sandbox() as sb:
        sb.add_user("owner", token="owner-token")
        sb.add_user("donor", token=TOKEN)
        sb.create_repo("owner", "proj", files={"README.md": "x\n", "docs/a.md": "- [ ] one\n- [ ] two\n"})
        sb.add_label("owner", "proj", "runmaestro.ai")
        numbers = {
            "ok": sb.create_issue("owner", "proj", "OK", "docs/a.md\n", labels=["runmaestro.ai"]).number,
            "unlabelled": sb.create_issue("owner", "proj", "Unlabelled", "docs/a.md\n").number,
            "no documents": sb.create_issue("owner", "proj", "No docs", "nothing\n", labels=["runmaestro.ai"]).number,
            "missing": sb.create_issue("owner", "proj", "Missing", "docs/nope.md\n", labels=["runmaestro.ai"]).number,
        }
        tmp = tmp_path_factory.mktemp("failures")
        (tmp / "bad.json").write_text('{"projects": [}', encoding="utf-8")
        (tmp / "empty-registry.json").write_text(json.dumps({"repositories": []}), encoding="utf-8")
        (tmp / "one-project.json").write_text(
            json.dumps({"repositories": [{"slug": "owner/proj", "isActive": True}]}), encoding="utf-8"
        )
        yield World(sb, numbers, tmp)


def invoke(world: World, args: list[str], token: str | None = TOKEN) -> tuple[int, str]:
    env = {"GITHUB_TOKEN": token or "", "SYMPHONY_GITHUB_TOKEN": "", "SYMPHONY_TRIGGERED_BY": ""}
    args = [part.format(api=world.sb.api_url, tmp=world.tmp, **world.numbers) for part in args]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stderr


def refused_port() -> str:
    return f"http://127.0.0.1:{closed_port()}"


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]  # {placeholders}: the sandbox's URL, the temp folder, the world's issue numbers
    token: str | None
    code: int
    expected: tuple[str, str]  # what stderr must say: the cause, then the fix


CASES = [
    Case(
        "run: unlabelled issue",
        ["run", "owner/proj#{unlabelled}", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("not labelled runmaestro.ai", "Fix the cause"),
    ),
    Case(
        "run: no documents listed",
        ["run", "owner/proj#{no documents}", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("no Auto Run document is listed", "put each document's repository path on its own line"),
    ),
    Case(
        "run: a document that does not exist",
        ["run", "owner/proj#{missing}", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("docs/nope.md", "or fix the path in the issue"),
    ),
    Case(
        "run: wrong issue number",
        ["run", "owner/proj#99", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("has no issue #99", "Fix the cause"),
    ),
    Case(
        "run: misspelled repository",
        ["run", "owner/prj#1", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("owner/prj was not found, or is private and the token cannot see it", "check the slug"),
    ),
    Case(
        "run: a bad token",
        ["run", "owner/proj#{ok}", *AGENT, "--github-url", "{api}"],
        "not-a-token",
        1,
        ("GitHub refused the token (401 Bad credentials)", "set SYMPHONY_GITHUB_TOKEN or GITHUB_TOKEN"),
    ),
    Case(
        "run: no token at all",
        ["run", "owner/proj#{ok}", *AGENT, "--github-url", "{api}"],
        None,
        2,
        ("a run writes to GitHub", "set GITHUB_TOKEN or SYMPHONY_GITHUB_TOKEN"),
    ),
    Case(
        "run: the server is not running",
        ["run", "owner/proj#1", *AGENT, "--github-url", "REFUSED"],
        TOKEN,
        1,
        ("cannot reach", "that the server (the sandbox: `symphony-bot sandbox serve`) is running"),
    ),
    Case(
        "run --dry-run: an issue that cannot run",
        ["run", "owner/proj#{unlabelled}", "--dry-run", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("dry run: owner/proj#{unlabelled} cannot be run", "nothing was written"),
    ),
    Case(
        "run --pick: nothing available",
        ["run", "--pick", "--registry", "{tmp}/empty-registry.json", *AGENT, "--github-url", "{api}"],
        TOKEN,
        1,
        ("no available issue in the 0 active repositories of the registry", "name one with OWNER/REPO#N"),
    ),
    Case(
        "run: not an issue reference",
        ["run", "owner/proj", *AGENT],
        TOKEN,
        2,
        ("is not OWNER/REPO#NUMBER", "OWNER/REPO#NUMBER"),
    ),
    Case(
        "issue show: misspelled repository",
        ["issue", "show", "owner/prj#1", "--github-url", "{api}"],
        TOKEN,
        1,
        ("owner/prj was not found", "check the slug"),
    ),
    Case(
        "issue show: wrong issue number",
        ["issue", "show", "owner/proj#99", "--github-url", "{api}"],
        TOKEN,
        1,
        ("has no issue #99", "a pull request is not an issue"),
    ),
    Case(
        "issue show: a bad token",
        ["issue", "show", "owner/proj#1", "--github-url", "{api}"],
        "not-a-token",
        1,
        ("GitHub refused the token", "set SYMPHONY_GITHUB_TOKEN or GITHUB_TOKEN"),
    ),
    Case(
        "issue show: the server is not running",
        ["issue", "show", "owner/proj#1", "--github-url", "REFUSED"],
        TOKEN,
        1,
        ("cannot reach", "is running"),
    ),
    Case(
        "registry validate: a file that does not exist",
        ["registry", "validate", "{tmp}/no-such-registry.json"],
        TOKEN,
        2,
        ("no-such-registry.json", "does not exist"),
    ),
    Case(
        "cancel: the server is not running",
        ["cancel", "owner/proj#1", "--github-url", "REFUSED"],
        TOKEN,
        1,
        ("cannot reach", "is running"),
    ),
    Case(
        "finalize: no claim to finalize",
        ["finalize", "owner/proj#{ok}", "--github-url", "{api}"],
        TOKEN,
        1,
        ("owner/proj#{ok}", "run"),
    ),
    Case(
        "autorun: a document outside the repository",
        ["autorun", "/etc/hostname", *AGENT],
        TOKEN,
        2,
        ("is outside the repository", "documents must live in the checkout"),
    ),
    Case(
        "scan: the server is not running",
        ["scan", "--registry", "{tmp}/one-project.json", "--github-url", "REFUSED"],
        TOKEN,
        1,
        ("cannot reach", "is running"),
    ),
    Case(
        "scan: a file that is no registry",
        ["scan", "--registry", "{tmp}/bad.json", "--github-url", "{api}"],
        TOKEN,
        1,
        ("bad.json", "no registry could be read"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_failure_names_its_cause_and_its_fix_on_stderr(world: World, case: Case) -> None:
    args = [refused_port() if part == "REFUSED" else part for part in case.argv]
    exit_code, stderr = invoke(world, args, case.token)
    cause, fix = (part.format(**world.numbers) for part in case.expected)
    assert exit_code == case.code, f"{case.name}: exit {exit_code}\n{stderr}"
    assert cause in stderr, f"{case.name}: the cause is missing from stderr:\n{stderr}"
    assert fix in stderr, f"{case.name}: the fix is missing from stderr:\n{stderr}"


def test_the_table_covers_at_least_twenty_failures() -> None:
    assert len(CASES) >= 20


def test_plural() -> None:
    from symphony_bot.report.words import plural

    assert [plural(1, "issue"), plural(2, "issue"), plural(0, "repository", "repositories")] == [
        "1 issue",
        "2 issues",
        "0 repositories",
    ]
    assert plural(1200, "task") == "1,200 tasks"
