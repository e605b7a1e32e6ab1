"""Tokens as GitHub issues them (app_permissions.py, state/users.py): personal tokens act as their user; GitHub App
installation tokens and the Actions GITHUB_TOKEN act as `name[bot]` within their permissions and repositories.

Driven through unchanged PyGithub and real git: a matrix of tokens x (comment, push, push a workflow file, open a
PR, mark it ready, read another user's permission), then the details (bot URLs, GET /user, the repository setting
for Actions PRs, GraphQL FORBIDDEN, scoping to repositories).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from github import Auth, Github, GithubException

from tests.sandbox_helpers import OWNER, REPO, git, with_token

NOT_ACCESSIBLE = "Resource not accessible by integration"
WORKFLOW_REFUSED = "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml`"


@dataclass(frozen=True)
class Expected:
    comment: bool
    push: bool
    push_workflow: bool
    open_pull: bool
    mark_ready: bool
    read_permission: bool = True


MATRIX = {
    "classic PAT": Expected(True, True, True, True, True),
    "fine-grained PAT": Expected(True, True, True, True, True),
    "Actions contents: read": Expected(False, False, False, False, False),
    "Actions contents: write": Expected(False, True, False, False, False),
    # Commenting on an issue needs `issues` (ynab/ynab-sdk-ruby#95) and marking ready also contents: write
    # (cli/cli#8910): this token can open the PR and nothing else here.
    "Actions pull-requests: write only": Expected(False, False, False, True, False),
    "App installation token": Expected(True, True, False, True, True),
}


def _token_for(sb, kind: str) -> str:
    if kind == "classic PAT":
        sb.add_user("runner", token="ghp_runnerclassic")
        sb.set_permission(OWNER, REPO, "runner", "write")
        return "ghp_runnerclassic"
    if kind == "fine-grained PAT":
        sb.add_user("runner", token="github_pat_runnerfine")
        sb.set_permission(OWNER, REPO, "runner", "write")
        return "github_pat_runnerfine"
    if kind == "App installation token":
        grant = sb.add_installation_token(
            "symphony-runner",
            account=OWNER,
            permissions={"contents": "write", "issues": "write", "pull-requests": "write"},
        )
        return grant.token
    permissions = {
        "Actions contents: read": {"contents": "read"},
        "Actions contents: write": {"contents": "write"},
        "Actions pull-requests: write only": {"pull-requests": "write"},
    }[kind]
    sb.set_actions_can_create_pulls(OWNER, REPO)
    return sb.add_actions_token(OWNER, REPO, permissions=permissions)


def _client(sb, token: str) -> Github:
    return Github(base_url=sb.api_url, auth=Auth.Token(token), retry=None, seconds_between_writes=0)


def _allowed(call) -> bool:
    try:
        call()
    except GithubException as error:
        if error.status == 400:  # PyGithub's GraphQL calls: GitHub answers 200 with a typed error
            assert [(e["type"], e["message"]) for e in error.data["errors"]] == [("FORBIDDEN", NOT_ACCESSIBLE)]
        else:
            assert (error.status, error.data["message"]) == (403, NOT_ACCESSIBLE), error
        return False
    return True


def _push(sb, token: str, work, branch: str, path: str) -> tuple[bool, str]:
    git("checkout", "-qB", branch, "origin/main", cwd=work)
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_text("on: push\n")
    git("add", ".", cwd=work)
    git("commit", "-qm", f"add {path}", cwd=work)
    pushed = git(
        "push", "-q", with_token(sb.git_url(OWNER, REPO), token), f"HEAD:refs/heads/{branch}", cwd=work, check=False
    )
    return pushed.returncode == 0 and branch in sb.branches(OWNER, REPO), pushed.stderr


@pytest.mark.parametrize("kind", list(MATRIX))
def test_token_matrix(sb, tmp_path, kind):
    expected = MATRIX[kind]
    token = _token_for(sb, kind)
    sb.create_issue(OWNER, REPO, "Run the docs")
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    sb.push_branch(OWNER, REPO, "symphony/2", {"more.txt": "more\n"})
    draft = sb.open_pull(OWNER, REPO, "symphony/2", title="Draft", draft=True)
    repo = _client(sb, token).get_repo(f"{OWNER}/{REPO}")

    assert _allowed(lambda: repo.get_issue(1).create_comment("claimed")) is expected.comment
    work = tmp_path / "wc"
    git("clone", "-q", with_token(sb.git_url(OWNER, REPO), "maintainer-token"), str(work))
    pushed, _ = _push(sb, token, work, "symphony/push", "notes.txt")
    assert pushed is expected.push
    pushed_workflow, stderr = _push(sb, token, work, "symphony/workflow", ".github/workflows/ci.yml")
    assert pushed_workflow is expected.push_workflow
    if expected.push and not expected.push_workflow:
        assert WORKFLOW_REFUSED in stderr
    assert _allowed(lambda: repo.create_pull(base="main", head="symphony/1", title="Run", draft=True)) is (
        expected.open_pull
    )
    assert _allowed(lambda: repo.get_pull(draft.number).mark_ready_for_review()) is expected.mark_ready
    assert sb.pulls(OWNER, REPO)[0].pull.draft is not expected.mark_ready
    assert repo.get_collaborator_permission("contributor") == "write"  # metadata: read, always granted


def test_a_bot_is_rendered_as_github_renders_apps(sb):
    token = sb.add_actions_token(OWNER, REPO, permissions={"issues": "write"})
    sb.create_issue(OWNER, REPO, "x")
    comment = _client(sb, token).get_repo(f"{OWNER}/{REPO}").get_issue(1).create_comment("hello")
    user = comment.raw_data["user"]
    assert user["login"] == "github-actions[bot]" and user["type"] == "Bot"
    assert user["url"] == f"{sb.api_url}/users/github-actions%5Bbot%5D"
    assert user["html_url"].endswith("/apps/github-actions")
    assert _client(sb, "maintainer-token").get_user("github-actions[bot]").type == "Bot"


def test_get_user_is_refused_for_installation_tokens(sb):
    token = sb.add_actions_token(OWNER, REPO, permissions={"contents": "write", "issues": "write"})
    response = requests.get(f"{sb.api_url}/user", headers={"Authorization": f"token {token}"}, timeout=5)
    assert (response.status_code, response.json()["message"]) == (403, NOT_ACCESSIBLE)


def test_actions_pull_requests_need_the_repository_setting(sb):
    token = sb.add_actions_token(OWNER, REPO, permissions={"pull-requests": "write", "contents": "write"})
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    repo = _client(sb, token).get_repo(f"{OWNER}/{REPO}")
    with pytest.raises(GithubException) as refused:
        repo.create_pull(base="main", head="symphony/1", title="Run", draft=True)
    assert refused.value.status == 403
    assert refused.value.data["message"] == "GitHub Actions is not permitted to create or approve pull requests."
    sb.set_actions_can_create_pulls(OWNER, REPO)
    pull = repo.create_pull(base="main", head="symphony/1", title="Run", draft=True)
    assert pull.user.login == "github-actions[bot]" and pull.draft


def test_graphql_refusals_are_forbidden(sb):
    token = sb.add_actions_token(OWNER, REPO, permissions={"contents": "write"})
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    draft = sb.open_pull(OWNER, REPO, "symphony/1", title="Draft", draft=True)
    query = "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { clientMutationId } }"
    response = requests.post(
        sb.graphql_url,
        json={"query": query, "variables": {"id": draft.node_id}},
        headers={"Authorization": f"bearer {token}"},
        timeout=5,
    ).json()
    assert response["errors"][0]["type"] == "FORBIDDEN"
    assert response["errors"][0]["message"] == NOT_ACCESSIBLE
    assert sb.pulls(OWNER, REPO)[0].pull.draft


def test_an_actions_token_is_scoped_to_its_own_repository(sb):
    sb.create_repo(OWNER, "other", files={"README.md": "x\n"})
    sb.create_repo(OWNER, "secret", private=True, files={"README.md": "x\n"})
    sb.create_issue(OWNER, "other", "elsewhere")
    token = sb.add_actions_token(OWNER, REPO, permissions={"issues": "write"})
    gh = _client(sb, token)
    other = gh.get_repo(f"{OWNER}/other")  # public: readable by anyone
    assert other.get_issue(1).title == "elsewhere"
    with pytest.raises(GithubException) as refused:
        other.get_issue(1).create_comment("no")
    assert (refused.value.status, refused.value.data["message"]) == (403, NOT_ACCESSIBLE)
    with pytest.raises(GithubException) as hidden:
        gh.get_repo(f"{OWNER}/secret")
    assert hidden.value.status == 404


def test_an_app_installation_on_selected_repositories_reaches_private_ones(sb):
    sb.create_repo(OWNER, "secret", private=True, files={"README.md": "x\n"})
    sb.create_issue(OWNER, "secret", "hidden work")
    grant = sb.add_installation_token(
        "symphony-runner", account=OWNER, permissions={"issues": "write"}, repositories=[f"{OWNER}/secret"]
    )
    gh = _client(sb, grant.token)
    gh.get_repo(f"{OWNER}/secret").get_issue(1).create_comment("seen")
    with pytest.raises(GithubException) as refused:
        gh.get_repo(f"{OWNER}/{REPO}").create_issue("not installed here")
    assert refused.value.status == 403


ALL_FALSE = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": False}


@pytest.mark.parametrize("kind", ["App installation token", "Actions contents: write"])
def test_an_installation_token_reads_all_false_permissions_even_when_it_can_push(sb, tmp_path, kind):
    """GitHub does not describe an installation token's grant in `GET /repos/{o}/{r}`: an Octokit maintainer
    recorded `"permissions": {"admin": false, "push": false, "pull": false}` for the Actions token, which can push
    (https://github.com/semantic-release/github/issues/182). Push access must be learned another way."""
    token = _token_for(sb, kind)
    repo = _client(sb, token).get_repo(f"{OWNER}/{REPO}")
    assert repo.raw_data["permissions"] == ALL_FALSE
    work = tmp_path / "wc"
    git("clone", "-q", with_token(sb.git_url(OWNER, REPO), "maintainer-token"), str(work))
    pushed, _ = _push(sb, token, work, "symphony/push", "notes.txt")
    assert pushed
    personal = _client(sb, "contributor-token").get_repo(f"{OWNER}/{REPO}")
    assert personal.raw_data["permissions"]["push"] is True  # a personal token's user: the real role


def test_the_installation_permissions_shape_may_be_absent(sb):
    """The other shape GitHub is reported to send for installation tokens: no `permissions` object at all."""
    token = _token_for(sb, "App installation token")
    sb.set_installation_repo_permissions("absent")
    assert "permissions" not in _client(sb, token).get_repo(f"{OWNER}/{REPO}").raw_data
    with pytest.raises(ValueError):
        sb.set_installation_repo_permissions("generous")


def test_the_actions_pull_request_refusal_names_the_operations_documentation(sb):
    """GitHub's refusal when "Allow GitHub Actions to create and approve pull requests" is off, verbatim with its
    `documentation_url` (peter-evans/create-pull-request#3979: "GitHub Actions is not permitted to create or
    approve pull requests. - https://docs.github.com/rest/pulls/pulls#create-a-pull-request")."""
    token = sb.add_actions_token(OWNER, REPO, permissions={"pull-requests": "write", "contents": "write"})
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    response = requests.post(
        f"{sb.api_url}/repos/{OWNER}/{REPO}/pulls",
        json={"base": "main", "head": "symphony/1", "title": "Run"},
        headers={"Authorization": f"token {token}"},
        timeout=5,
    )
    assert response.status_code == 403
    assert response.json()["message"] == "GitHub Actions is not permitted to create or approve pull requests."
    assert response.json()["documentation_url"] == "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"


def test_the_pull_request_setting_is_readable_by_admins_only(sb):
    """`GET /repos/{o}/{r}/actions/permissions/workflow` (operation
    actions/get-github-actions-default-workflow-permissions-repository) needs administration: the Actions token
    cannot read it, so the refusal above is the first a workflow learns of the setting."""
    path = f"{sb.api_url}/repos/{OWNER}/{REPO}/actions/permissions/workflow"
    admin = requests.get(path, headers={"Authorization": "token maintainer-token"}, timeout=5).json()
    assert admin == {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": False}
    sb.set_actions_can_create_pulls(OWNER, REPO)
    admin = requests.get(path, headers={"Authorization": "token maintainer-token"}, timeout=5).json()
    assert admin["can_approve_pull_request_reviews"] is True
    token = sb.add_actions_token(OWNER, REPO, permissions={"pull-requests": "write", "contents": "write"})
    refused = requests.get(path, headers={"Authorization": f"token {token}"}, timeout=5)
    assert (refused.status_code, refused.json()["message"]) == (403, NOT_ACCESSIBLE)
    writer = requests.get(path, headers={"Authorization": "token contributor-token"}, timeout=5)
    assert writer.status_code == 403


@pytest.mark.parametrize("kind", ["App installation token", "Actions issues: write"])
def test_a_locked_issue_refuses_comments_from_installation_tokens(sb, kind):
    """Only collaborators comment on a locked conversation; an App's bot or the GITHUB_TOKEN is none, whatever
    its permissions: 403 "Unable to create comment because issue is locked." (probot/stale#25,
    renovatebot/renovate#6215 for REST; open-telemetry/opentelemetry-dotnet#6554 for GraphQL's addComment)."""
    if kind == "Actions issues: write":
        token = sb.add_actions_token(OWNER, REPO, permissions={"issues": "write"})
    else:
        token = _token_for(sb, kind)
    sb.create_issue(OWNER, REPO, "heated")
    _client(sb, "maintainer-token").get_repo(f"{OWNER}/{REPO}").get_issue(1).lock("too heated")
    response = requests.post(
        f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/1/comments",
        json={"body": "claimed"},
        headers={"Authorization": f"token {token}"},
        timeout=5,
    )
    assert (response.status_code, response.json()["message"]) == (
        403,
        "Unable to create comment because issue is locked.",
    )
    assert response.json()["documentation_url"] == (
        "https://docs.github.com/rest/issues/comments#create-an-issue-comment"
    )
    query = 'mutation($id: ID!) { addComment(input: {subjectId: $id, body: "x"}) { clientMutationId } }'
    node_id = sb.issue(OWNER, REPO, 1).node_id
    answer = requests.post(
        sb.graphql_url,
        json={"query": query, "variables": {"id": node_id}},
        headers={"Authorization": f"bearer {token}"},
        timeout=5,
    ).json()
    assert "Unable to create comment because issue is locked" in answer["errors"][0]["message"]
    _client(sb, "contributor-token").get_repo(f"{OWNER}/{REPO}").get_issue(1).create_comment("collaborators can")
    assert len(sb.comments(OWNER, REPO, 1)) == 1


def test_issues_and_pull_requests_permissions_follow_the_target(sb):
    """Comments, labels and reactions on one issue need `issues`; on a pull request `pull_requests`. The docs list
    both for the endpoint; GitHub keys the check off the target (ynab/ynab-sdk-ruby#95)."""
    sb.create_issue(OWNER, REPO, "an issue")
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    sb.open_pull(OWNER, REPO, "symphony/1", title="a PR")
    issues_only = _client(sb, sb.add_actions_token(OWNER, REPO, permissions={"issues": "write"}))
    pulls_only = _client(sb, sb.add_actions_token(OWNER, REPO, permissions={"pull-requests": "write"}))
    on_issues, on_pulls = (gh.get_repo(f"{OWNER}/{REPO}") for gh in (issues_only, pulls_only))
    assert _allowed(lambda: on_issues.get_issue(1).create_comment("issue comment"))
    assert not _allowed(lambda: on_issues.get_issue(2).create_comment("PR comment"))
    assert _allowed(lambda: on_pulls.get_issue(2).create_comment("PR comment"))
    assert not _allowed(lambda: on_pulls.get_issue(1).create_comment("issue comment"))
    assert not _allowed(lambda: on_pulls.get_issue(1).add_to_labels("runmaestro.ai"))
    assert _allowed(lambda: on_pulls.get_issue(2).add_to_labels("runmaestro.ai"))


def test_fine_grained_and_classic_personal_tokens_are_narrowed(sb):
    """A fine-grained token refuses what its permissions lack: 403 "Resource not accessible by personal access
    token". A classic token reaches private repositories with `repo` only; `public_repo` cannot see them (404,
    as GitHub hides what a scope does not cover: community discussion #24499)."""
    sb.create_issue(OWNER, REPO, "an issue")
    sb.create_repo(OWNER, "secret", private=True, files={"README.md": "x\n"})
    sb.set_permission(OWNER, "secret", "contributor", "write")
    sb.add_personal_token("contributor", "github_pat_readissues", permissions={"issues": "read"})
    fine = _client(sb, "github_pat_readissues").get_repo(f"{OWNER}/{REPO}")
    assert fine.get_issue(1).title == "an issue"
    with pytest.raises(GithubException) as refused:
        fine.get_issue(1).create_comment("no")
    assert (refused.value.status, refused.value.data["message"]) == (
        403,
        "Resource not accessible by personal access token",
    )
    sb.add_personal_token("contributor", "ghp_publiconly", scopes=["public_repo"])
    with pytest.raises(GithubException) as hidden:
        _client(sb, "ghp_publiconly").get_repo(f"{OWNER}/secret").create_issue("no")
    assert hidden.value.status == 404
    _client(sb, "ghp_publiconly").get_repo(f"{OWNER}/{REPO}").get_issue(1).create_comment("public: fine")


def test_graphql_checks_an_installation_tokens_permissions_per_field(sb):
    """GraphQL refuses what REST refuses, field by field: on a private repository, an installation token without
    issues/pull_requests read gets FORBIDDEN "Resource not accessible by integration" at `issues` and
    `pullRequests`. Those fields are non-null in GitHub's schema (@octokit/graphql-schema), so the refusal nulls
    the repository, as GraphQL's null propagation does; a nullable field (defaultBranchRef) is nulled alone."""
    sb.create_repo(OWNER, "secret", private=True, files={"README.md": "x\n"})
    sb.create_issue(OWNER, "secret", "hidden work")
    grant = sb.add_installation_token(
        "symphony-runner", account=OWNER, permissions={"contents": "read"}, repositories=[f"{OWNER}/secret"]
    )
    query = (
        f'query {{ repository(owner: "{OWNER}", name: "secret") {{ name '
        "issues(first: 5) { nodes { title } } pullRequests(first: 5) { nodes { title } } "
        "defaultBranchRef { name } } }"
    )
    answer = requests.post(
        sb.graphql_url, json={"query": query}, headers={"Authorization": f"bearer {grant.token}"}, timeout=5
    ).json()
    assert answer["data"] == {"repository": None}
    refused = {tuple(error["path"]): (error["type"], error["message"]) for error in answer["errors"]}
    assert refused  # the first refused field nulls the repository; graphql-core stops there
    assert set(refused.values()) == {("FORBIDDEN", NOT_ACCESSIBLE)}
    assert set(refused) <= {("repository", "issues"), ("repository", "pullRequests")}
    readable = sb.add_installation_token(
        "symphony-runner", account=OWNER, permissions={"issues": "read", "pull-requests": "read"}
    )
    answer = requests.post(
        sb.graphql_url, json={"query": query}, headers={"Authorization": f"bearer {readable.token}"}, timeout=5
    ).json()
    assert answer["data"]["repository"]["issues"]["nodes"] == [{"title": "hidden work"}]
    assert answer["data"]["repository"]["defaultBranchRef"] is None  # no contents: read
    assert [error["path"] for error in answer["errors"]] == [["repository", "defaultBranchRef"]]


def test_classic_tokens_read_their_scopes_in_the_headers(sb):
    """@octokit/fixtures recordings (paginate-issues) carry `x-oauth-scopes` (the token's scopes) and
    `x-accepted-oauth-scopes: repo` on a repository's operation; fine-grained and installation tokens get neither."""
    sb.add_personal_token("contributor", "ghp_scoped", scopes=["repo", "workflow"])
    answer = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers={"Authorization": "token ghp_scoped"})
    assert answer.headers["X-OAuth-Scopes"] == "repo, workflow"
    assert answer.headers["X-Accepted-OAuth-Scopes"] == "repo"
    sb.add_personal_token("contributor", "github_pat_fine", permissions={"contents": "read"})
    fine = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", headers={"Authorization": "token github_pat_fine"})
    assert "X-OAuth-Scopes" not in fine.headers
