"""Unchanged PyGithub against the sandbox's REST API: issues, labels, comments, reactions, pulls, forks..."""

from __future__ import annotations

import pytest
import requests
from github import GithubException

from symphony_bot.sandbox import Sandbox
from tests.sandbox_helpers import OWNER, REPO, TOKENS, github


def test_users_and_repository(sb):
    gh = github(sb, "maintainer")
    assert gh.get_user().login == "maintainer"
    assert gh.get_user("contributor").type == "User"
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    assert repo.default_branch == "main" and not repo.private and repo.clone_url == sb.git_url(OWNER, REPO)


def test_issue_life_cycle_with_labels_and_comments(sb):
    gh = github(sb, "maintainer")
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    issue = repo.create_issue("Run the docs", "docs/tasks.md", labels=["runmaestro.ai"])
    assert [label.name for label in issue.labels] == ["runmaestro.ai"]
    issue.add_to_labels("blocking")  # unknown labels are created, as on GitHub
    assert {label.name for label in repo.get_issue(issue.number).labels} == {"runmaestro.ai", "blocking"}
    issue.remove_from_labels("blocking")
    comment = issue.create_comment("status")
    comment.edit("status v2")
    assert [c.body for c in issue.get_comments()] == ["status v2"]
    assert issue.get_comment(comment.id).body == "status v2"
    issue.edit(state="closed", state_reason="not_planned")
    closed = repo.get_issue(issue.number)
    assert closed.state == "closed" and closed.state_reason == "not_planned" and closed.closed_by.login == "maintainer"
    comment.delete()
    assert list(issue.get_comments()) == []
    assert [i.number for i in repo.get_issues(state="closed")] == [issue.number]
    assert list(repo.get_issues(state="open")) == []


def test_issue_list_filters_labels_and_includes_pulls(sb):
    sb.create_issue(OWNER, REPO, "labelled", labels=["runmaestro.ai"])
    sb.create_issue(OWNER, REPO, "plain")
    sb.push_branch(OWNER, REPO, "feature", {"a.txt": "a\n"})
    sb.open_pull(OWNER, REPO, "feature", title="A PR")
    repo = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}")
    assert [i.title for i in repo.get_issues(labels=["RunMaestro.ai"])] == ["labelled"]
    everything = list(repo.get_issues(state="all"))
    assert [i.title for i in everything] == ["A PR", "plain", "labelled"]
    assert everything[0].pull_request is not None and everything[1].pull_request is None


def test_reactions_are_idempotent(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.comment(OWNER, REPO, 1, "/symphony run", author="contributor")
    comment_id = sb.comments(OWNER, REPO, 1)[0].id
    headers = {"Authorization": f"token {TOKENS['maintainer']}"}
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/comments/{comment_id}/reactions"
    first = requests.post(url, json={"content": "eyes"}, headers=headers, timeout=5)
    again = requests.post(url, json={"content": "eyes"}, headers=headers, timeout=5)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert requests.post(url, json={"content": "nope"}, headers=headers, timeout=5).status_code == 422
    issue = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1)
    issue.create_reaction("+1")
    assert [r.content for r in issue.get_reactions()] == ["+1"]
    assert [r.content for r in issue.get_comment(comment_id).get_reactions()] == ["eyes"]


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


def test_collaborator_permission_folds_roles(sb):
    sb.add_user("triager")
    sb.set_permission(OWNER, REPO, "triager", "triage")
    sb.add_user("keeper")
    sb.set_permission(OWNER, REPO, "keeper", "maintain")
    repo = github(sb, "stranger").get_repo(f"{OWNER}/{REPO}")
    expected = {"maintainer": "admin", "keeper": "write", "contributor": "write", "triager": "read", "stranger": "none"}
    assert {login: repo.get_collaborator_permission(login) for login in expected} == expected
    assert repo.get_collaborator_role_name("keeper") == "maintain"


