"""The sandbox GitHub keeps an issue body's edit history and serves it as GitHub's GraphQL does.

GitHub: `Issue.userContentEdits` lists the body's versions newest first, each with `editedAt` and `editor`
(https://docs.github.com/en/graphql/reference/objects#usercontentedit); nothing is listed until the first edit,
which also brings in the creation ("includesCreatedEdit — Check if this comment was edited and includes an edit
with the creation data", GitHub's schema in @octokit/graphql-schema). `timelineItems(itemTypes: [LABELED_EVENT])`
gives the label events with their actor and time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from symphony_bot.action.body_edits import EDITS_QUERY
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox
from tests.conformance.github_graphql import assert_valid_github_query

OWNER, REPO, LABEL = "maintainer", "project", "runmaestro.ai"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        sandbox.add_user(OWNER, token="maintainer-token")
        sandbox.add_user("stranger", token="stranger-token")
        sandbox.add_user("renovate[bot]", token="renovate-token", type="Bot")
        sandbox.create_repo(OWNER, REPO, files={"README.md": "hi\n"})
        sandbox.add_label(OWNER, REPO, LABEL)
        yield sandbox


def patch_body(sb: Sandbox, number: int, body: str, token: str) -> requests.Response:
    return requests.patch(
        f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/{number}",
        json={"body": body},
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )


def history(sb: Sandbox, number: int) -> dict[str, Any]:
    with GitHubClient(sb.api_url, sb.graphql_url, "maintainer-token", pacer=Pacer(Limits.unlimited())) as client:
        response = client.graphql(EDITS_QUERY, {"owner": OWNER, "name": REPO, "number": number})
    assert not response.errors, response.errors
    issue: dict[str, Any] = response.data["repository"]["issue"]
    return issue


def test_an_unedited_body_has_no_history_and_the_label_event_is_served(sb: Sandbox) -> None:
    number = sb.create_issue(OWNER, REPO, "Docs", "docs/tasks.md\n", author="stranger").number
    sb.label_issue(OWNER, REPO, number, LABEL, actor=OWNER)
    issue = history(sb, number)
    assert issue["userContentEdits"]["nodes"] == []
    [event] = issue["timelineItems"]["nodes"]
    assert event["label"] == {"name": LABEL}
    assert event["createdAt"] == sb.issue(OWNER, REPO, number).events[-1].created_at


def test_the_first_edit_brings_the_creation_in_and_the_list_is_newest_first(sb: Sandbox) -> None:
    created = sb.create_issue(OWNER, REPO, "Docs", "docs/tasks.md\n", author="stranger")
    assert patch_body(sb, created.number, "docs/other.md\n", "stranger-token").status_code == 200
    assert patch_body(sb, created.number, "docs/other.md\n", "stranger-token").status_code == 200  # no change
    assert patch_body(sb, created.number, "docs/tasks.md\n", "maintainer-token").status_code == 200
    nodes = history(sb, created.number)["userContentEdits"]["nodes"]
    assert [node["editor"] for node in nodes] == [
        {"login": OWNER, "__typename": "User"},
        {"login": "stranger", "__typename": "User"},
        {"login": "stranger", "__typename": "User"},  # the creation, the oldest entry
    ]
    assert nodes[-1]["editedAt"] == created.created_at
    assert [node["editedAt"] for node in nodes] == sorted((node["editedAt"] for node in nodes), reverse=True)


def test_a_refused_edit_is_not_recorded_and_a_title_edit_is_not_a_body_edit(sb: Sandbox) -> None:
    number = sb.create_issue(OWNER, REPO, "Docs", "docs/tasks.md\n").number  # the owner's issue
    assert patch_body(sb, number, "docs/evil.md\n", "stranger-token").status_code == 403  # no triage, not author
    response = requests.patch(
        f"{sb.api_url}/repos/{OWNER}/{REPO}/issues/{number}",
        json={"title": "Better docs"},
        headers={"Authorization": "token maintainer-token"},
        timeout=30,
    )
    assert response.status_code == 200
    assert history(sb, number)["userContentEdits"]["nodes"] == []


def test_the_sandbox_schema_serves_the_actions_query_as_github_would(sb: Sandbox, tmp_path: Path) -> None:
    assert_valid_github_query(EDITS_QUERY)
    number = sb.create_issue(OWNER, REPO, "Docs", "a\n", author="stranger").number
    patch_body(sb, number, "b\n", "stranger-token")
    saved = sb.save(tmp_path / "saved")
    with Sandbox(root=saved.parent) as again:  # the history survives a save and load
        assert len(history(again, number)["userContentEdits"]["nodes"]) == 2
