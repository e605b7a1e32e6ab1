"""Where the claim branch goes and whether a pull request may be opened, for every token kind, on the sandbox with
a real git remote.

GitHub's behaviour encoded here:
- `GET /repos/{o}/{r}` gives an installation token (an App's, or GITHUB_TOKEN) `permissions.push: false`, or no
  `permissions`, even when it can push: semantic-release/github#182, and semantic-release/github `lib/verify.js`
  ("If authenticated as GitHub App installation, `push` will always be false"). The tests hand the decision
  GitHub's answer (`can_push=False`) whatever the sandbox says, so they hold whichever answer it gives.
- A refused push is refused at git's push service (`info/refs?service=git-receive-pack`, HTTP 403).
- `POST /repos/{o}/{r}/pulls` with GITHUB_TOKEN while "Allow GitHub Actions to create and approve pull requests"
  is off: 403 "GitHub Actions is not permitted to create or approve pull requests."
  (peter-evans/create-pull-request#1175 and #3979; changelog 2022-05-03 "prevent GitHub Actions from creating
  and approving pull requests"); without Pull requests: write, 403 "Resource not accessible by integration".
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from symphony_bot.contribution import push_access
from symphony_bot.contribution.preflight import PreflightError
from symphony_bot.github import permissions
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox
from symphony_bot.workspace.gitops import Remote, WorkTree

OWNER, REPO, SLUG = "owner", "r", "owner/r"
JOB = {"contents": "write", "issues": "write", "pull-requests": "write"}
PROBE_BRANCH = "symphony/1-probe"


@pytest.fixture
def sb():
    with Sandbox() as box:
        box.add_user(OWNER, token="owner-token")
        box.add_user("writer", token="writer-token")
        box.add_user("donor", token="donor-token")
        box.create_repo(OWNER, REPO, files={"README.md": "x\n"})
        box.set_permission(OWNER, REPO, "writer", "write")
        yield box


def _client(sb: Sandbox, token: str) -> GitHubClient:
    return GitHubClient(sb.api_url, sb.graphql_url, token, pacer=Pacer(Limits.unlimited()))


def _choose(sb: Sandbox, tmp_path: Path, token: str, *, mode: str = "auto", **access_changes: object):
    """push_access.choose as the runner calls it, with GitHub's own answers (`access_changes` override them)."""
    with _client(sb, token) as client:
        viewer = permissions.viewer(client)
        access = replace(permissions.repository_access(client, SLUG), **access_changes)
        tree = WorkTree.clone(Remote(sb.git_url(OWNER, REPO), token), "main", tmp_path / "w", tmp_path / "p")
        return push_access.choose(client, tree, access, viewer, mode=mode, token=token, probe_branch=PROBE_BRANCH)


def _forks_made(sb: Sandbox) -> int:
    return sb.requests.calls("repos/create-fork")


def _pushes_asked(sb: Sandbox, repo: str = SLUG) -> int:
    """Requests to `repo`'s push service (a dry run asks `info/refs?service=git-receive-pack`)."""
    return sum(1 for entry in sb.requests if entry.operation == "git/receive-pack" and f"/{repo}.git/" in entry.path)


@pytest.mark.parametrize("kind", ["actions", "app"])
def test_an_installation_token_that_can_push_works_upstream_though_github_says_push_false(
    sb: Sandbox, tmp_path: Path, kind: str
) -> None:
    if kind == "actions":
        token = sb.add_actions_token(OWNER, REPO, permissions=JOB)
    else:
        token = sb.add_installation_token("helper", account=OWNER, permissions=JOB).token
    target = _choose(sb, tmp_path, token, can_push=False)
    assert (target.repo, target.head_owner) == (SLUG, OWNER)
    assert target.note == push_access.NOTE_PUSH_CHECKED.format(repo=SLUG)
    assert _forks_made(sb) == 0 and _pushes_asked(sb) >= 1
    assert PROBE_BRANCH not in sb.branches(OWNER, REPO)  # a dry run: nothing was pushed


def test_an_installation_token_that_cannot_push_is_told_why_and_never_forks(sb: Sandbox, tmp_path: Path) -> None:
    token = sb.add_actions_token(OWNER, REPO, permissions={"contents": "read", "pull-requests": "write"})
    with pytest.raises(PreflightError) as refused:
        _choose(sb, tmp_path, token, can_push=False)
    message = str(refused.value)
    assert "cannot work from a fork" in message and "contents: write" in message and "403" in message
    assert _forks_made(sb) == 0


def test_a_personal_token_with_write_access_works_upstream_and_says_nothing(sb: Sandbox, tmp_path: Path) -> None:
    target = _choose(sb, tmp_path, "writer-token")
    assert target.repo == SLUG and target.note is None and _forks_made(sb) == 0