def test_timeline_labeled_event_names_the_actor(sb):
    sb.create_issue(OWNER, REPO, "x", author="contributor")
    sb.label_issue(OWNER, REPO, 1, "runmaestro.ai", actor="contributor")
    github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1).add_to_labels("blocking")
    events = [
        (e.event, e.actor.login, e.raw_data["label"]["name"])
        for e in github(sb, "stranger").get_repo(f"{OWNER}/{REPO}").get_issue(1).get_timeline()
    ]
    assert events == [("labeled", "contributor", "runmaestro.ai"), ("labeled", "maintainer", "blocking")]


def test_search_requires_a_type_and_filters(sb):
    sb.create_issue(OWNER, REPO, "Ready to run", labels=["runmaestro.ai"])
    sb.create_issue(OWNER, REPO, "Other")
    gh = github(sb, "contributor")
    with pytest.raises(GithubException) as missing:
        list(gh.search_issues(f"repo:{OWNER}/{REPO} label:runmaestro.ai"))
    assert missing.value.status == 422 and "is:issue" in missing.value.data["message"]
    found = list(gh.search_issues(f"repo:{OWNER}/{REPO} is:issue is:open label:runmaestro.ai"))
    assert [i.title for i in found] == ["Ready to run"]
    assert [i.title for i in gh.search_issues("is:issue Other in:title")] == ["Other"]
    assert list(gh.search_issues(f"repo:{OWNER}/{REPO} is:pr")) == []


def test_private_repository_is_404_and_bad_token_is_401(sb):
    sb.create_repo(OWNER, "secret", private=True)
    with pytest.raises(GithubException) as hidden:
        github(sb, "stranger").get_repo(f"{OWNER}/secret").full_name  # noqa: B018
    assert hidden.value.status == 404
    assert github(sb, "maintainer").get_repo(f"{OWNER}/secret").private
    bad = requests.get(f"{sb.api_url}/user", headers={"Authorization": "token nope"}, timeout=5)
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"


def test_archived_repository_refuses_writes(sb):
    sb.create_issue(OWNER, REPO, "x")
    sb.archive_repo(OWNER, REPO)
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert repo.archived
    with pytest.raises(GithubException) as refused:
        repo.get_issue(1).create_comment("hi")
    assert refused.value.status == 403 and "archived" in refused.value.data["message"]


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


def test_branches_and_refs(sb):
    sha = sb.push_branch(OWNER, REPO, "feature/x", {"a": "1"})
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert {b.name for b in repo.get_branches()} == {"main", "feature/x"}
    assert repo.get_branch("feature/x").commit.sha == sha
    assert repo.get_git_ref("heads/feature/x").object.sha == sha
    ref = repo.create_git_ref("refs/heads/copy", sha)
    assert sb.branches(OWNER, REPO)["copy"] == sha
    ref.delete()
    assert "copy" not in sb.branches(OWNER, REPO)


def test_pagination_link_headers_past_one_hundred(sb):
    for number in range(130):
        sb.create_issue(OWNER, REPO, f"issue {number}")
    issues = github(sb, "maintainer", per_page=100).get_repo(f"{OWNER}/{REPO}").get_issues(state="all")
    assert len(list(issues)) == 130
    pages = [entry for entry in sb.requests if entry.operation == "issues/list-for-repo"]
    assert len(pages) == 2
    response = requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues?per_page=500&page=1", timeout=5)
    assert len(response.json()) == 100
    assert f'<{sb.api_url}/repos/{OWNER}/{REPO}/issues?per_page=100&page=2>; rel="next"' in response.headers["Link"]
    assert 'rel="last"' in response.headers["Link"]


def test_etag_304_is_free(sb):
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}"
    headers = {"Authorization": "token maintainer-token"}
    first = requests.get(url, headers=headers, timeout=5)
    again = requests.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
    sb.create_issue(OWNER, REPO, "changes the repository's open issue count")
    changed = requests.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]}, timeout=5)
    assert changed.status_code == 200
    other = requests.get(
        url, headers={"Authorization": "token contributor-token", "If-None-Match": first.headers["ETag"]}, timeout=5
    )
    assert other.status_code == 200  # ETags are token specific, as on GitHub


