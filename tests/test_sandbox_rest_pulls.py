"""rest/pulls.py, rest/commits.py and the pull-request lifecycle, through unchanged PyGithub and real git."""

from __future__ import annotations

import pytest
import requests
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, git, github, with_token


def _repo(sb, login="maintainer"):
    return github(sb, login).get_repo(f"{OWNER}/{REPO}")


def test_pull_statistics_commits_and_files_come_from_git(sb):
    sb.push_branch(OWNER, REPO, "feature", {"README.md": "hello\nworld\n", "new.txt": "a\nb\nc\n"})
    sb.push_branch(OWNER, REPO, "feature", {"docs/tasks.md": None}, message="Remove the tasks")
    pull = _repo(sb).create_pull(base="main", head="feature", title="Feature")
    assert (pull.commits, pull.changed_files, pull.additions, pull.deletions) == (2, 3, 4, 1)
    assert [c.commit.message for c in pull.get_commits()] == ["Update files", "Remove the tasks"]
    files = {f.filename: (f.status, f.additions, f.deletions) for f in pull.get_files()}
    assert files == {"README.md": ("modified", 1, 0), "new.txt": ("added", 3, 0), "docs/tasks.md": ("removed", 0, 1)}


def test_compare_list_and_get_commits(sb):
    main = sb.branches(OWNER, REPO)["main"]
    head = sb.push_branch(OWNER, REPO, "feature", {"x.txt": "x\n"})
    repo = _repo(sb)
    comparison = repo.compare("main", "feature")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("ahead", 1, 0)
    assert [c.sha for c in comparison.commits] == [head] and [f.filename for f in comparison.files] == ["x.txt"]
    assert repo.compare("feature", "main").status == "behind"
    assert [c.sha for c in repo.get_commits(sha="feature")] == [head, main]
    commit = repo.get_commit(head)
    assert commit.stats.additions == 1 and [f.filename for f in commit.files] == ["x.txt"]
    assert repo.get_commit("feature").sha == head
    with pytest.raises(GithubException) as missing:
        repo.get_commit("no-such-ref")
    assert missing.value.status == 422


def test_reopening_beside_another_open_pull_is_422(sb):
    sb.push_branch(OWNER, REPO, "feature", {"x.txt": "x\n"})
    repo = _repo(sb)
    first = repo.create_pull(base="main", head="feature", title="First")
    first.edit(state="closed")
    second = repo.create_pull(base="main", head="feature", title="Second")
    with pytest.raises(GithubException) as refused:
        first.edit(state="open")
    assert refused.value.status == 422
    assert refused.value.data["errors"][0]["message"] == f"A pull request already exists for {OWNER}:feature."
    second.edit(state="closed")
    first.edit(state="open")
    assert repo.get_pull(first.number).state == "open"


def test_deleting_the_head_branch_closes_the_pull(sb, tmp_path):
    sb.push_branch(OWNER, REPO, "by-api", {"x.txt": "x\n"})
    sb.push_branch(OWNER, REPO, "by-git", {"y.txt": "y\n"})
    repo = _repo(sb)
    by_api = repo.create_pull(base="main", head="by-api", title="API")
    by_git = repo.create_pull(base="main", head="by-git", title="git")
    repo.get_git_ref("heads/by-api").delete()
    url = with_token(sb.git_url(OWNER, REPO), "maintainer-token")
    git("init", "-q", str(tmp_path / "wc"))
    git("push", "-q", url, ":refs/heads/by-git", cwd=tmp_path / "wc")
    for pull in (by_api, by_git):
        again = repo.get_pull(pull.number)
        assert again.state == "closed" and not again.merged
        events = [event.event for event in again.as_issue().get_events()]
        assert events[-2:] == ["head_ref_deleted", "closed"]
    with pytest.raises(GithubException) as refused:
        by_api.edit(state="open")
    assert refused.value.status == 422


def test_lock_and_unlock_an_issue(sb):
    sb.create_issue(OWNER, REPO, "heated")
    issue = _repo(sb).get_issue(1)
    issue.lock("too heated")
    assert issue.locked is False  # PyGithub does not refresh: read it again
    again = _repo(sb).get_issue(1)
    assert again.locked and again.active_lock_reason == "too heated"
    with pytest.raises(GithubException) as refused:
        _repo(sb, "stranger").get_issue(1).create_comment("me too")
    assert refused.value.status == 403
    _repo(sb, "contributor").get_issue(1).create_comment("collaborators still can")
    with pytest.raises(GithubException):
        _repo(sb, "stranger").get_issue(1).lock("spam")
    issue.unlock()
    assert not _repo(sb).get_issue(1).locked
    _repo(sb, "stranger").get_issue(1).create_comment("now anyone can")


