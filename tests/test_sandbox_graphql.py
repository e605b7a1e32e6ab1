"""The sandbox's GraphQL endpoint over real HTTP: queries, pagination, closing links, limits, errors, mutations.

Every valid query sent here is also validated against GitHub's published schema, so what works here is what
GitHub would accept.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException

from symphony_bot.sandbox import Sandbox
from symphony_bot.sandbox.state import Issue
from tests.conformance.github_graphql import assert_valid_github_query

OWNER, REPO, MANY, SECRET = "maint", "proj", "many", "secret"
TOKENS = {
    "maint": "maint-token",
    "writer": "writer-token",
    "contrib": "contrib-token",
    "reader": "reader-token",
    "outsider": "outsider-token",
    "poor": "poor-token",
}
LABEL = "runmaestro.ai"
MANY_ISSUES = 120


@dataclass
class World:
    sb: Sandbox
    target: Issue  # the issue every kind of PR points at
    open_draft: Issue
    merged: Issue
    closed_unmerged: Issue
    fork_pull: Issue
    other_base: Issue
    mention_only: Issue
    plain_issue: Issue


def post(sb: Sandbox, query: str, variables: dict[str, Any] | None = None, *, user: str = "maint") -> Any:
    response = requests.post(
        sb.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"bearer {TOKENS[user]}"},
        timeout=10,
    )
    return response


def run(sb: Sandbox, query: str, variables: dict[str, Any] | None = None, *, user: str = "maint") -> dict[str, Any]:
    """POST a query GitHub would accept; return the JSON payload (HTTP 200 required, as on GitHub)."""
    assert_valid_github_query(query)
    response = post(sb, query, variables, user=user)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Sandbox() as sb:
        for login, token in TOKENS.items():
            sb.add_user(login, token=token)
        sb.create_repo(OWNER, REPO, files={"README.md": "hello\n"})
        sb.set_permission(OWNER, REPO, "writer", "write")
        sb.set_permission(OWNER, REPO, "reader", "read")
        sb.add_label(OWNER, REPO, LABEL, color="0e8a16")
        sb.add_label(OWNER, REPO, "Blocking", color="b60205")
        target = sb.create_issue(OWNER, REPO, "Run the docs", "Auto Run docs: `docs/a.md`", labels=[LABEL])
        plain_issue = sb.create_issue(OWNER, REPO, "Unrelated", "no links here", labels=["Blocking"])

        def pull(branch: str, body: str, **options: Any) -> Issue:
            sb.push_branch(OWNER, REPO, branch, {f"{branch}.txt": branch}, base="main")
            return sb.open_pull(OWNER, REPO, branch, title=f"PR from {branch}", body=body, **options)

        open_draft = pull("symphony/draft", f"Closes #{target.number}", draft=True, author="writer")
        merged = pull("merged", f"Fixes: #{target.number}", author="writer")
        closed_unmerged = pull("abandoned", f"RESOLVES #{target.number}", author="writer")
        sb.state.update_pull(sb.state.find_repo(OWNER, REPO), closed_unmerged, None, state="closed")  # type: ignore[arg-type]
        sb.fork(OWNER, REPO, "contrib")
        sb.push_branch("contrib", REPO, "from-fork", {"fork.txt": "fork"})
        fork_pull = sb.open_pull(
            OWNER,
            REPO,
            "from-fork",
            title="From a fork",
            body=f"closes {OWNER}/{REPO}#{target.number}",
            head_owner="contrib",
            draft=True,
        )
        sb.push_branch(OWNER, REPO, "develop", {"develop.txt": "d"})
        other_base = sb.open_pull(
            OWNER, REPO, "develop", title="Not default", body=f"Closes #{target.number}", base="main", author="writer"
        )
        # Re-target to a non-default base: GitHub drops the link.
        sb.push_branch(OWNER, REPO, "release", {"release.txt": "r"}, base="main")
        sb.state.update_pull(sb.state.find_repo(OWNER, REPO), other_base, None, base="release")  # type: ignore[arg-type]
        mention_only = pull("mention", f"Related to #{target.number}, see #{target.number}", author="writer")
        sb.merge_pull(OWNER, REPO, merged.number, actor="maint")

        sb.create_repo(OWNER, MANY, files={"README.md": "many\n"})
        sb.add_label(OWNER, MANY, LABEL)
        for index in range(MANY_ISSUES):
            sb.create_issue(OWNER, MANY, f"Issue {index}", labels=[LABEL] if index % 2 == 0 else [])
        sb.push_branch(OWNER, MANY, "labelled-pr", {"x.txt": "x"})
        labelled_pr = sb.open_pull(OWNER, MANY, "labelled-pr", title="A labelled PR")
        sb.label_issue(OWNER, MANY, labelled_pr.number, LABEL)

        sb.create_repo(OWNER, SECRET, private=True, files={"README.md": "s\n"})
        yield World(sb, target, open_draft, merged, closed_unmerged, fork_pull, other_base, mention_only, plain_issue)


# ---- reading ----------------------------------------------------------------------------------------------------

ISSUE_FIELDS = """
    id number title body url state stateReason createdAt updatedAt closedAt
    author { __typename login }
    labels(first: 10) { totalCount nodes { id name color } }
    comments(first: 1) { totalCount }
    repository { nameWithOwner }
