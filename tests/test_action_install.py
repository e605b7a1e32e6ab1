"""`symphony-bot init`: one command writes a workflow that actionlint and zizmor pass (at most 25 lines that are
not comments, the action pinned by a full SHA), an example configuration, creates the label on the sandbox, and
prints the secrets to set — and a labelled issue then runs end to end through the action with that workflow's
inputs and that configuration."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from github import Auth, Github

from symphony_bot.action import install
from symphony_bot.action.replies import STATUS_MARKER
from symphony_bot.action.runner_seam import CliRunner
from tests.action_helpers import BOT, OWNER, REPO, SLUG, TOKENS, World, labeled, make_world

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SHA = re.compile(r"^[0-9a-f]{40}$")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def init(world: World, *arguments: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    environ = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    if token:
        environ["GITHUB_TOKEN"] = token
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "symphony_bot",
            "init",
            "--dir",
            str(world.workspace),
            "--github-url",
            world.sb.api_url,
            *list(arguments),
        ],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lint(path: Path) -> None:
    for command in ([str(BIN / "actionlint"), "-no-color", str(path)], [str(BIN / "zizmor"), "--offline", str(path)]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, f"{command[0]}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("auth", install.AUTH_KINDS)
def test_init_writes_a_pinned_workflow_that_the_linters_pass(world: World, auth: str) -> None:
    world.sb.create_repo(OWNER, "fresh", files={"README.md": "hello\n"})  # no Symphony label yet
    result = init(world, "--token", auth, "--repo", f"{OWNER}/fresh", token=TOKENS[OWNER])
    assert result.returncode == 0, result.stdout + result.stderr
    path = world.workspace / install.WORKFLOW_PATH
    text = path.read_text()
    lint(path)
    assert install.non_comment_lines(text) <= install.MAX_WORKFLOW_LINES
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    [uses] = [step["uses"] for step in _steps(text) if step.get("uses", "").startswith(install.ACTION_REPOSITORY)]
    assert uses == f"{install.ACTION_REPOSITORY}@{head.stdout.strip()}"  # a development checkout pins its HEAD
    github = Github(base_url=world.sb.api_url, auth=Auth.Token(TOKENS[OWNER]), retry=None)
    label = github.get_repo(f"{OWNER}/fresh").get_label("runmaestro.ai")
    assert label.color == install.LABEL_COLOR and label.description == install.LABEL_DESCRIPTION
    assert f"created the label runmaestro.ai in {OWNER}/fresh" in result.stdout
    assert "ANTHROPIC_API_KEY" in result.stdout
    assert {"app": "SYMPHONY_APP_PRIVATE_KEY", "pat": "SYMPHONY_TOKEN", "github-token": "GITHUB_TOKEN"}[auth] in (
        result.stdout
    )
    config = yaml.safe_load((world.workspace / install.CONFIG_PATH).read_text())
    assert config["agent"] == "claude" and config["who-can-run"] == "write"
    again = init(world, "--repo", f"{OWNER}/fresh", token=TOKENS[OWNER])
    assert again.returncode == 2 and "--force" in again.stderr  # an existing workflow is not overwritten
    forced = init(world, "--force", "--repo", f"{OWNER}/fresh", token=TOKENS[OWNER])
    assert forced.returncode == 0 and "the label runmaestro.ai exists" in forced.stdout


def test_without_a_token_the_label_is_left_to_the_user(world: World) -> None:
    result = init(world, "--repo", SLUG)
    assert result.returncode == 0 and "the label was not created" in result.stdout


def test_the_workflow_keeps_the_shipped_guard_and_groups() -> None:
    shipped = yaml.safe_load((ROOT / ".github" / "workflows" / "symphony.yml").read_text())
    written = yaml.safe_load(install.workflow(install.Choices(ref="0" * 40)))

    def folded(text: str) -> str:
        return " ".join(text.replace("( ", "(").split())

    assert folded(written["jobs"]["symphony"]["if"]) == folded(shipped["jobs"]["symphony"]["if"])
    assert folded(written["concurrency"]["group"]) == folded(shipped["concurrency"]["group"]).replace("${{ (", "${{ (")


def test_a_bad_ref_is_refused() -> None:
    with pytest.raises(install.InstallError, match="40 hex digits"):
        install.pinned_ref("main")


def _steps(text: str) -> list[dict[str, Any]]:
    document = yaml.safe_load(text)
    return [step for job in document["jobs"].values() for step in job["steps"]]


# The agent runs as an unprivileged user who can read no virtualenv under /root: a shell agent ticks the box.
TICKING_AGENT = shlex.join(
    ["/bin/sh", "-c", 'sed -i "${SYMPHONY_TASK_LINE}s/\\\\[ \\\\]/[x]/" "$SYMPHONY_DOC" && echo done >> DONE.md']
)


def test_a_labelled_issue_runs_end_to_end_with_the_written_workflow(world: World) -> None:
    assert init(world, "--repo", SLUG, token=TOKENS[OWNER]).returncode == 0
    [symphony] = [
        s for s in _steps((world.workspace / install.WORKFLOW_PATH).read_text()) if "symphony-bot@" in s["uses"]
    ]
    secrets = {"SYMPHONY_TOKEN": TOKENS[BOT], "ANTHROPIC_API_KEY": "sk-ant-test"}
    inputs = {
        name: re.sub(r"\$\{\{ secrets\.(\w+) \}\}", lambda m: secrets[m.group(1)], value)
        for name, value in symphony["with"].items()
    }
    # The maintainer's choices in the written example configuration: the label starts the run, with the shell
    # agent instead of claude (the agent CLIs have tests of their own).
    config = world.workspace / install.CONFIG_PATH
    config.write_text(
        config.read_text().replace("auto-start: false", "auto-start: true").replace("agent: claude", "agent: command")
        + f"agent-command: {TICKING_AGENT}\n"
    )
    world.runner = CliRunner()  # type: ignore[assignment]  # the real runner
    number = world.sb.create_issue(OWNER, REPO, "Improve the docs", "docs/tasks.md\n", labels=["runmaestro.ai"]).number
    step = world.act("issues", labeled(number, by=OWNER), inputs)
    assert step.outcome.status == "completed", step.log[-3000:]
    [pull] = world.sb.pulls(OWNER, REPO)
    assert pull.pull is not None and not pull.pull.draft
    assert len([body for user, body in world.comments(number) if user == BOT and STATUS_MARKER in body]) == 1


def test_release_builds_pin_their_own_tag_and_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What release.yml runs before it builds the wheel and the image.
    package = tmp_path / "symphony_bot" / "action"
    package.mkdir(parents=True)
    (package / "install.py").write_text((ROOT / "symphony_bot" / "action" / "install.py").read_text())
    sha = "a" * 40
    pinned = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "pin-release.py"), "v1.2.3", sha, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert pinned.returncode == 0, pinned.stderr
    text = (package / "install.py").read_text()
    assert f'RELEASE_SHA: str | None = "{sha}"' in text and 'RELEASE_TAG: str | None = "v1.2.3"' in text
    again = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "pin-release.py"), "v1.2.3", sha, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode != 0  # pinned once, never twice
    monkeypatch.setattr(install, "RELEASE_SHA", sha)
    monkeypatch.setattr(install, "RELEASE_TAG", "v1.2.3")
    assert install.pinned_ref() == (sha, "v1.2.3")
    assert f"uses: {install.ACTION_REPOSITORY}@{sha} # v1.2.3" in install.workflow(
        install.Choices(ref=sha, tag="v1.2.3")
    )