def test_rate_limit_headers_and_exhaustion(sb):
    from github import RateLimitExceededException

    sb.set_rate_limit("contributor", 3)
    gh = github(sb, "contributor")
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    assert gh.rate_limiting[1] == 3 and gh.rate_limiting[0] == 2
    list(repo.get_labels())
    list(repo.get_issues())
    assert gh.rate_limiting[0] == 0
    with pytest.raises(RateLimitExceededException):
        repo.get_branch("main")
    response = requests.get(
        f"{sb.api_url}/repos/{OWNER}/{REPO}", headers={"Authorization": "token contributor-token"}, timeout=5
    )
    assert response.status_code == 403 and response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-resource"] == "core"
    assert gh.get_rate_limit().rate.remaining == 0  # /rate_limit itself is free
    assert github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").full_name  # budgets are per user
    points = [(entry.method, entry.points) for entry in sb.requests if entry.login == "maintainer"]
    assert points == [("GET", 1)]


def test_request_log_points_and_operations(sb):
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    repo.create_issue("x").create_comment("hi")
    assert sb.requests.operations() == ["repos/get", "issues/create", "issues/create-comment"]
    assert [entry.points for entry in sb.requests] == [1, 5, 5] and sb.requests.points() == 11
    assert sb.requests.calls("issues/create-comment") == 1
    assert {entry.login for entry in sb.requests} == {"maintainer"}


def test_graphql_route_authenticates(sb):
    bad = requests.post(
        sb.graphql_url, json={"query": "{ viewer { login } }"}, headers={"Authorization": "bearer nope"}, timeout=5
    )
    assert bad.status_code == 401
    anonymous = requests.post(sb.graphql_url, json={"query": "{ viewer { login } }"}, timeout=5)
    assert anonymous.status_code in (401, 404)


def test_read_only_views_are_copies(sb):
    sb.create_issue(OWNER, REPO, "x")
    view = sb.issues(OWNER, REPO)
    view[0].title = "changed"
    assert sb.issue(OWNER, REPO, 1).title == "x"


def test_save_and_load_round_trip(sb, tmp_path):
    sb.create_issue(OWNER, REPO, "work", labels=["runmaestro.ai"])
    sb.push_branch(OWNER, REPO, "fix", {"f": "1"})
    sb.open_pull(OWNER, REPO, "fix", title="Fix", body="closes #1", draft=True)
    sb.rename_repo(OWNER, REPO, "moved")
    sb.save(tmp_path / "saved")
    with Sandbox(root=tmp_path / "saved") as loaded:
        repo = github(loaded, "maintainer").get_repo(f"{OWNER}/moved")
        assert repo.get_issue(1).labels[0].name == "runmaestro.ai"
        assert repo.get_pull(2).draft
        state = loaded.state
        issue = state.find_repo(OWNER, "moved").issues[1]
        assert [pr.number for _, pr in state.closed_by_pulls(state.find_repo(OWNER, "moved"), issue)] == [2]
        assert state.node(issue.node_id) is issue
        assert loaded.file(OWNER, "moved", "f", ref="fix") == "1"
        assert github(loaded, "maintainer").get_repo(f"{OWNER}/{REPO}").full_name == f"{OWNER}/moved"


def test_anonymous_callers_see_public_repositories_only(sb):
    sb.create_repo(OWNER, "secret", private=True)
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/{REPO}", timeout=5).status_code == 200
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/secret", timeout=5).status_code == 404
    assert requests.get(f"{sb.api_url}/repos/{OWNER}/secret/issues", timeout=5).status_code == 404
    anonymous_write = requests.post(f"{sb.api_url}/repos/{OWNER}/{REPO}/issues", json={"title": "x"}, timeout=5)
    assert anonymous_write.status_code == 401


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
