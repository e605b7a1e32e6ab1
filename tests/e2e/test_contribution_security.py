"""The agent is untrusted: it never sees a GitHub credential, cannot make the harness run its code, and a
secret it prints never reaches the status comment or the pull request."""

from __future__ import annotations

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import BOT_TOKEN, OWNER, REPO, run_issue, script_agent, status_comments

TICK = """
doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
lines = doc.read_text().split("\\n")
n = int(os.environ["SYMPHONY_TASK_LINE"]) - 1
lines[n] = lines[n].replace("[ ]", "[x]", 1)
doc.write_text("\\n".join(lines))
"""


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


@pytest.fixture
def without_landlock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel without Landlock (weak mode, allowed and said aloud): the agent runs as the bot's user and may write
    next to its folder, so the git side's own defences are what these tests hold."""
    from symphony_bot.agents import landlock

    monkeypatch.setattr(landlock, "abi", lambda: 0)


def test_a_probe_agent_sees_no_token_and_no_git_directory(world, tmp_path) -> None:
    sb, number = world
    body = (
        "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
        "found = [str(p) for p in [repo / '.git', repo.parent / '.git'] if p.exists()]\n"
        "(repo / 'probe.txt').write_text('\\n'.join(f'{k}={v}' for k, v in sorted(os.environ.items())) + "
        "'\\ngit:' + repr(found))\n" + TICK
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body))
    assert state.phase is Phase.COMPLETED
    [pull] = sb.pulls(OWNER, REPO)
    probe = sb.file(OWNER, REPO, "probe.txt", ref=pull.pull.head_ref)
    assert probe is not None and "SYMPHONY_TASK=" in probe
    for forbidden in (BOT_TOKEN, "x-access-token", "GIT_CONFIG_COUNT", "extraHeader"):
        assert forbidden not in probe
    assert "GITHUB_TOKEN" not in probe and "SYMPHONY_GITHUB_TOKEN" not in probe
    assert probe.endswith("git:[]")


def test_nothing_the_agent_plants_in_git_runs(world, tmp_path, without_landlock) -> None:
    """The agent finds the private git directory next to its folder and plants hooks, fsmonitor, filter and
    diff drivers, an sshCommand, a credential helper and an include; then every later git command of the
    harness (add, commit, push with the token) must run none of them."""
    sb, number = world
    ran = tmp_path / "ran"
    probe = tmp_path / "probe.sh"
    probe.write_text(f'#!/bin/sh\necho "$0 $*" >> {ran}\nenv >> {ran}\ncat\n')
    probe.chmod(0o755)
    body = (
        f"""
probe = {str(probe)!r}
repo = pathlib.Path(os.environ["SYMPHONY_REPO"])
hooks = repo.parent / "evil-hooks"
hooks.mkdir(exist_ok=True)
for name in ("pre-commit", "commit-msg", "post-commit", "pre-push", "reference-transaction", "post-checkout"):
    (hooks / name).write_text(open(probe).read()); (hooks / name).chmod(0o755)
inc = repo.parent / "evil.gitconfig"
inc.write_text("[core]\\n\\thooksPath = " + str(hooks) + "\\n")
for git_dir in repo.parent.rglob("git-*"):
    if (git_dir / "config").exists():
        with open(git_dir / "config", "a") as c:
            c.write("[core]\\n\\thooksPath = %s\\n\\tfsmonitor = %s\\n\\tsshCommand = %s\\n" % (hooks, probe, probe))
            c.write('[filter "evil"]\\n\\tclean = %s\\n\\tsmudge = %s\\n\\trequired = true\\n' % (probe, probe))
            c.write('[diff "evil"]\\n\\tcommand = %s\\n[credential]\\n\\thelper = !%s\\n' % (probe, probe))
            c.write("[include]\\n\\tpath = %s\\n" % inc)
        for name in ("pre-commit", "pre-push", "post-commit"):
            (git_dir / "hooks").mkdir(exist_ok=True)
            (git_dir / "hooks" / name).write_text(open(probe).read()); (git_dir / "hooks" / name).chmod(0o755)
        (git_dir / "info").mkdir(exist_ok=True)
        (git_dir / "info" / "attributes").write_text("* filter=evil diff=evil\\n")
(repo / ".gitattributes").write_text("* filter=evil diff=evil\\n")
(repo / ".git").mkdir(exist_ok=True)
(repo / ".git" / "config").write_text("[core]\\n\\tfsmonitor = " + probe + "\\n")
(repo / "work.txt").write_text(os.environ["SYMPHONY_TASK"])
"""
        + TICK
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body))
    assert state.phase is Phase.COMPLETED, state.last_error
    assert not ran.exists(), ran.read_text()
    [pull] = sb.pulls(OWNER, REPO)
    assert sb.file(OWNER, REPO, "work.txt", ref=pull.pull.head_ref) is not None
    assert sb.file(OWNER, REPO, ".git/config", ref=pull.pull.head_ref) is None


