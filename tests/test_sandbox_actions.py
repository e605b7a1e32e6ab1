"""state/actions.py, rest/apps.py, rest/actions.py: installations, minted tokens, dispatches and workflow runs, the
way an Action and a runner call them (plain HTTP with the App's JWT, PyGithub with the minted token)."""

from __future__ import annotations

import pytest
import requests
from github import Auth, Github, GithubException

from tests.sandbox_helpers import OWNER, REPO, TOKENS

WORKFLOW = "on:\n  workflow_dispatch:\n    inputs:\n      issue: {}\n  repository_dispatch:\njobs: {}\n"


def _post(sb, path: str, token: str, body: dict | None = None, scheme: str = "Bearer") -> requests.Response:
    return requests.post(sb.api_url + path, json=body or {}, headers={"Authorization": f"{scheme} {token}"}, timeout=5)


def _get(sb, path: str, token: str, scheme: str = "Bearer") -> requests.Response:
    return requests.get(sb.api_url + path, headers={"Authorization": f"{scheme} {token}"}, timeout=5)


def test_an_app_finds_its_installation_and_mints_a_narrower_token(sb):
    app = sb.add_app("symphony-runner", owner=OWNER)
    installation = sb.install_app(
        "symphony-runner", OWNER, permissions={"contents": "write", "issues": "write", "pull-requests": "write"}
    )
    found = _get(sb, f"/repos/{OWNER}/{REPO}/installation", app.jwt)
    assert found.status_code == 200 and found.json()["id"] == installation.id
    assert found.json()["app_slug"] == "symphony-runner" and found.json()["repository_selection"] == "all"
    assert _get(sb, f"/repos/{OWNER}/{REPO}/installation", TOKENS["maintainer"], "token").status_code == 401
    minted = _post(
        sb,
        f"/app/installations/{installation.id}/access_tokens",
        app.jwt,
        {"repositories": [REPO], "permissions": {"issues": "write"}},
    )
    assert minted.status_code == 201
    token = minted.json()["token"]
    assert minted.json()["permissions"] == {"issues": "write", "metadata": "read"}
    assert [repo["name"] for repo in minted.json()["repositories"]] == [REPO]
    sb.create_issue(OWNER, REPO, "x")
    gh = Github(base_url=sb.api_url, auth=Auth.Token(token), retry=None, seconds_between_writes=0)
    comment = gh.get_repo(f"{OWNER}/{REPO}").get_issue(1).create_comment("claimed by the app")
    assert comment.user.login == "symphony-runner[bot]"
    with pytest.raises(GithubException) as refused:
        gh.get_repo(f"{OWNER}/{REPO}").create_git_ref("refs/heads/x", sb.branches(OWNER, REPO)["main"])
    assert refused.value.status == 403  # narrowed to issues: no contents
    wider = _post(
        sb, f"/app/installations/{installation.id}/access_tokens", app.jwt, {"permissions": {"actions": "write"}}
    )
    assert wider.status_code == 422  # never wider than the installation


def test_workflow_dispatch_creates_a_run_that_can_be_read_and_cancelled(sb):
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/run.yml": WORKFLOW})
    maintainer = TOKENS["maintainer"]
    path = f"/repos/{OWNER}/{REPO}/actions/workflows/run.yml/dispatches"
    assert _post(sb, path, maintainer, {"ref": "main", "inputs": {"issue": "7"}}, "token").status_code == 204
    [run] = sb.workflow_runs(OWNER, REPO)
    assert (run.event, run.status, run.inputs, run.head_branch) == (
        "workflow_dispatch",
        "queued",
        {"issue": "7"},
        "main",
    )
    body = _get(sb, f"/repos/{OWNER}/{REPO}/actions/runs/{run.id}", maintainer, "token").json()
    assert (body["status"], body["path"], body["workflow_id"]) == (
        "queued",
        ".github/workflows/run.yml",
        run.workflow_id,
    )
    by_id = f"/repos/{OWNER}/{REPO}/actions/workflows/{run.workflow_id}/dispatches"
    assert _post(sb, by_id, maintainer, {"ref": "main"}, "token").status_code == 204
    cancel = f"/repos/{OWNER}/{REPO}/actions/runs/{run.id}/cancel"
    assert _post(sb, cancel, maintainer, scheme="token").status_code == 202
    assert (
        _get(sb, f"/repos/{OWNER}/{REPO}/actions/runs/{run.id}", maintainer, "token").json()["conclusion"]
        == "cancelled"
    )
    again = _post(sb, cancel, maintainer, scheme="token")
    assert again.status_code == 409
    assert _post(sb, path, maintainer, {"ref": "no-such-branch"}, "token").status_code == 422
    too_many = {"ref": "main", "inputs": {f"i{n}": "x" for n in range(26)}}
    assert _post(sb, path, maintainer, too_many, "token").status_code == 422
    too_large = {"ref": "main", "inputs": {"issue": "x" * 65_536}}
    assert _post(sb, path, maintainer, too_large, "token").json()["message"] == "inputs are too large."
    missing = f"/repos/{OWNER}/{REPO}/actions/workflows/missing.yml/dispatches"
    assert _post(sb, missing, maintainer, {"ref": "main"}, "token").status_code == 404


def test_repository_dispatch_runs_the_workflows_that_listen_and_actions_tokens_need_permissions(sb):
    sb.push_branch(
        OWNER, REPO, "main", {".github/workflows/run.yml": WORKFLOW, ".github/workflows/ci.yml": "on: push\n"}
    )
    reader = sb.add_actions_token(OWNER, REPO, permissions={"contents": "read"})
    dispatch = f"/repos/{OWNER}/{REPO}/dispatches"
    refused = _post(sb, dispatch, reader, {"event_type": "symphony-run"}, "token")
    assert (refused.status_code, refused.json()["message"]) == (403, "Resource not accessible by integration")
    writer = sb.add_actions_token(OWNER, REPO, permissions={"contents": "write", "actions": "read"})
    assert (
        _post(sb, dispatch, writer, {"event_type": "symphony-run", "client_payload": {"n": 1}}, "token").status_code
        == 204
    )
    [run] = sb.workflow_runs(OWNER, REPO)
    assert (run.event, run.path, run.actor) == (
        "repository_dispatch",
        ".github/workflows/run.yml",
        "github-actions[bot]",
    )
    assert _get(sb, f"/repos/{OWNER}/{REPO}/actions/runs/{run.id}", writer, "token").status_code == 200
    cancel = _post(sb, f"/repos/{OWNER}/{REPO}/actions/runs/{run.id}/cancel", writer, scheme="token")
    assert cancel.status_code == 403  # actions: read only
    sb.set_run_status(OWNER, REPO, run.id, "completed", "success")
    assert sb.workflow_runs(OWNER, REPO)[0].conclusion == "success"
