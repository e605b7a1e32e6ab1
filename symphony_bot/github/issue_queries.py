"""The GraphQL documents that read Symphony issues, and the readers that turn their nodes into ScannedIssues.

Shared by the scan (many repositories, aliased) and `issue show` (one issue): both ask for the same issue
fields and the same linked pull requests (`closedByPullRequestsReferences(includeClosedPrs: true)`, GitHub's
own linkage: github-semantics §2, §9), and both follow an issue's linked pull requests past the first page
with `follow_linked_pages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from symphony_bot.github.client import GitHubError
from symphony_bot.github.repository_batches import RATE_LIMIT_FIELD, batch_query
from symphony_bot.issues.body import ParsedBody, parse_body
from symphony_bot.issues.status import (
    SYMPHONY_LABEL,
    Classification,
    IssueStatus,
    LinkedPullRequest,
    PullRequestState,
    classify,
)

if TYPE_CHECKING:
    from symphony_bot.github.client import GitHubClient, GraphQLResponse

BATCH_SIZE = 20  # repositories (or issues) per query: ~40 points and well under GitHub's node limit
ISSUES_PAGE = 100
LABELS_PAGE = 100
LINKED_PULL_REQUESTS_PAGE = 10  # the first page, inline; issues with more are followed up
LINKED_FOLLOW_UP_PAGE = 100
LINKED_CONNECTION = "closedByPullRequestsReferences"

LINKED_PULL_REQUEST_FIELDS = """
fragment LinkedPullRequestFields on PullRequest {
  number
  url
  state
  isDraft
  merged
  headRefName
  baseRefName
  author { login }
  repository { nameWithOwner }
  headRepository { nameWithOwner }
  isCrossRepository
  createdAt
}
"""

ISSUE_PAGE_FIELDS = (
    """