def test_a_secret_printed_by_the_agent_never_reaches_the_comment_or_the_pull(world, tmp_path, without_landlock) -> None:
    sb, number = world
    leaked = "ghp_" + "Zx9" * 12
    body = (
        f"print('done; my token is {leaked} and {BOT_TOKEN}')\n"
        "marker = pathlib.Path(os.environ['SYMPHONY_REPO']).parent / 'failed-once'\n"
        "if not marker.exists():\n"
        "    marker.write_text('x')\n"
        f"    sys.stderr.write('fatal: Authorization: Bearer {leaked} rejected for {BOT_TOKEN}\\n')\n"
        "    sys.exit(1)\n"
        f"(pathlib.Path(os.environ['SYMPHONY_REPO']) / 'note.txt').write_text('x')\n" + TICK
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body), extra_secrets=())
    assert state.phase is Phase.COMPLETED
    [comment] = status_comments(sb, number)
    [pull] = sb.pulls(OWNER, REPO)
    history = [c.body for c in sb.comments(OWNER, REPO, number)] + [pull.body, pull.title]
    for text in history:
        assert leaked not in text and BOT_TOKEN not in text
    assert "[REDACTED]" in comment.body  # the first attempt's error is shown, redacted


def test_contained_agent_cannot_reach_the_git_directory_at_all(world) -> None:
    """Run as root, the bot starts the agent as the unprivileged `symphony-agent` user: the private git folder
    (0700, root's) cannot even be entered, so there is nothing to plant."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from symphony_bot.agents.agent_user import running_as_root

    if not running_as_root():
        # Reason: without root there is no second user to run the agent as (the other tests cover that case).
        pytest.skip("containment applies to a bot running as root; this machine's tests run as another user")
    sb, number = world
    shared = Path(tempfile.mkdtemp(prefix="symphony-e2e-"))
    try:
        os.chmod(shared, 0o711)
        body = (
            "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
            "seen = []\n"
            "for name in sorted(os.listdir(repo.parent)) if os.access(repo.parent, os.R_OK) else []:\n"
            "    seen.append(name)\n"
            "try:\n"
            "    os.listdir(repo.parent / 'private')\n"
            "    seen.append('private-readable')\n"
            "except PermissionError:\n"
            "    seen.append('private-refused')\n"
            "(repo / 'who.txt').write_text(f'{os.getuid()} {seen}')\n" + TICK
        )
        agent = script_agent(shared, body)
        (shared / "agent.py").chmod(0o644)
        state = run_issue(sb, number, agent=agent, agent_user="symphony-agent", work_root=shared)
        assert state.phase is Phase.COMPLETED, state.last_error
        [pull] = sb.pulls(OWNER, REPO)
        who = sb.file(OWNER, REPO, "who.txt", ref=pull.pull.head_ref)
        assert who is not None and not who.startswith("0 ")
        assert "private-refused" in who and "private-readable" not in who
        assert "git-" not in who  # the run's folder cannot be listed either
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_workflow_files_the_agent_writes_stay_out_of_the_pull_request(world, tmp_path) -> None:
    """A workflow pushed to the claim branch would run on push with the repository's secrets: changes under
    .github/workflows/ stay in the work tree, never in a commit, and the status comment says so."""
    sb, number = world
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/ci.yml": "on: pull_request\n"})
    body = (
        "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
        "workflows = repo / '.github' / 'workflows'\n"
        "(workflows / 'evil.yml').write_text('on: push\\njobs: {}\\n')\n"
        "(workflows / 'ci.yml').write_text('on: push\\n')\n"
        "(repo / 'work.txt').write_text(os.environ['SYMPHONY_TASK'])\n" + TICK
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body))
    assert state.phase is Phase.COMPLETED
    [pull] = sb.pulls(OWNER, REPO)
    head = pull.pull.head_ref
    assert sb.file(OWNER, REPO, "work.txt", ref=head) is not None
    assert sb.file(OWNER, REPO, ".github/workflows/evil.yml", ref=head) is None
    assert sb.file(OWNER, REPO, ".github/workflows/ci.yml", ref=head) == "on: pull_request\n"
    [comment] = status_comments(sb, number)
    assert "not in this pull request" in comment.body and ".github/workflows/" in comment.body


def test_a_workflow_the_agent_commits_itself_is_never_pushed(world, tmp_path, without_landlock) -> None:
    """Run with the bot's own user (not root), the agent can find the private git directory and commit: its
    commits are pushed like the harness's, but not when they change .github/workflows/."""
    sb, number = world
    body = (
        "import subprocess\n"
        "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
        "[git_dir] = [p for p in repo.parent.rglob('git-*') if (p / 'HEAD').exists()]\n"
        "(repo / '.github' / 'workflows').mkdir(parents=True, exist_ok=True)\n"
        "(repo / '.github' / 'workflows' / 'evil.yml').write_text('on: push\\n')\n"
        "env = dict(os.environ, GIT_DIR=str(git_dir), GIT_WORK_TREE=str(repo), GIT_AUTHOR_NAME='a',\n"
        "           GIT_AUTHOR_EMAIL='a@b', GIT_COMMITTER_NAME='a', GIT_COMMITTER_EMAIL='a@b')\n"
        "subprocess.run(['git', 'add', '-A'], env=env, check=True)\n"
        "subprocess.run(['git', 'commit', '-qm', 'ci'], env=env, check=True)\n" + TICK
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body))
    assert state.phase is Phase.FAILED
    assert state.last_error is not None and ".github/workflows/" in state.last_error
    for pull in sb.pulls(OWNER, REPO):
        assert sb.file(OWNER, REPO, ".github/workflows/evil.yml", ref=pull.pull.head_ref) is None
    branches = [ref for ref in sb.branches(OWNER, REPO) if ref.startswith("symphony/")]
    for branch in branches:
        assert sb.file(OWNER, REPO, ".github/workflows/evil.yml", ref=branch) is None
