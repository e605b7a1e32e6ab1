"""GitHub's static GraphQL limits (graphql_cost.py), computed on GitHub's own schema for GitHub's own examples."""

from __future__ import annotations

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from symphony_bot.sandbox.graphql_cost import MAX_NODE_LIMIT_EXCEEDED, QueryCost, analyse
from tests.conformance.github_graphql import assert_valid_github_query, github_schema


def cost_of(query: str, variables: dict[str, object] | None = None) -> QueryCost:
    assert_valid_github_query(query)
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return analyse(github_schema(), operation, fragments, variables or {})


def test_githubs_documented_example_100_repos_50_issues_60_labels() -> None:
    # github-semantics.md §1.4: 1 + 100 + 5,000 = 5,101 requests -> 51 points.
    cost = cost_of(
        "{ viewer { repositories(first: 100) { nodes { issues(first: 50) { nodes {"
        " labels(first: 60) { nodes { name } } } } } } } }"
    )
    assert (cost.requests, cost.points, cost.node_count, cost.problems) == (5_101, 51, 100 + 5_000 + 300_000, [])


def test_measured_scan_shape_costs_two_points_per_repository() -> None:
    # Measured on GitHub (github-semantics.md §1.4): issues(first:100) with two nested 20/50 connections -> 2 points.
    query = """
      query Scan($first: Int = 100) {
        r0: repository(owner: "a", name: "b") { ...Page }
        r1: repository(owner: "a", name: "c") { ...Page }
        r2: repository(owner: "a", name: "d") { ...Page }
      }
      fragment Page on Repository {
        issues(first: $first) { nodes {
          labels(first: 50) { nodes { name } }
          closedByPullRequestsReferences(first: 20) { nodes { number } } } }
      }"""
    cost = cost_of(query)
    assert cost.requests == 3 * 201 and cost.points == 6 and cost.node_count == 3 * 7_100
    assert cost_of(query, {"first": 10}).points == 1  # 3 * 21 = 63 requests -> 0.63 -> 1


def test_the_same_connection_selected_twice_counts_once_and_scalars_cost_nothing() -> None:
    query = """
      query { repository(owner: "a", name: "b") { ...F ... on Repository { issues(first: 10) { totalCount } } } }
      fragment F on Repository { issues(first: 10) { nodes { number } } }"""
    cost = cost_of(query)
    assert (cost.requests, cost.node_count, cost.points) == (1, 10, 1)
    assert cost_of("{ viewer { login } rateLimit { cost } }").points == 1


def test_mutations_cost_one_point_and_five_secondary_points() -> None:
    cost = cost_of('mutation { addReaction(input: {subjectId: "x", content: EYES}) { reaction { content } } }')
    assert (cost.is_mutation, cost.points, cost.secondary_points) == (True, 1, 5)


def test_limits_are_reported_where_they_happen() -> None:
    cost = cost_of(
        '{ repository(owner: "a", name: "b") { issues(first: 100) { nodes { labels(first: 100) { totalCount } } } }'
        ' other: repository(owner: "a", name: "c") { issues(first: 100) { nodes {'
        " closedByPullRequestsReferences(first: 100) { nodes { labels(first: 50) { totalCount } } } } } } }"
    )
    assert [problem.kind for problem in cost.problems] == [MAX_NODE_LIMIT_EXCEEDED]
    problem = cost.problems[0]
    assert problem.path == ("other", "issues", "nodes", "closedByPullRequestsReferences", "nodes", "labels")
    assert problem.line == 1
    assert "requesting up to 520,200 possible nodes" in problem.message
    both = cost_of('{ repository(owner: "a", name: "b") { issues(first: 1, last: 1) { totalCount } } }')
    assert (
        both.problems[0].message
        == "Passing both `first` and `last` to paginate the `issues` connection is not supported."
    )
    negative = cost_of('{ repository(owner: "a", name: "b") { issues(first: -1) { totalCount } } }')
    assert negative.problems[0].message == "`first` on the `issues` connection cannot be less than zero."
