"""rest/issues.py: `since` as a time and the repository comment list's ordering, through PyGithub and raw HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
from github import GithubException

from tests.sandbox_helpers import OWNER, REPO, TOKENS, github

AUTH = {"Authorization": f"token {TOKENS['maintainer']}"}


def _iso(moment: datetime, offset_hours: int = 0) -> str:
    """The same instant written with another UTC offset (`+02:00`, `-05:00`, or `+00:00`)."""
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat(timespec="seconds")


def test_since_is_compared_as_a_time_whatever_its_offset(sb):
    sb.create_issue(OWNER, REPO, "fresh")
    sb.comment(OWNER, REPO, 1, "fresh comment")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    in_an_hour = datetime.now(UTC) + timedelta(hours=1)
    for path in ("issues", "issues/comments", "issues/1/comments"):
        url = f"{sb.api_url}/repos/{OWNER}/{REPO}/{path}"
        for offset in (0, 2, -5):
            found = requests.get(url, params={"since": _iso(an_hour_ago, offset)}, headers=AUTH, timeout=5).json()
            assert len(found) == 1, (path, offset)
            later = requests.get(url, params={"since": _iso(in_an_hour, offset)}, headers=AUTH, timeout=5).json()
            assert later == [], (path, offset)
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert [issue.title for issue in repo.get_issues(since=an_hour_ago)] == ["fresh"]
    assert list(repo.get_issues(since=in_an_hour)) == []


def test_repository_comment_list_honours_sort_and_direction(sb):
    sb.create_issue(OWNER, REPO, "one")
    for body in ("first", "second", "third"):
        sb.comment(OWNER, REPO, 1, body)
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    assert [c.body for c in repo.get_issues_comments()] == ["first", "second", "third"]
    assert [c.body for c in repo.get_issues_comments(sort="created", direction="desc")] == ["third", "second", "first"]
    assert [c.body for c in repo.get_issues_comments(sort="created", direction="asc")] == ["first", "second", "third"]
    url = f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/comments"
    assert [c["body"] for c in requests.get(url, params={"sort": "created"}, headers=AUTH, timeout=5).json()] == [
        "third",
        "second",
        "first",
    ]  # `direction` defaults to desc once `sort` is given
    assert (
        requests.get(url, params={"direction": "sideways", "sort": "created"}, headers=AUTH, timeout=5).status_code
        == 422
    )


def test_titles_and_bodies_over_githubs_limits_are_422_with_githubs_messages(sb):
    repo = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}")
    with pytest.raises(GithubException) as long_title:
        repo.create_issue(title="t" * 257)
    assert long_title.value.status == 422
    assert long_title.value.data["errors"][0]["message"] == "title is too long (maximum is 256 characters)"
    with pytest.raises(GithubException) as long_body:
        repo.create_issue(title="ok", body="b" * 65_537)
    assert long_body.value.data["errors"][0] == {
        "resource": "Issue",
        "code": "custom",
        "field": "body",
        "message": "body is too long (maximum is 65536 characters)",
    }
    issue = repo.create_issue(title="t" * 256, body="b" * 65_536)  # exactly at the limits is fine
    with pytest.raises(GithubException) as long_comment:
        issue.create_comment("c" * 65_537)
    assert long_comment.value.status == 422
    assert long_comment.value.data["errors"][0]["message"] == "Body is too long (maximum is 65536 characters)"
    comment = issue.create_comment("c" * 65_536)
    with pytest.raises(GithubException):
        comment.edit("c" * 65_537)
    with pytest.raises(GithubException):
        issue.edit(body="b" * 65_537)
    assert sb.issue(OWNER, REPO, issue.number).body == "b" * 65_536  # a refused edit changes nothing
    sb.push_branch(OWNER, REPO, "fix", {"f": "1"})
    with pytest.raises(GithubException) as long_pull:
        repo.create_pull(base="main", head="fix", title="p", body="b" * 65_537)
    assert (
        long_pull.value.data["errors"][0]["resource"] == "Issue"
    )  # GitHub: the issue half (renovatebot/renovate#2032)


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


def test_timeline_labeled_event_names_the_actor(sb):
    sb.create_issue(OWNER, REPO, "x", author="contributor")
    sb.label_issue(OWNER, REPO, 1, "runmaestro.ai", actor="contributor")
    github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_issue(1).add_to_labels("blocking")
    events = [
        (e.event, e.actor.login, e.raw_data["label"]["name"])
        for e in github(sb, "stranger").get_repo(f"{OWNER}/{REPO}").get_issue(1).get_timeline()
    ]
    assert events == [("labeled", "contributor", "runmaestro.ai"), ("labeled", "maintainer", "blocking")]


def test_labels_and_assignees_from_users_without_push_access_are_silently_dropped(sb):
    """@octokit/openapi, issues/create: "Only users with push access can set labels for new issues. Labels are
    silently dropped otherwise." (assignees alike); issues/update: "Without push access to the repository, label
    changes are silently dropped." The rest of the request succeeds."""
    repo = github(sb, "stranger").get_repo(f"{OWNER}/{REPO}")
    issue = repo.create_issue(title="please run", labels=["runmaestro.ai"], assignees=["maintainer"])
    stored = sb.issue(OWNER, REPO, issue.number)
    assert stored.labels == [] and stored.assignees == []
    issue.edit(title="please run the docs", labels=["runmaestro.ai"], assignees=["stranger"])
    stored = sb.issue(OWNER, REPO, issue.number)
    assert stored.title == "please run the docs" and stored.labels == [] and stored.assignees == []
    writer = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}")
    kept = writer.create_issue(title="with push access", labels=["runmaestro.ai"], assignees=["contributor"])
    assert [label.name for label in kept.labels] == ["runmaestro.ai"] and kept.assignees[0].login == "contributor"