"""


def test_repository_fields_and_aliases_for_several_repositories(world: World) -> None:
    query = """
      query Many {
        r0: repository(owner: "maint", name: "proj") {
          id name nameWithOwner url isArchived isPrivate isFork stargazerCount
          owner { __typename login } defaultBranchRef { name target { oid } }
        }
        r1: repository(owner: "maint", name: "many") { nameWithOwner issues(first: 1) { totalCount } }
        r2: repository(owner: "contrib", name: "proj") { nameWithOwner isFork }
      }"""
    payload = run(world.sb, query)
    assert "errors" not in payload
    data = payload["data"]
    assert data["r0"]["nameWithOwner"] == "maint/proj" and data["r0"]["owner"] == {
        "__typename": "User",
        "login": "maint",
    }
    assert data["r0"]["defaultBranchRef"]["name"] == "main"
    assert data["r0"]["defaultBranchRef"]["target"]["oid"] == world.sb.branches(OWNER, REPO)["main"]
    assert data["r0"]["isPrivate"] is False and data["r0"]["isArchived"] is False and data["r0"]["isFork"] is False
    assert data["r1"]["issues"]["totalCount"] == MANY_ISSUES
    assert data["r2"] == {"nameWithOwner": "contrib/proj", "isFork": True}
    assert world.sb.requests[-1].graphql_operation == "Many"


def test_issue_fields(world: World) -> None:
    query = 'query One($n: Int!) { repository(owner: "maint", name: "proj") { issue(number: $n) { %s } } }'
    query %= ISSUE_FIELDS
    issue = run(world.sb, query, {"n": world.plain_issue.number})["data"]["repository"]["issue"]
    assert issue["number"] == world.plain_issue.number and issue["title"] == "Unrelated"
    assert issue["state"] == "OPEN" and issue["stateReason"] is None and issue["closedAt"] is None
    assert issue["author"] == {"__typename": "User", "login": "maint"}
    assert issue["labels"]["totalCount"] == 1 and issue["labels"]["nodes"][0]["name"] == "Blocking"
    assert issue["labels"]["nodes"][0]["color"] == "b60205"
    assert issue["repository"] == {"nameWithOwner": "maint/proj"}
    assert issue["url"].endswith(f"/maint/proj/issues/{world.plain_issue.number}")
    assert issue["id"] == world.plain_issue.node_id


def test_issues_paginate_over_120_with_opaque_cursors_and_exclude_pull_requests(world: World) -> None:
    query = """
      query Page($after: String) {
        repository(owner: "maint", name: "many") {
          issues(first: 50, after: $after, states: [OPEN]) {
            totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
            edges { cursor node { number } }
          }
        }
      }"""
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        issues = run(world.sb, query, {"after": after})["data"]["repository"]["issues"]
        pages += 1
        assert issues["totalCount"] == MANY_ISSUES
        seen += [edge["node"]["number"] for edge in issues["edges"]]
        assert issues["pageInfo"]["hasPreviousPage"] is (after is not None)
        assert issues["pageInfo"]["endCursor"] == issues["edges"][-1]["cursor"]
        if not issues["pageInfo"]["hasNextPage"]:
            break
        after = issues["pageInfo"]["endCursor"]
        assert not after.isdigit() and base64.b64decode(after)  # opaque, base64
    assert pages == 3 and seen == list(range(1, MANY_ISSUES + 1))


def test_label_filter_is_any_of_and_pull_requests_are_not_issues(world: World) -> None:
    query = """
      { repository(owner: "maint", name: "many") {
          issues(labels: ["RUNMAESTRO.AI", "nonexistent"], first: 100) { totalCount nodes { number } }
          last: issues(labels: ["runmaestro.ai"], last: 2) { nodes { number } }
          newest: issues(first: 1, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { number } }
          pullRequests(first: 5, labels: ["runmaestro.ai"]) { totalCount nodes { number } }
      } }"""
    repository = run(world.sb, query)["data"]["repository"]
    assert repository["issues"]["totalCount"] == MANY_ISSUES // 2
    assert all(node["number"] % 2 == 1 for node in repository["issues"]["nodes"])  # issue i has number i + 1
    assert [node["number"] for node in repository["last"]["nodes"]] == [117, 119]
    assert repository["newest"]["nodes"] == [{"number": MANY_ISSUES}]
    assert repository["pullRequests"]["totalCount"] == 1
    assert repository["pullRequests"]["nodes"][0]["number"] == MANY_ISSUES + 1


CLOSED_BY = """
  query Links($number: Int!, $closed: Boolean!) {
    repository(owner: "maint", name: "proj") {
      issue(number: $number) {
        state
        closedByPullRequestsReferences(first: 20, includeClosedPrs: $closed) {
          totalCount
          nodes { number isDraft state merged isCrossRepository headRefName author { login }
                  headRepository { nameWithOwner owner { login } } }
        }
      }
    }
  }"""


def _linked(world: World, closed: bool) -> dict[int, dict[str, Any]]:
    issue = run(world.sb, CLOSED_BY, {"number": world.target.number, "closed": closed})["data"]["repository"]["issue"]
    connection = issue["closedByPullRequestsReferences"]
    assert connection["totalCount"] == len(connection["nodes"])
    return {node["number"]: node for node in connection["nodes"]}


def test_closed_by_pull_requests_default_hides_closed_unmerged_but_keeps_merged(world: World) -> None:
    linked = _linked(world, closed=False)
    assert set(linked) == {world.open_draft.number, world.merged.number, world.fork_pull.number}
    assert linked[world.open_draft.number]["isDraft"] is True and linked[world.open_draft.number]["state"] == "OPEN"
    assert linked[world.merged.number]["state"] == "MERGED" and linked[world.merged.number]["merged"] is True


def test_closed_by_pull_requests_with_closed_prs(world: World) -> None:
    linked = _linked(world, closed=True)
    expected = {world.open_draft.number, world.merged.number, world.closed_unmerged.number, world.fork_pull.number}
    assert set(linked) == expected
    assert linked[world.closed_unmerged.number]["state"] == "CLOSED"
    assert linked[world.closed_unmerged.number]["merged"] is False
    fork = linked[world.fork_pull.number]
    assert fork["isCrossRepository"] is True and fork["headRepository"]["owner"]["login"] == "contrib"
    assert fork["headRepository"]["nameWithOwner"] == "contrib/proj" and fork["author"]["login"] == "contrib"
    # The merge into the default branch closed the issue, as GitHub does.
    issue = run(world.sb, CLOSED_BY, {"number": world.target.number, "closed": True})["data"]["repository"]["issue"]
    assert issue["state"] == "CLOSED"


def test_non_default_base_and_mentions_without_keyword_do_not_link(world: World) -> None:
    linked = _linked(world, closed=True)
    assert world.other_base.number not in linked and world.mention_only.number not in linked
    query = """
      query Closing($number: Int!) {
        repository(owner: "maint", name: "proj") {
          pullRequest(number: $number) { baseRefName closingIssuesReferences(first: 5) { totalCount nodes { number } } }
        }
      }"""
    for pull, base, expected in [
        (world.other_base, "release", []),
        (world.mention_only, "main", []),
        (world.open_draft, "main", [world.target.number]),
    ]:
        found = run(world.sb, query, {"number": pull.number})["data"]["repository"]["pullRequest"]
        assert found["baseRefName"] == base
        assert [node["number"] for node in found["closingIssuesReferences"]["nodes"]] == expected


def test_pull_request_fields(world: World) -> None:
    query = """
      query Pull($number: Int!) {
        repository(owner: "maint", name: "proj") {
          pullRequest(number: $number) {
            id number title body url state isDraft merged mergedAt closed headRefName headRefOid baseRefName
            isCrossRepository createdAt updatedAt author { login } repository { nameWithOwner }
            headRepository { nameWithOwner owner { login } }
          }
        }
      }"""
    pull = run(world.sb, query, {"number": world.merged.number})["data"]["repository"]["pullRequest"]
    assert pull["state"] == "MERGED" and pull["merged"] is True and pull["closed"] is True and pull["mergedAt"]
    assert pull["headRefName"] == "merged" and pull["baseRefName"] == "main" and len(pull["headRefOid"]) == 40
    assert pull["url"].endswith(f"/maint/proj/pull/{world.merged.number}")
    assert pull["id"] == world.merged.node_id and pull["author"] == {"login": "writer"}


def test_node_viewer_and_bot_logins(world: World) -> None:
    world.sb.add_user("symphony-bot[bot]", token="bot-token", type="Bot")
    TOKENS["symphony-bot[bot]"] = "bot-token"
    query = """
      query Who($id: ID!) {
        viewer { login }
        node(id: $id) { __typename id ... on PullRequest { number isDraft } }
      }"""
    data = run(world.sb, query, {"id": world.open_draft.node_id}, user="symphony-bot[bot]")["data"]
    assert data["viewer"] == {"login": "symphony-bot[bot]"}  # viewer is a User in GitHub's schema
    assert data["node"] == {
        "__typename": "PullRequest",
        "id": world.open_draft.node_id,
        "number": world.open_draft.number,
        "isDraft": True,
    }
    query = "query Many($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    payload = run(world.sb, query, {"ids": [world.target.node_id, "I_kwDOmissing"]}, user="symphony-bot[bot]")
    assert payload["data"] == {"nodes": [{"id": world.target.node_id}, None]}
    assert [(error["type"], error["path"]) for error in payload["errors"]] == [("NOT_FOUND", ["nodes", 1])]
    comment = world.sb.comment(OWNER, REPO, world.plain_issue.number, "hi", author="symphony-bot[bot]")
    query = "query C($id: ID!) { node(id: $id) { ... on IssueComment { author { __typename login } body } } }"
    node = run(world.sb, query, {"id": comment.node_id})["data"]["node"]
    assert node == {"author": {"__typename": "Bot", "login": "symphony-bot"}, "body": "hi"}  # no [bot] in GraphQL


def test_renamed_repository_is_followed_unless_asked_not_to(world: World) -> None:
    world.sb.create_repo(OWNER, "old-name", files={"README.md": "r\n"})
    world.sb.rename_repo(OWNER, "old-name", "new-name")
    query = """
      { followed: repository(owner: "maint", name: "old-name") { nameWithOwner }
        strict: repository(owner: "maint", name: "old-name", followRenames: false) { nameWithOwner } }"""
    payload = run(world.sb, query)
    assert payload["data"] == {"followed": {"nameWithOwner": "maint/new-name"}, "strict": None}
    assert [error["path"] for error in payload["errors"]] == [["strict"]]


def test_archived_repository_reads_but_refuses_mutations(world: World) -> None:
    sb = world.sb
    sb.create_repo(OWNER, "attic", files={"README.md": "a\n"})
    issue = sb.create_issue(OWNER, "attic", "Old")
    sb.archive_repo(OWNER, "attic")
    data = run(sb, '{ repository(owner: "maint", name: "attic") { isArchived issues(first: 5) { totalCount } } }')
    assert data["data"]["repository"] == {"isArchived": True, "issues": {"totalCount": 1}}
    mutation = "mutation R($id: ID!) { addReaction(input: {subjectId: $id, content: EYES}) { reaction { content } } }"
    payload = run(sb, mutation, {"id": issue.node_id})
    assert payload["data"] == {"addReaction": None}
    assert payload["errors"][0]["type"] == "FORBIDDEN"
    assert payload["errors"][0]["message"] == "Repository was archived so is read-only."


# ---- errors -----------------------------------------------------------------------------------------------------


def test_missing_and_private_repositories_are_not_found_with_partial_data(world: World) -> None:
    query = """
      query Batch {
        r0: repository(owner: "maint", name: "proj") { nameWithOwner }
        r1: repository(owner: "maint", name: "does-not-exist") { nameWithOwner }
        r2: repository(owner: "maint", name: "secret") { nameWithOwner }
      }"""
    payload = run(world.sb, query, user="outsider")
    assert payload["data"] == {"r0": {"nameWithOwner": "maint/proj"}, "r1": None, "r2": None}
    assert payload["errors"] == [
        {
            "type": "NOT_FOUND",
            "path": ["r1"],
            "locations": [{"line": 4, "column": 9}],
            "message": "Could not resolve to a Repository with the name 'maint/does-not-exist'.",
        },
        {
            "type": "NOT_FOUND",
            "path": ["r2"],
            "locations": [{"line": 5, "column": 9}],
            "message": "Could not resolve to a Repository with the name 'maint/secret'.",
        },
    ]
    assert run(world.sb, query, user="maint")["data"]["r2"] == {"nameWithOwner": "maint/secret"}


def test_issue_number_of_a_pull_request_is_not_an_issue(world: World) -> None:
    query = f'{{ repository(owner: "maint", name: "proj") {{ issue(number: {world.merged.number}) {{ number }} }} }}'
    payload = run(world.sb, query)
    assert payload["data"] == {"repository": {"issue": None}}
    assert payload["errors"][0]["message"] == f"Could not resolve to an Issue with the number of {world.merged.number}."


@pytest.mark.parametrize(
    ("connection", "message"),
    [
        (
            "issues(first: 101)",
            "Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 records.",
        ),
        (
            "issues(last: 500)",
            "Requesting 500 records on the `issues` connection exceeds the `last` limit of 100 records.",
        ),
        (
            "issues(states: [OPEN])",
            "You must provide a `first` or `last` value to properly paginate the `issues` connection.",
        ),
    ],
)
def test_pagination_limits_are_refused_before_running(world: World, connection: str, message: str) -> None:
    query = f'{{ repository(owner: "maint", name: "proj") {{ {connection} {{ totalCount }} }} }}'
    assert_valid_github_query(query)  # GitHub's schema allows it; its limits do not
    payload = post(world.sb, query).json()
    assert "data" not in payload
    assert [error["message"] for error in payload["errors"]] == [message]
    assert payload["errors"][0]["path"] == ["repository", "issues"]


def test_node_limit(world: World) -> None:
    query = """
      { repository(owner: "maint", name: "proj") {
          issues(first: 100) { nodes { labels(first: 100) { nodes { name } }
                                       closedByPullRequestsReferences(first: 100) { nodes {
                                         closingIssuesReferences(first: 100) { totalCount } } } } }
      } }"""
    assert_valid_github_query(query)
    payload = post(world.sb, query).json()
    assert "data" not in payload and payload["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"
    assert "exceeds the maximum limit of 500,000" in payload["errors"][0]["message"]


def test_invalid_documents_get_errors_and_no_data(world: World) -> None:
    unknown = post(world.sb, '{ repository(owner: "maint", name: "proj") { willCloseTarget } }').json()
    assert "data" not in unknown
    assert unknown["errors"][0]["message"].startswith("Cannot query field 'willCloseTarget' on type 'Repository'.")
    broken = post(world.sb, "{ viewer { login ").json()
    assert "data" not in broken and broken["errors"][0]["message"] == "Syntax Error: Expected Name, found <EOF>."
    bad_argument = post(world.sb, '{ repository(owner: "maint", name: "proj") { issue(number: "x") { id } } }').json()
    assert "data" not in bad_argument and "Int cannot represent" in bad_argument["errors"][0]["message"]
    wrong_variable = post(
        world.sb,
        'query V($n: Int!) { repository(owner: "maint", name: "proj") { issue(number: $n) { id } } }',
        {"n": "seven"},
    ).json()
    assert "data" not in wrong_variable and "Variable '$n' has invalid value" in wrong_variable["errors"][0]["message"]
    assert world.sb.requests[-1].points == 0
    no_query = requests.post(
        world.sb.graphql_url, json={"variables": {}}, headers={"Authorization": "bearer maint-token"}, timeout=5
    )
    assert (
        no_query.status_code == 200 and "A query attribute must be specified" in no_query.json()["errors"][0]["message"]
    )
    not_json = requests.post(
        world.sb.graphql_url, data=b"{nope", headers={"Authorization": "bearer maint-token"}, timeout=5
    )
    assert not_json.status_code == 400 and not_json.json()["message"] == "Problems parsing JSON"
    cursor = post(
        world.sb, '{ repository(owner: "maint", name: "proj") { issues(first: 1, after: "bm9wZQ==") { totalCount } } }'
    ).json()
    assert cursor["errors"][0]["type"] == "INVALID_CURSOR_ARGUMENTS"


def test_bad_token_is_401(world: World) -> None:
    response = requests.post(
        world.sb.graphql_url,
        json={"query": "{ viewer { login } }"},
        headers={"Authorization": "bearer wrong"},
        timeout=5,
    )
    assert response.status_code == 401


# ---- cost and budget --------------------------------------------------------------------------------------------


def test_rate_limit_cost_follows_githubs_formula(world: World) -> None:
    # Three repositories x (issues(first:100) -> labels(first:60) + closedBy(first:20)):
    # requests per repo = 1 + 100 + 100 = 201; x3 = 603; / 100 = 6.03 -> 6 points (github-semantics.md §1.4).
    aliases = "\n".join(
        f'r{index}: repository(owner: "maint", name: "{name}") {{ issues(first: 100) {{ nodes {{ '
        "labels(first: 60) { nodes { name } } closedByPullRequestsReferences(first: 20) { totalCount } } } }"
        for index, name in enumerate([REPO, MANY, REPO])
    )
    query = f"query Cost {{ {aliases} rateLimit {{ cost limit remaining used resetAt nodeCount }} }}"
    before = world.sb.state.rate_limits.status("writer", "graphql")
    response = post(world.sb, query, user="writer")
    assert_valid_github_query(query)
    rate = response.json()["data"]["rateLimit"]
    assert rate["cost"] == 6
    assert rate["nodeCount"] == 3 * (100 + 100 * 60 + 100 * 20)
    assert rate["limit"] == 5000 and rate["used"] == before.used + 6 and rate["remaining"] == 5000 - rate["used"]
    assert response.headers["x-ratelimit-resource"] == "graphql"
    assert int(response.headers["x-ratelimit-remaining"]) == rate["remaining"]
    assert world.sb.requests[-1].points == 6
    cheap = run(world.sb, "{ viewer { login } rateLimit { cost } }", user="writer")["data"]["rateLimit"]
    assert cheap == {"cost": 1}  # the minimum


def test_dry_run_costs_nothing(world: World) -> None:
    before = world.sb.state.rate_limits.status("reader", "graphql").used
    payload = run(world.sb, "{ rateLimit(dryRun: true) { cost remaining } }", user="reader")
    assert payload["data"]["rateLimit"]["cost"] == 1
    assert world.sb.state.rate_limits.status("reader", "graphql").used == before


def test_a_query_costing_more_than_what_is_left_is_refused(world: World) -> None:
    world.sb.set_rate_limit("poor", 4, "graphql")
    query = """{ repository(owner: "maint", name: "many") { issues(first: 100) { nodes {
                 labels(first: 10) { totalCount } closedByPullRequestsReferences(first: 10) { totalCount } } } } }"""
    payload = run(world.sb, query, user="poor")  # 201 requests -> 2 points; fits in 4
    assert "errors" not in payload
    expensive = query.replace(
        'name: "many") {',
        'name: "many") { more: issues(first: 100) { nodes { labels(first: 100) { totalCount } } } ',
        1,
    )
    refused = run(world.sb, expensive, user="poor")  # 302 requests -> 3 points; only 2 left
    # GitHub's current shape (yanyongyu/githubkit#271): type RATE_LIMIT, code graphql_rate_limit.
    assert "data" not in refused and refused["errors"][0]["type"] == "RATE_LIMIT"
    assert refused["errors"][0]["code"] == "graphql_rate_limit"
    assert world.sb.state.rate_limits.status("poor", "graphql").used == 2


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ("RATE_LIMIT", {"type": "RATE_LIMIT", "code": "graphql_rate_limit", "message": "already exceeded"}),
        ("RATE_LIMITED", {"type": "RATE_LIMITED", "message": "API rate limit exceeded"}),
    ],
)
def test_a_spent_budget_answers_in_either_shape_github_is_known_to_send(world: World, shape, expected) -> None:
    """Both shapes are in reports: RATE_LIMIT + graphql_rate_limit (yanyongyu/githubkit#271, 2026) and RATE_LIMITED
    (github/docs#22607); HTTP 200 and no `data` in both."""
    world.sb.set_graphql_rate_limit_shape(shape)
    world.sb.set_rate_limit("poor", 0, "graphql")
    try:
        refused = run(world.sb, '{ repository(owner: "maint", name: "many") { name } }', user="poor")
    finally:  # the world is shared by the module
        world.sb.set_graphql_rate_limit_shape("RATE_LIMIT")
        world.sb.set_rate_limit("poor", 5000, "graphql")
    assert "data" not in refused
    (error,) = refused["errors"]
    assert {key: error[key] for key in expected if key != "message"} == {
        key: value for key, value in expected.items() if key != "message"
    }
    assert expected["message"] in error["message"] and set(error) == set(expected)


# ---- mutations --------------------------------------------------------------------------------------------------

READY = """
  mutation Ready($id: ID!) {
    markPullRequestReadyForReview(input: {pullRequestId: $id, clientMutationId: "symphony"}) {
      clientMutationId pullRequest { id isDraft }
    }
  }"""
DRAFT = """
  mutation Draft($id: ID!) {
    convertPullRequestToDraft(input: {pullRequestId: $id}) { clientMutationId pullRequest { id isDraft } }
  }"""


def test_mark_ready_and_back_to_draft(world: World) -> None:
    pull_id = world.open_draft.node_id
    ready = run(world.sb, READY, {"id": pull_id}, user="writer")
    assert ready == {
        "data": {
            "markPullRequestReadyForReview": {
                "clientMutationId": "symphony",
                "pullRequest": {"id": pull_id, "isDraft": False},
            }
        }
    }
    assert world.sb.issue(OWNER, REPO, world.open_draft.number).pull.draft is False  # type: ignore[union-attr]
    draft = run(world.sb, DRAFT, {"id": pull_id}, user="writer")
    assert draft["data"]["convertPullRequestToDraft"] == {
        "clientMutationId": None,
        "pullRequest": {"id": pull_id, "isDraft": True},
    }
    assert world.sb.requests[-1].points == 1
    events = [event.event for event in world.sb.issue(OWNER, REPO, world.open_draft.number).events]
    assert events[-2:] == ["ready_for_review", "convert_to_draft"]


def test_mutations_need_write_access_or_authorship(world: World) -> None:
    refused = run(world.sb, READY, {"id": world.open_draft.node_id}, user="reader")
    assert refused["data"] == {"markPullRequestReadyForReview": None}
    assert refused["errors"] == [
        {
            "type": "FORBIDDEN",
            "path": ["markPullRequestReadyForReview"],
            "locations": [{"line": 3, "column": 5}],
            "message": "reader does not have the correct permissions to execute `MarkPullRequestReadyForReview`",
        }
    ]
    assert world.sb.issue(OWNER, REPO, world.open_draft.number).pull.draft is True  # type: ignore[union-attr]
    # The fork PR's author has no write access to maint/proj but may mark their own PR ready.
    own = run(world.sb, READY, {"id": world.fork_pull.node_id}, user="contrib")
    assert own["data"]["markPullRequestReadyForReview"]["pullRequest"]["isDraft"] is False
    missing = run(world.sb, READY, {"id": "PR_kwDOnope"}, user="writer")
    assert missing["errors"][0]["type"] == "NOT_FOUND"


def test_add_reaction_to_issue_and_comment(world: World) -> None:
    comment = world.sb.comment(OWNER, REPO, world.plain_issue.number, "/symphony run", author="writer")
    mutation = """
      mutation React($id: ID!, $content: ReactionContent!) {
        addReaction(input: {subjectId: $id, content: $content}) {
          reaction { content user { login } } subject { __typename id }
        }
      }"""
    on_comment = run(world.sb, mutation, {"id": comment.node_id, "content": "EYES"}, user="maint")["data"][
        "addReaction"
    ]
    assert on_comment == {
        "reaction": {"content": "EYES", "user": {"login": "maint"}},
        "subject": {"__typename": "IssueComment", "id": comment.node_id},
    }
    assert [
        reaction.content for reaction in world.sb.comments(OWNER, REPO, world.plain_issue.number)[-1].reactions
    ] == ["eyes"]
    # Anyone who can read a public repository may react, as on GitHub.
    on_issue = run(world.sb, mutation, {"id": world.plain_issue.node_id, "content": "THUMBS_UP"}, user="outsider")
    assert on_issue["data"]["addReaction"]["reaction"] == {"content": "THUMBS_UP", "user": {"login": "outsider"}}
    # ...but a private repository's objects do not exist for them.
    secret_issue = world.sb.create_issue(OWNER, SECRET, "hidden")
    hidden = run(world.sb, mutation, {"id": secret_issue.node_id, "content": "EYES"}, user="outsider")
    assert hidden["data"] == {"addReaction": None} and hidden["errors"][0]["type"] == "NOT_FOUND"


def test_pygithub_mark_ready_for_review_works_unchanged(world: World) -> None:
    world.sb.push_branch(OWNER, REPO, "pygithub-ready", {"p.txt": "p"})
    github = Github(
        base_url=world.sb.api_url,
        auth=Auth.Token(TOKENS["writer"]),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    repo = github.get_repo(f"{OWNER}/{REPO}")
    # No closing keyword: the module's world is shared, and a PR closing #1 would change what later tests see.
    pull = repo.create_pull(base="main", head="pygithub-ready", title="Draft", body="A draft", draft=True)
    assert pull.draft is True
    result = pull.mark_ready_for_review()
    assert result["pullRequest"] == {"isDraft": False} and pull.draft is False
    assert repo.get_pull(pull.number).draft is False
    pull.convert_to_draft()
    assert repo.get_pull(pull.number).draft is True
    reader = Github(
        base_url=world.sb.api_url,
        auth=Auth.Token(TOKENS["reader"]),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    with pytest.raises(GithubException) as refused:
        reader.get_repo(f"{OWNER}/{REPO}").get_pull(pull.number).mark_ready_for_review()
    assert "does not have the correct permissions" in str(refused.value)
