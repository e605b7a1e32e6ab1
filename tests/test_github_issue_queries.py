"""The issue queries and their readers: valid against GitHub's schema, linked pull requests followed past the
first page (and failures reported per issue), nodes read as GitHub sends them."""

from __future__ import annotations

from typing import Any

from symphony_bot.github.client import GitHubClient
from symphony_bot.github.issue_queries import (
    BATCH_SIZE,
    LINKED_PULL_REQUESTS_PAGE,
    LinkedFollowUp,
    build_linked_query,
    build_scan_query,
    follow_linked_pages,
    issue_from_node,
    issue_query,
    labels_truncated,
    linked_pull_request_from_node,
    next_cursor,
)
from symphony_bot.issues.status import IssueStatus, PullRequestState
from symphony_bot.sandbox import Sandbox
from tests.conformance.github_graphql import assert_valid_github_query

LABEL = "runmaestro.ai"


def test_queries_are_valid_against_githubs_schema() -> None:
    for query in (build_scan_query(1), build_scan_query(BATCH_SIZE), build_linked_query(3), issue_query()):
        assert_valid_github_query(query)


def first_page(client: GitHubClient, owner: str, name: str) -> list[dict[str, Any]]:
    variables = {"labels": [LABEL], "states": ["OPEN"], "o0": owner, "n0": name, "c0": None}
    nodes = client.graphql(build_scan_query(1), variables).data["r0"]["issues"]["nodes"]
    assert isinstance(nodes, list)
    return nodes


def test_linked_pull_requests_are_followed_and_failures_reported_per_issue() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "busy", files={"README.md": "busy\n"})
        popular = sb.create_issue("owner", "busy", "popular", "- docs/a.md", labels=[LABEL]).number
        sb.create_issue("owner", "busy", "quiet", "- docs/a.md", labels=[LABEL])
        count = LINKED_PULL_REQUESTS_PAGE + 3
        for index in range(count):
            sb.push_branch("owner", "busy", f"b{index}", {f"f{index}.txt": "x"})
            sb.open_pull("owner", "busy", f"b{index}", title=f"try {index}", body=f"Closes #{popular}")
        client = GitHubClient(sb.api_url, sb.graphql_url, "t-owner")
        with client:
            nodes = first_page(client, "owner", "busy")
            assert [next_cursor(node["closedByPullRequestsReferences"]) is not None for node in nodes] == [True, False]
            assert follow_linked_pages(client, [LinkedFollowUp("owner", "busy", node) for node in nodes]) == {}
            linked = nodes[0]["closedByPullRequestsReferences"]
            assert len(linked["nodes"]) == count and next_cursor(linked) is None
            assert issue_from_node("owner/busy", nodes[0]).status is IssueStatus.IN_PROGRESS

            sb.faults.inject("SymphonyLinkedPullRequests", status=400)
            nodes = first_page(client, "owner", "busy")
            failures = follow_linked_pages(client, [LinkedFollowUp("owner", "busy", node) for node in nodes])
            assert list(failures) == [0]  # the quiet issue needed no follow-up
            assert failures[0].startswith("reading linked pull requests failed: ") and "HTTP 400" in failures[0]


def test_nodes_are_read_as_github_sends_them() -> None:
    node = {
        "number": 7,
        "title": "Docs",
        "body": "- docs/a.md",
        "state": "OPEN",
        "author": None,  # a deleted account
        "labels": {"totalCount": 3, "nodes": [{"name": "RunMaestro.ai", "color": "0e8a16"}, {"name": "docs"}]},
        "closedByPullRequestsReferences": {"nodes": [{"number": 9, "state": "CLOSED", "merged": True}, "junk"]},
    }
    issue = issue_from_node("owner/name", node)
    assert (issue.author, issue.labels) == (None, (("docs", ""),))  # the Symphony label is left out, any case
    assert issue.status is IssueStatus.COMPLETED  # the closing PR is merged
    assert labels_truncated(node)
    assert linked_pull_request_from_node({"number": 1, "state": "SOMETHING_NEW"}).state is PullRequestState.CLOSED
