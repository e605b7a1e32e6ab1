"""`symphony-bot sandbox serve`: seed errors are clear; a seeded server answers PyGithub."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from symphony_bot.cli import cli
from symphony_bot.sandbox import Sandbox
from symphony_bot.sandbox.seed import SeedError, apply_seed, load_seed_file

SEED = """
users:
  - {login: maintainer, token: maintainer-token, plan: pro}
  - {login: contributor, token: contributor-token}
repos:
  - owner: maintainer
    name: project
    files: {README.md: "hello\\n"}
    labels: [runmaestro.ai, {name: blocking, color: d73a4a}]
    permissions: {contributor: write}
    branches: [{name: feature, files: {a.txt: "x\\n"}}]
    issues:
      - {title: Run, body: docs/a.md, labels: [runmaestro.ai], comments: [{author: contributor, body: /symphony run}]}
    pulls: [{head: feature, title: Add a, body: "Closes #1", draft: true, author: contributor}]
    forks: [contributor]
    archived: true
"""


def test_seed_builds_the_world(tmp_path):
    (tmp_path / "seed.yml").write_text(SEED)
    with Sandbox() as sb:
        apply_seed(sb, load_seed_file(tmp_path / "seed.yml"))
        assert [i.title for i in sb.issues("maintainer", "project")] == ["Run", "Add a"]
        assert sb.comments("maintainer", "project", 1)[0].user == "contributor"
        assert sb.pulls("maintainer", "project")[0].pull.draft
        assert sb.repo("maintainer", "project").archived
        assert sb.branches("contributor", "project")
        assert sb.state.user("maintainer").plan == "pro" and sb.state.user("contributor").plan == "free"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: [{token: x}]", "users[0]: `login` is required"),
        ("repos: [{owner: a}]", "repos[0]: `name` is required"),
        ("users: {a: 1}", "users: expected a list"),
        ("repos: [{owner: a, name: b, issues: [{title: ''}]}]", "repos[0]"),
        ("users: [a", "is not valid YAML"),
        ("users: [{login: a, plan: gold}]", "users[0]: plan must be one of"),
    ],
)
def test_bad_seed_names_the_entry(tmp_path, text, message):
    (tmp_path / "seed.yml").write_text(text)
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--seed", str(tmp_path / "seed.yml")])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    with pytest.raises(SeedError), Sandbox() as sb:
        apply_seed(sb, load_seed_file(tmp_path / "seed.yml"))


def test_serve_prints_urls_and_answers(tmp_path):
    from github import Auth, Github

    (tmp_path / "seed.yml").write_text(SEED)
    process = subprocess.Popen(
        [sys.executable, "-m", "symphony_bot", "sandbox", "serve", "--seed", str(tmp_path / "seed.yml")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        api_url = lines[1].strip().split("=", 1)[1]
        assert lines[2].strip() == f"GITHUB_GRAPHQL_URL={api_url}/graphql"
        gh = Github(base_url=api_url, auth=Auth.Token("contributor-token"), retry=None, seconds_between_writes=0)
        assert gh.get_repo("maintainer/project").get_issue(1).title == "Run"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    assert time.monotonic() > 0


def test_serve_saves_its_state_on_sigterm_as_on_ctrl_c(tmp_path):
    # kill, docker stop and a CI job's cancel send SIGTERM: what was made in the sandbox is kept.
    from github import Auth, Github

    (tmp_path / "seed.yml").write_text(SEED.replace("    archived: true\n", ""))
    state = tmp_path / "state"
    command = [sys.executable, "-m", "symphony_bot", "sandbox", "serve", "--state-dir", str(state)]
    process = subprocess.Popen([*command, "--seed", str(tmp_path / "seed.yml")], stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        api_url = lines[1].strip().split("=", 1)[1]
        gh = Github(base_url=api_url, auth=Auth.Token("maintainer-token"), retry=None, seconds_between_writes=0)
        made = gh.get_repo("maintainer/project").create_issue("Made before SIGTERM").number
    finally:
        process.terminate()
        assert process.wait(timeout=60) == 0
        rest = process.stdout.read()
        process.stdout.close()
    assert "Sandbox stopped." in rest
    again = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert "Loaded the saved sandbox" in again.stdout.readline()
        api_url = [again.stdout.readline() for _ in range(2)][1].strip().split("=", 1)[1]
        gh = Github(base_url=api_url, auth=Auth.Token("maintainer-token"), retry=None, seconds_between_writes=0)
        assert gh.get_repo("maintainer/project").get_issue(made).title == "Made before SIGTERM"
    finally:
        again.terminate()
        again.wait(timeout=60)
        again.stdout.close()