def test_delete_a_reaction(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.comment(OWNER, REPO, 1, "hello")
    issue = _repo(sb, "stranger").get_issue(1)
    mine = issue.create_reaction("eyes")
    comment = issue.get_comments()[0]
    on_comment = comment.create_reaction("heart")
    assert issue.delete_reaction(9_999_999) is False  # PyGithub reports GitHub's 404 as False
    assert _repo(sb, "contributor").get_issue(1).delete_reaction(mine.id) is True  # write access: anyone's
    mine = issue.create_reaction("eyes")
    assert issue.delete_reaction(mine.id)
    assert comment.delete_reaction(on_comment.id)
    assert list(issue.get_reactions()) == [] and list(comment.get_reactions()) == []


def test_list_collaborators_with_roles(sb):
    sb.set_permission(OWNER, REPO, "stranger", "triage")
    collaborators = {user.login: user.role_name for user in _repo(sb).get_collaborators()}
    assert collaborators == {"maintainer": "admin", "contributor": "write", "stranger": "triage"}
    assert [user.login for user in _repo(sb).get_collaborators(permission="push")] == ["maintainer", "contributor"]
    with pytest.raises(GithubException) as refused:
        list(_repo(sb, "stranger").get_collaborators())
    assert refused.value.status == 403


def test_draft_pull_rules(sb):
    repo = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}")
    repo.create_git_ref("refs/heads/empty", sb.branches(OWNER, REPO)["main"])
    with pytest.raises(GithubException) as no_commits:
        repo.create_pull(base="main", head="empty", title="nothing", body="", draft=True)
    assert no_commits.value.status == 422
    assert no_commits.value.data["errors"][0]["message"] == "No commits between main and empty"
    sha = sb.push_branch(OWNER, REPO, "symphony/1-abc", {"work.txt": "done\n"})
    pull = repo.create_pull(base="main", head="symphony/1-abc", title="Symphony", body="", draft=True)
    assert (
        pull.draft and pull.head.sha == sha and pull.head.ref == "symphony/1-abc" and pull.user.login == "contributor"
    )
    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(base="main", head="symphony/1-abc", title="again", body="")
    assert duplicate.value.data["errors"][0]["message"] == f"A pull request already exists for {OWNER}:symphony/1-abc."
    found = repo.get_pulls(state="open", head=f"{OWNER}:symphony/1-abc", base="main")
    assert [p.number for p in found] == [pull.number]
    assert list(repo.get_pulls(head="symphony/1-abc")) == []  # GitHub wants owner:branch
    pull.edit(title="Renamed", body="new body")
    again = repo.get_pull(pull.number)
    assert again.title == "Renamed" and again.body == "new body" and again.draft
    pull.edit(state="closed")
    assert repo.get_pull(pull.number).state == "closed" and not repo.get_pull(pull.number).merged


def test_merge_closes_linked_issue_and_moves_the_base(sb):
    sb.create_issue(OWNER, REPO, "work")
    sb.push_branch(OWNER, REPO, "fix", {"fix.txt": "fixed\n"})
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    pull = repo.create_pull(base="main", head="fix", title="Fix", body="Fixes: #1")
    status = pull.merge()
    assert status.merged
    assert repo.get_pull(pull.number).merged and repo.get_pull(pull.number).merged_by.login == "maintainer"
    issue = repo.get_issue(1)
    assert issue.state == "closed" and issue.state_reason == "completed"
    assert sb.file(OWNER, REPO, "fix.txt") == "fixed\n"
    assert sb.branches(OWNER, REPO)["main"] == status.sha


def test_fork_flow_opens_a_pull_from_the_fork(sb):
    sb.create_issue(OWNER, REPO, "work")
    gh = github(sb, "stranger")
    fork = gh.get_repo(f"{OWNER}/{REPO}").create_fork()
    assert fork.full_name == f"stranger/{REPO}" and fork.fork and fork.parent.full_name == f"{OWNER}/{REPO}"
    assert [f.full_name for f in gh.get_repo(f"{OWNER}/{REPO}").get_forks()] == [f"stranger/{REPO}"]
    sb.push_branch("stranger", REPO, "symphony/1-x", {"w.txt": "w\n"}, author="stranger")
    upstream = gh.get_repo(f"{OWNER}/{REPO}")
    pull = upstream.create_pull(
        base="main", head="stranger:symphony/1-x", title="From fork", body="Closes #1", draft=True
    )
    assert pull.head.repo.full_name == f"stranger/{REPO}" and pull.head.label == "stranger:symphony/1-x"
    assert [p.number for p in upstream.get_pulls(head="stranger:symphony/1-x")] == [pull.number]
    closers = sb.state.closed_by_pulls(sb.state.find_repo(OWNER, REPO), sb.state.find_repo(OWNER, REPO).issues[1])
    assert [issue.number for _, issue in closers] == [pull.number]


DRAFTS_UNSUPPORTED = "Draft pull requests are not supported in this repository."


