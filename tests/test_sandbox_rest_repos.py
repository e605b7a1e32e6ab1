"""rest/repos.py: repository operations through unchanged PyGithub."""

from __future__ import annotations

import pytest
import requests
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, github


def test_collaborator_permission_is_none_for_non_collaborators_and_bots_on_a_public_repo(sb):
    sb.add_user("github-actions[bot]", type="Bot")
    repo = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}")
    assert not repo.private
    assert repo.get_collaborator_permission("stranger") == "none"
    assert repo.get_collaborator_permission("github-actions[bot]") == "none"
    assert repo.get_collaborator_permission("contributor") == "write"
    assert repo.get_collaborator_permission(OWNER) == "admin"


def test_users_and_repository(sb):
    gh = github(sb, "maintainer")
    assert gh.get_user().login == "maintainer"
    assert gh.get_user("contributor").type == "User"
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    assert repo.default_branch == "main" and not repo.private and repo.clone_url == sb.git_url(OWNER, REPO)


def test_collaborator_permission_folds_roles(sb):
    sb.add_user("triager")
    sb.set_permission(OWNER, REPO, "triager", "triage")
    sb.add_user("keeper")
    sb.set_permission(OWNER, REPO, "keeper", "maintain")
    repo = github(sb, "stranger").get_repo(f"{OWNER}/{REPO}")
    expected = {"maintainer": "admin", "keeper": "write", "contributor": "write", "triager": "read", "stranger": "none"}
    assert {login: repo.get_collaborator_permission(login) for login in expected} == expected
    assert repo.get_collaborator_role_name("keeper") == "maintain"


def test_archived_repository_refuses_writes(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.archive_repo(OWNER, REPO)
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert repo.archived
    with pytest.raises(GithubException) as refused:
        repo.get_issue(1).create_comment("hi")
    assert refused.value.status == 403 and "archived" in refused.value.data["message"]


def test_renamed_repository_redirects(sb):
    sb.rename_repo(OWNER, REPO, "renamed")
    old = requests.get(
        f"{sb.api_url}/repos/{OWNER}/{REPO}",
        headers={"Authorization": "token maintainer-token"},
        allow_redirects=False,
        timeout=5,
    )
    assert old.status_code == 301 and old.headers["Location"].startswith(f"{sb.api_url}/repositories/")
    assert github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").full_name == f"{OWNER}/renamed"


def test_contents_serve_files_and_directories_as_pygithub_reads_them(sb):
    repo = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}")
    document = repo.get_contents("docs/tasks.md")
    assert document.decoded_content == b"- [ ] one\n"
    assert document.path == "docs/tasks.md" and document.encoding == "base64"
    # the sha is the blob id git gives these bytes
    assert document.sha == "2b15462bf8b23b9c4dbecafdf37287a4101ed4d7"
    listing = repo.get_contents("docs")
    assert [(entry.type, entry.path) for entry in listing] == [("file", "docs/tasks.md")]
    sb.push_branch(OWNER, REPO, "feature", {"docs/tasks.md": "- [x] one\n"})
    assert repo.get_contents("docs/tasks.md", ref="feature").decoded_content == b"- [x] one\n"
    with pytest.raises(GithubException) as missing:
        repo.get_contents("docs/missing.md")
    assert missing.value.status == 404
