"""A pull request's review threads over GraphQL: read them (with each comment's diff hunk, author and body),
reply once in a thread, resolve it. REST has no notion of a thread or of resolving one; GraphQL's
`PullRequest.reviewThreads`, `addPullRequestReviewThreadReply` and `resolveReviewThread` do
(https://docs.github.com/graphql/reference/objects#pullrequestreviewthread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient

THREADS_QUERY = """
query ReviewThreads($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id isResolved path line startLine diffSide
          comments(first: 100) { nodes { databaseId body diffHunk author { login } } }
        }
      }
    }
  }
}
"""
REPLY_MUTATION = """
mutation ThreadReply($thread: ID!, $body: String!) {
  addPullRequestReviewThreadReply(input: {pullRequestReviewThreadId: $thread, body: $body}) {
    comment { databaseId }
  }
}
"""
RESOLVE_MUTATION = """
mutation ResolveThread($thread: ID!) {
  resolveReviewThread(input: {threadId: $thread}) { thread { isResolved } }
}
"""
MAX_PAGES = 20  # 1,000 threads: far past any review a person writes
GHOST = "ghost"  # GitHub's author for a deleted account


@dataclass(frozen=True)
class ThreadComment:
    database_id: int
    author: str
    body: str


@dataclass(frozen=True)
class ReviewThread:
    """A review thread as GraphQL's `reviewThreads` gives it; the diff hunk is its first comment's."""

    node_id: str
    path: str
    line: int | None
    start_line: int | None
    diff_side: str
    is_resolved: bool
    diff_hunk: str
    comments: tuple[ThreadComment, ...]

    @property
    def author(self) -> str:
        return self.comments[0].author if self.comments else ""

    @property
    def lines(self) -> str:
        if self.line is None:
            return "(the whole file)"
        if self.start_line is not None and self.start_line != self.line:
            return f"lines {self.start_line}-{self.line}"
        return f"line {self.line}"


def _thread(node: dict[str, Any]) -> ReviewThread:
    raw_comments = ((node.get("comments") or {}).get("nodes")) or []
    comments = tuple(
        ThreadComment(
            database_id=int(item.get("databaseId") or 0),
            author=str((item.get("author") or {}).get("login") or GHOST),
            body=str(item.get("body") or ""),
        )
        for item in raw_comments
        if isinstance(item, dict)
    )
    first = next((item for item in raw_comments if isinstance(item, dict)), {})
    return ReviewThread(
        node_id=str(node["id"]),
        path=str(node.get("path") or ""),
        line=node.get("line") if isinstance(node.get("line"), int) else None,
        start_line=node.get("startLine") if isinstance(node.get("startLine"), int) else None,
        diff_side=str(node.get("diffSide") or "RIGHT"),
        is_resolved=bool(node.get("isResolved")),
        diff_hunk=str(first.get("diffHunk") or ""),
        comments=comments,
    )


def list_threads(client: GitHubClient, repo: str, number: int) -> list[ReviewThread]:
    owner, name = repo.split("/", 1)
    threads: list[ReviewThread] = []
    after: str | None = None
    for _page in range(MAX_PAGES):
        variables = {"owner": owner, "name": name, "number": number, "after": after}
        data = write_retry.graphql_data(client, THREADS_QUERY, variables)
        connection = ((data.get("repository") or {}).get("pullRequest") or {}).get("reviewThreads") or {}
        threads += [_thread(node) for node in connection.get("nodes") or [] if isinstance(node, dict)]
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            break
        after = page.get("endCursor")
    return threads


def reply(client: GitHubClient, thread_id: str, body: str) -> None:
    write_retry.graphql_data(client, REPLY_MUTATION, {"thread": thread_id, "body": body})


def resolve(client: GitHubClient, thread_id: str) -> None:
    write_retry.graphql_data(client, RESOLVE_MUTATION, {"thread": thread_id})