def test_an_account_without_write_access_works_from_its_fork(sb: Sandbox, tmp_path: Path) -> None:
    target = _choose(sb, tmp_path, "donor-token")
    assert target.repo == "donor/r" and target.head_owner == "donor"
    assert target.note == push_access.NOTE_FORKED.format(fork="donor/r", repo=SLUG, why=push_access.WHY_NO_ROLE)
    assert _pushes_asked(sb) == 0  # GitHub's answer about a person's role is trusted: upstream is not asked
    assert _pushes_asked(sb, "donor/r") >= 1  # the fork is


def test_a_token_whose_account_may_write_but_itself_may_not_forks_after_the_refused_probe(
    sb: Sandbox, tmp_path: Path
) -> None:
    # A fine-grained token with Contents: read of an account with write access: `permissions.push` is the
    # account's (true), git refuses the token. Modelled by a donor whose reported role says push.
    target = _choose(sb, tmp_path, "donor-token", can_push=True)
    assert target.repo == "donor/r" and target.note is not None and "a dry-run push was refused" in target.note
    assert _forks_made(sb) == 1


def test_fork_never_refuses_with_the_reason(sb: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(PreflightError, match="--fork never was given"):
        _choose(sb, tmp_path, "donor-token", mode="never", can_push=True)
    assert _forks_made(sb) == 0


def test_a_repository_that_allows_no_forks_is_a_clear_refusal(sb: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(PreflightError, match="does not allow forks"):
        _choose(sb, tmp_path, "donor-token", allows_forking=False)
    assert _forks_made(sb) == 0


def test_fork_always_forks_without_asking_git(sb: Sandbox, tmp_path: Path) -> None:
    target = _choose(sb, tmp_path, "writer-token", mode="always")
    assert target.repo == "writer/r" and target.note == push_access.NOTE_FORK_ASKED.format(fork="writer/r")
    assert _pushes_asked(sb) == 0


# ---- may this token open the pull request? (asked before anything is pushed) -----------------------------------


def _check_pulls(sb: Sandbox, token: str) -> None:
    with _client(sb, token) as client:
        viewer = permissions.viewer(client)
        push_access.check_pulls_allowed(client, permissions.repository_access(client, SLUG), viewer)


def test_the_actions_token_with_the_setting_off_is_stopped_with_the_setting_and_the_better_fix(sb: Sandbox) -> None:
    token = sb.add_actions_token(OWNER, REPO, permissions=JOB)  # the setting is off, GitHub's default
    with pytest.raises(PreflightError) as refused:
        _check_pulls(sb, token)
    message = str(refused.value)
    assert push_access.ACTIONS_SETTING in message and "Settings → Actions → General → Workflow permissions" in message
    assert "GitHub App token or a fine-grained token" in message and "nothing was pushed" in message
    assert sb.pulls(OWNER, REPO) == []


def test_the_actions_token_with_the_setting_on_may_go_on_and_nothing_is_opened(sb: Sandbox) -> None:
    sb.set_actions_can_create_pulls(OWNER, REPO)
    _check_pulls(sb, sb.add_actions_token(OWNER, REPO, permissions=JOB))
    assert sb.pulls(OWNER, REPO) == [] and sb.requests.calls("pulls/create") == 1


def test_an_app_token_without_pull_requests_write_is_stopped_with_the_permission_to_give(sb: Sandbox) -> None:
    grant = sb.add_installation_token("helper", account=OWNER, permissions={"contents": "write", "issues": "write"})
    with pytest.raises(PreflightError) as refused:
        _check_pulls(sb, grant.token)
    message = str(refused.value)
    assert "Pull requests: write" in message and "Resource not accessible by integration" in message
    assert push_access.ACTIONS_SETTING not in message


def test_a_personal_token_is_not_asked(sb: Sandbox) -> None:
    _check_pulls(sb, "writer-token")
    assert sb.requests.calls("pulls/create") == 0


def test_a_token_that_may_not_push_to_the_fork_either_is_stopped_before_any_push(sb: Sandbox, tmp_path: Path) -> None:
    # A fine-grained token limited to the upstream repository: GitHub refuses its pushes to any other repository,
    # the account's fork included ("Selected repositories" in the token's settings).
    token = "github_pat_only_upstream"  # a sandbox token, valid nowhere else
    sb.add_personal_token(
        "donor", token, permissions={"contents": "write", "pull_requests": "write"}, repositories=[SLUG]
    )
    with pytest.raises(PreflightError, match="nor to the fork donor/r"):
        _choose(sb, tmp_path, token)