def test_a_private_repository_on_the_free_plan_refuses_draft_pull_requests(sb):
    """Drafts exist in public repositories on every plan and in private ones on paid plans only
    (https://developer.github.com/changes/2019-02-14-draft-pull-requests/); elsewhere REST answers 422 with the
    message itself (no `errors` list) and GraphQL's createPullRequest the same words (`gh` prints "GraphQL: Draft
    pull requests are not supported in this repository. (createPullRequest)")."""
    sb.create_repo(OWNER, "secret", private=True, files={"README.md": "x\n"})
    sb.push_branch(OWNER, "secret", "symphony/1", {"work.txt": "work\n"})
    headers = {"Authorization": "token maintainer-token"}
    url = f"{sb.api_url}/repos/{OWNER}/secret/pulls"
    pull = {"base": "main", "head": "symphony/1", "title": "Run", "draft": True}
    refused = requests.post(url, json=pull, headers=headers, timeout=5)
    assert refused.status_code == 422
    assert refused.json()["message"] == DRAFTS_UNSUPPORTED and "errors" not in refused.json()
    query = (
        'mutation($repo: ID!) { createPullRequest(input: {repositoryId: $repo, baseRefName: "main", '
        'headRefName: "symphony/1", title: "Run", draft: true}) { pullRequest { number } } }'
    )
    variables = {"repo": sb.repo(OWNER, "secret").node_id}
    answer = requests.post(sb.graphql_url, json={"query": query, "variables": variables}, headers=headers, timeout=5)
    assert [(e["type"], e["message"]) for e in answer.json()["errors"]] == [("UNPROCESSABLE", DRAFTS_UNSUPPORTED)]
    assert sb.pulls(OWNER, "secret") == []
    created = requests.post(url, json={**pull, "draft": False, "title": "[WIP] Run"}, headers=headers, timeout=5)
    assert created.status_code == 201 and created.json()["draft"] is False
    sb.set_plan(OWNER, "pro")
    sb.push_branch(OWNER, "secret", "symphony/2", {"more.txt": "more\n"})
    paid = requests.post(url, json={**pull, "head": "symphony/2"}, headers=headers, timeout=5)
    assert paid.status_code == 201 and paid.json()["draft"] is True
    public = _repo(sb)
    sb.set_plan(OWNER, "free")
    sb.push_branch(OWNER, REPO, "symphony/3", {"three.txt": "3\n"})
    assert public.create_pull(base="main", head="symphony/3", title="Public", draft=True).draft


def test_mergeable_is_null_until_github_has_computed_it(sb):
    """ "The value of the mergeable attribute can be true, false, or null. If the value is null, then GitHub has
    started a background job to compute the mergeability" (https://docs.github.com/en/rest/pulls/pulls#get-a-pull-
    request): the first read answers null and starts it; a later read knows; a new head starts over."""
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    created = _repo(sb).create_pull(base="main", head="symphony/1", title="Run")
    assert created.raw_data["mergeable"] is None and created.raw_data["mergeable_state"] == "unknown"
    first = _repo(sb).get_pull(created.number)
    assert first.mergeable is None and first.mergeable_state == "unknown"
    again = _repo(sb).get_pull(created.number)
    assert again.mergeable is True and again.mergeable_state == "clean"
    sb.push_branch(OWNER, REPO, "symphony/1", {"more.txt": "more\n"})
    assert _repo(sb).get_pull(created.number).mergeable is None


def test_a_too_long_pull_request_body_names_the_issue_as_github_does(sb):
    """GitHub stores a PR's title and body on its issue: the 422 names `Issue` (renovatebot/renovate#2032,
    denoland/bump-workspaces#34: {"resource":"Issue","code":"custom","field":"body",...} on pulls/create)."""
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"})
    with pytest.raises(GithubException) as refused:
        _repo(sb).create_pull(base="main", head="symphony/1", title="Run", body="x" * 65_537)
    assert refused.value.data["errors"] == [
        {
            "resource": "Issue",
            "code": "custom",
            "field": "body",
            "message": "body is too long (maximum is 65536 characters)",
        }
    ]


def test_merging_closes_issues_named_in_commit_messages_and_by_url(sb):
    """ "If you use a keyword in a commit message, the issue will be closed when the commit is merged into the
    default branch"; the issue's URL is a reference too
    (https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue)."""
    for title in ("by message", "by url", "mentioned only", "not merged to default"):
        sb.create_issue(OWNER, REPO, title)
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "work\n"}, message="Do the work\n\nFixes #1, see #3")
    body = f"Closes https://github.com/{OWNER}/{REPO}/issues/2"
    pull = _repo(sb).create_pull(base="main", head="symphony/1", title="Run", body=body)
    assert [issue.number for issue in _repo(sb).get_issues(state="open")] == [5, 4, 3, 2, 1]
    pull.merge()
    states = {number: sb.issue(OWNER, REPO, number).state for number in (1, 2, 3, 4)}
    assert states == {1: "closed", 2: "closed", 3: "open", 4: "open"}
    sb.push_branch(OWNER, REPO, "release", {"r.txt": "r\n"})
    sb.push_branch(OWNER, REPO, "symphony/2", {"w2.txt": "2\n"}, base="release", message="Fixes #4")
    other = _repo(sb).create_pull(base="release", head="symphony/2", title="Not the default branch")
    other.merge()
    assert sb.issue(OWNER, REPO, 4).state == "open"