fragment IssuePageFields on IssueConnection {
  totalCount
  pageInfo { hasNextPage endCursor }
  nodes {
    id
    number
    title
    body
    url
    state
    stateReason
    createdAt
    updatedAt
    author { login }
    labels(first: LABELS_PAGE) { totalCount nodes { name color } }
    closedByPullRequestsReferences(first: LINKED_PAGE, includeClosedPrs: true) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...LinkedPullRequestFields }
    }
  }
}
""".replace("LABELS_PAGE", str(LABELS_PAGE)).replace("LINKED_PAGE", str(LINKED_PULL_REQUESTS_PAGE))
    + LINKED_PULL_REQUEST_FIELDS
)


def build_scan_query(count: int, extra_declarations: Sequence[str] = (), extra_fields: Sequence[str] = ()) -> str:
    """The query for `count` repositories: variables $o{i}, $n{i} (owner, name) and $c{i} (issues cursor), and
    any `extra_fields` (with their variables' `extra_declarations`) riding along."""
    return batch_query(
        "SymphonyScan",
        count,
        "    nameWithOwner url isArchived isPrivate defaultBranchRef { name }\n"
        f"    issues(first: {ISSUES_PAGE}, after: $c0, labels: $labels, states: $states,"
        " orderBy: {field: CREATED_AT, direction: ASC}) { ...IssuePageFields }\n",
        ISSUE_PAGE_FIELDS,
        declarations=["$labels: [String!]", "$states: [IssueState!]", *extra_declarations],
        extra_fields=extra_fields,
    )


def build_linked_query(count: int) -> str:
    """Follow-up pages of linked PRs for `count` issues: $o{i}, $n{i}, $m{i} (issue number), $c{i} (cursor)."""
    declarations = []
    fields = []
    for index in range(count):
        declarations += [f"$o{index}: String!", f"$n{index}: String!", f"$m{index}: Int!", f"$c{index}: String"]
        fields.append(
            f"  i{index}: repository(owner: $o{index}, name: $n{index}) {{ issue(number: $m{index}) {{\n"
            f"    closedByPullRequestsReferences(first: {LINKED_FOLLOW_UP_PAGE}, after: $c{index},"
            " includeClosedPrs: true) {\n"
            "      totalCount pageInfo { hasNextPage endCursor } nodes { ...LinkedPullRequestFields }\n"
            "    }\n  } }"
        )
    return (
        f"query SymphonyLinkedPullRequests({', '.join(declarations)}) {{\n"
        + RATE_LIMIT_FIELD
        + "\n".join(fields)
        + "\n}\n"
        + LINKED_PULL_REQUEST_FIELDS
    )


def issue_query() -> str:
    """One issue (for `issue show`): $owner, $name, $number."""
    return (
        "query SymphonyIssue($owner: String!, $name: String!, $number: Int!) {\n"
        + RATE_LIMIT_FIELD
        + "  repository(owner: $owner, name: $name) {\n"
        "    nameWithOwner url isArchived isPrivate defaultBranchRef { name }\n"
        "    issue(number: $number) {\n"
        "      number title body url state stateReason createdAt updatedAt author { login }\n"
        f"      labels(first: {LABELS_PAGE}) {{ totalCount nodes {{ name color }} }}\n"
        f"      closedByPullRequestsReferences(first: {LINKED_FOLLOW_UP_PAGE}, includeClosedPrs: true) {{\n"
        "        totalCount pageInfo { hasNextPage endCursor } nodes { ...LinkedPullRequestFields }\n"
        "      }\n"
        "    }\n"
        "  }\n"
        "}\n" + LINKED_PULL_REQUEST_FIELDS
    )


# --- following linked pull requests past the first page ---------------------------------------------------------


@dataclass(frozen=True)
class LinkedFollowUp:
    """An issue node (as the query returned it) whose linked pull requests may have more pages."""

    owner: str
    name: str
    node: dict[str, Any]


def next_cursor(connection: Any) -> str | None:
    """The cursor of a connection's next page, or None when it is complete."""
    page_info = (connection or {}).get("pageInfo") or {}
    cursor = page_info.get("endCursor")
    return str(cursor) if page_info.get("hasNextPage") and cursor else None


def follow_linked_pages(client: GitHubClient, issues: Sequence[LinkedFollowUp]) -> dict[int, str]:
    """Complete each issue node's linked pull requests in place, BATCH_SIZE issues per request.

    Returns, by position in `issues`, why an issue's pull requests could not all be read (the rest are
    complete). A request GitHub refuses as a whole fails its batch only."""
    failures: dict[int, str] = {}
    waiting = [
        (position, cursor)
        for position, issue in enumerate(issues)
        if (cursor := next_cursor(issue.node.get(LINKED_CONNECTION))) is not None
    ]
    while waiting:
        next_round: list[tuple[int, str]] = []
        for start in range(0, len(waiting), BATCH_SIZE):
            batch = waiting[start : start + BATCH_SIZE]
            variables: dict[str, Any] = {}
            for index, (position, cursor) in enumerate(batch):
                issue = issues[position]
                variables.update({f"o{index}": issue.owner, f"n{index}": issue.name, f"c{index}": cursor})
                variables[f"m{index}"] = issue.node["number"]
            try:
                response = client.graphql(build_linked_query(len(batch)), variables)
            except GitHubError as error:
                failures.update({position: f"reading linked pull requests failed: {error}" for position, _ in batch})
                continue
            for index, (position, _) in enumerate(batch):
                node = issues[position].node
                page = ((response.data.get(f"i{index}") or {}).get("issue") or {}).get(LINKED_CONNECTION)
                if not isinstance(page, dict):
                    failures[position] = f"linked pull requests of #{node['number']}: " + _messages(response, index)
                    continue
                linked = node.setdefault(LINKED_CONNECTION, {})
                linked["nodes"] = list(linked.get("nodes") or []) + list(page.get("nodes") or [])
                linked["pageInfo"] = page.get("pageInfo") or {}
                cursor = next_cursor(page)
                if cursor is not None:
                    next_round.append((position, cursor))
        waiting = next_round
    return failures


def error_messages(errors: list[dict[str, Any]]) -> str:
    """GitHub's error messages, joined; the text of a field that came back without data or errors."""
    return "; ".join(str(error.get("message", "unknown error")) for error in errors) or "no data returned"


def _messages(response: GraphQLResponse, index: int) -> str:
    return error_messages(response.errors_for(f"i{index}"))


# --- reading the nodes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScannedIssue:
    repo: str
    number: int
    title: str
    url: str
    author: str | None
    state: str  # OPEN / CLOSED
    state_reason: str | None
    created_at: str
    updated_at: str
    labels: tuple[tuple[str, str], ...]  # (name, color), the Symphony label left out as Maestro does
    parsed: ParsedBody
    linked_pull_requests: tuple[LinkedPullRequest, ...]
    classification: Classification

    @property
    def status(self) -> IssueStatus:
        return self.classification.status

    def to_json(self) -> dict[str, Any]:
        claim = self.classification.claim
        return {
            "repo": self.repo,
            "number": self.number,
            "title": self.title,
            "url": self.url,
            "author": self.author,
            "state": self.state,
            "stateReason": self.state_reason,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "status": str(self.status),
            "labels": [{"name": name, "color": color} for name, color in self.labels],
            "documents": [document.to_json() for document in self.parsed.documents],
            "problems": [problem.to_json() for problem in self.parsed.problems],
            "invalidReasons": [reason.to_json() for reason in self.classification.reasons],
            "claim": claim.to_json() if claim is not None else None,
            "linkedPullRequests": [pull.to_json() for pull in self.linked_pull_requests],
        }


def issue_from_node(repo: str, node: dict[str, Any]) -> ScannedIssue:
    """A ScannedIssue from the GraphQL Issue object (fields of IssuePageFields)."""
    label_nodes = [label for label in (node.get("labels") or {}).get("nodes") or [] if isinstance(label, dict)]
    label_names = [str(label.get("name", "")) for label in label_nodes]
    linked = tuple(
        linked_pull_request_from_node(pull)
        for pull in (node.get(LINKED_CONNECTION) or {}).get("nodes") or []
        if isinstance(pull, dict)
    )
    parsed = parse_body(node.get("body") or "")
    state = str(node.get("state") or "OPEN")
    classification = classify(closed=state == "CLOSED", labels=label_names, linked_pull_requests=linked, parsed=parsed)
    return ScannedIssue(
        repo=repo,
        number=int(node["number"]),
        title=str(node.get("title") or ""),
        url=str(node.get("url") or ""),
        author=((node.get("author") or {}).get("login")),
        state=state,
        state_reason=node.get("stateReason"),
        created_at=str(node.get("createdAt") or ""),
        updated_at=str(node.get("updatedAt") or ""),
        labels=tuple(
            (str(label.get("name", "")), str(label.get("color", "")))
            for label in label_nodes
            if str(label.get("name", "")).casefold() != SYMPHONY_LABEL
        ),
        parsed=parsed,
        linked_pull_requests=linked,
        classification=classification,
    )


def labels_truncated(node: dict[str, Any]) -> bool:
    """More labels on the issue than the query read."""
    labels = node.get("labels") or {}
    return int(labels.get("totalCount") or 0) > len(labels.get("nodes") or [])


def linked_pull_request_from_node(node: dict[str, Any]) -> LinkedPullRequest:
    state_text = str(node.get("state") or "OPEN")
    if node.get("merged"):
        state_text = PullRequestState.MERGED
    try:
        state = PullRequestState(state_text)
    except ValueError:
        state = PullRequestState.CLOSED
    return LinkedPullRequest(
        number=int(node["number"]),
        url=str(node.get("url") or ""),
        state=state,
        is_draft=bool(node.get("isDraft")),
        author=(node.get("author") or {}).get("login"),
        head_branch=str(node.get("headRefName") or ""),
        repository=str((node.get("repository") or {}).get("nameWithOwner") or ""),
        head_repository=(node.get("headRepository") or {}).get("nameWithOwner"),
    )
