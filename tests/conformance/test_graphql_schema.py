"""The sandbox's GraphQL schema is a faithful subset of GitHub's (npm @octokit/graphql-schema, pinned)."""

from __future__ import annotations

import pytest
from graphql import build_schema, print_schema

from symphony_bot.github.pulls import MARK_READY, UPDATE_AND_MARK_READY
from symphony_bot.github.review_threads import REPLY_MUTATION, RESOLVE_MUTATION, THREADS_QUERY
from symphony_bot.sandbox.graphql_api import sandbox_schema
from tests.conformance.github_graphql import (
    assert_valid_github_query,
    github_query_errors,
    github_schema,
    schema_differences,
)

# What the bot reads, written the way the bot writes it; each must be valid on GitHub and on the sandbox.
BOT_SHAPED_QUERIES = {
    "scan": """
        query Scan($owner: String!, $name: String!, $after: String) {
          r0: repository(owner: $owner, name: $name) {
            nameWithOwner isArchived isPrivate isFork stargazerCount url
            defaultBranchRef { name target { oid } }
            issues(labels: ["runmaestro.ai"], states: [OPEN, CLOSED], first: 100, after: $after,
                   orderBy: {field: CREATED_AT, direction: ASC}) {
              totalCount
              pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
              nodes {
                id number title body url state stateReason createdAt updatedAt closedAt
                author { __typename login }
                labels(first: 20) { totalCount nodes { id name color } }
                comments(first: 1) { totalCount }
                closedByPullRequestsReferences(first: 10, includeClosedPrs: true) {
                  totalCount
                  nodes { number isDraft state merged url author { login } headRefName }
                }
              }
            }
          }
          rateLimit { cost limit remaining used resetAt nodeCount }
        }""",
    "pull": """
        query Pull($owner: String!, $name: String!, $number: Int!) {
          repository(owner: $owner, name: $name, followRenames: true) {
            pullRequest(number: $number) {
              id number title body url state isDraft merged mergedAt closed headRefName headRefOid baseRefName
              isCrossRepository createdAt updatedAt
              author { login }
              repository { nameWithOwner }
              headRepository { nameWithOwner owner { login } }
              closingIssuesReferences(first: 10) { nodes { number repository { nameWithOwner } } }
            }
          }
        }""",
    "ready": """
        mutation Ready($id: ID!) {
          markPullRequestReadyForReview(input: {pullRequestId: $id, clientMutationId: "symphony"}) {
            clientMutationId pullRequest { id isDraft }
          }
        }""",
    "react": """
        mutation React($id: ID!) {
          addReaction(input: {subjectId: $id, content: EYES}) { reaction { content } subject { id } }
        }""",
    "mark-ready": MARK_READY,
    "update-and-mark-ready": UPDATE_AND_MARK_READY,
    "review-threads": THREADS_QUERY,
    "thread-reply": REPLY_MUTATION,
    "thread-resolve": RESOLVE_MUTATION,
}


def test_every_type_field_argument_and_enum_value_exists_on_github_with_the_same_type() -> None:
    assert schema_differences(sandbox_schema(), github_schema()) == []


def test_the_subset_covers_what_the_bot_needs() -> None:
    schema = sandbox_schema()
    repository = schema.type_map["Repository"].fields  # type: ignore[union-attr]
    assert {"issues", "issue", "pullRequest", "pullRequests", "labels", "defaultBranchRef"} <= set(repository)
    closed_by = schema.type_map["Issue"].fields["closedByPullRequestsReferences"]  # type: ignore[union-attr]
    assert {"first", "after", "includeClosedPrs", "orderByState", "userLinkedOnly"} <= set(closed_by.args)
    mutations = set(schema.mutation_type.fields)  # type: ignore[union-attr]
    assert mutations == {
        "markPullRequestReadyForReview",
        "convertPullRequestToDraft",
        "addReaction",
        "createPullRequest",
        "updatePullRequest",
        "closePullRequest",
        "reopenPullRequest",
        "addComment",
        "updateIssueComment",
        "minimizeComment",
        "deleteRef",
        "addPullRequestReviewThreadReply",
        "resolveReviewThread",
    }
    assert {"viewerPermission", "ref"} <= set(repository)
    assert {"isMinimized", "minimizedReason"} <= set(schema.type_map["IssueComment"].fields)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            (
                "  number: Int!\n  repository: Repository!\n  state: IssueState!",
                "  number: Int\n  repository: Repository!\n  state: IssueState!",
            ),
            "field Issue.number: type Int here, Int! on GitHub",
        ),
        (
            ("includeClosedPrs: Boolean = false", "includeClosedPrs: Boolean = true"),
            "default true here, false on GitHub",
        ),
        (("  THUMBS_UP\n", "  THUMBS_UP\n  PARTY\n"), "enum ReactionContent: value PARTY not on GitHub"),
        (
            ("  isDraft: Boolean!\n", "  isDraft: Boolean!\n  willCloseTarget: Boolean!\n"),
            "field PullRequest.willCloseTarget: not on GitHub",
        ),
        (
            (
                "input AddReactionInput {\n  clientMutationId: String\n  content: ReactionContent!\n",
                "input AddReactionInput {\n  clientMutationId: String\n",
            ),
            "input AddReactionInput.content: required on GitHub, missing here",
        ),
        (
            ("type Label implements Node {", "type Label implements Node & Reactable {"),
            "type Label: implements Reactable here, not on GitHub",
        ),
    ],
)
def test_the_check_catches_an_unfaithful_schema(broken: tuple[str, str], expected: str) -> None:
    sdl = print_schema(sandbox_schema())
    old, new = broken
    assert old in sdl, old
    differences = schema_differences(build_schema(sdl.replace(old, new, 1)), github_schema())
    assert any(expected in line for line in differences), differences


@pytest.mark.parametrize("name", sorted(BOT_SHAPED_QUERIES))
def test_bot_shaped_queries_are_valid_on_github_and_on_the_sandbox(name: str) -> None:
    from graphql import parse, validate

    query = BOT_SHAPED_QUERIES[name]
    assert_valid_github_query(query)
    assert validate(sandbox_schema(), parse(query)) == []


def test_the_validation_helper_reports_github_s_own_messages() -> None:
    bad = '{ repository(owner: "o", name: "r") { issue(number: 1) { willCloseTarget } } }'
    assert github_query_errors(bad) == ["Cannot query field 'willCloseTarget' on type 'Issue'."]
    with pytest.raises(AssertionError, match="willCloseTarget"):
        assert_valid_github_query(bad)
    assert github_query_errors("{ viewer { login ") == ["Syntax Error: Expected Name, found <EOF>."]
