"""The status comment: found by its hidden marker plus our own login, created once, edited in place."""

from __future__ import annotations

from dataclasses import dataclass

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient, GitHubError

REACTION_EYES = "eyes"
# GitHub's 403 when a GitHub App (GITHUB_TOKEN included) comments on a locked conversation (probot/stale#25,
# renovatebot/renovate#6215); people with write access may still comment there, Apps may not.
ISSUE_LOCKED = "issue is locked"
REFUSED_LOCKED = "locked"
REFUSED_NO_PERMISSION = "no_permission"


class CommentRefused(GitHubError):
    """GitHub will not take our comment on this issue: `reason` is REFUSED_LOCKED (a locked conversation) or
    REFUSED_NO_PERMISSION (the token lacks Issues: write, "Resource not accessible by …")."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, 403)
        self.reason = reason


@dataclass(frozen=True)
class Comment:
    id: int
    url: str
    body: str
    author: str


def _comment(data: dict[str, object]) -> Comment:
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    assert isinstance(user, dict)
    return Comment(
        id=int(str(data["id"])),
        url=str(data.get("html_url") or ""),
        body=str(data.get("body") or ""),
        author=str(user.get("login") or ""),
    )


def list_comments(client: GitHubClient, repo: str, issue: int) -> list[Comment]:
    comments: list[Comment] = []
    page = 1
    while True:
        data = write_retry.request(
            client, "GET", f"/repos/{repo}/issues/{issue}/comments", parameters={"per_page": 100, "page": page}
        )
        if not isinstance(data, list):
            break
        comments += [_comment(item) for item in data if isinstance(item, dict)]
        if len(data) < 100:
            break
        page += 1
    return comments


def find_marked(client: GitHubClient, repo: str, issue: int, marker: str, login: str) -> list[Comment]:
    """Our comments carrying `marker`, oldest first (only our own: anyone can paste a marker)."""
    mine = [c for c in list_comments(client, repo, issue) if marker in c.body and c.author.lower() == login.lower()]
    return sorted(mine, key=lambda comment: comment.id)


def find_or_create(client: GitHubClient, repo: str, issue: int, *, marker: str, login: str, body: str) -> Comment:
    """The one status comment: the oldest of ours with the marker, else a new one. A POST that failed midway
    is looked up before it is sent again, so a retry never leaves two."""
    found = find_marked(client, repo, issue, marker, login)
    if found:
        return found[0]

    def make() -> Comment:
        try:
            data = write_retry.request(
                client, "POST", f"/repos/{repo}/issues/{issue}/comments", body={"body": body}, retry=False
            )
        except GitHubError as error:
            if error.status != 403 or isinstance(error, write_retry.TransientError):
                raise  # a secondary limit is a 403 too: create() waits and looks it up
            message = str(write_retry.error_data(error).get("message") or error)
            locked = ISSUE_LOCKED in message.lower()
            raise CommentRefused(str(error), REFUSED_LOCKED if locked else REFUSED_NO_PERMISSION) from None
        return _comment(data)

    def lookup() -> Comment | None:
        again = find_marked(client, repo, issue, marker, login)
        return again[0] if again else None

    created = write_retry.create(client, make, lookup)
    # Two runs racing may both have created one: the oldest wins, the newer copy (ours) is removed.
    again = find_marked(client, repo, issue, marker, login)
    if again and again[0].id != created.id:
        delete(client, repo, created.id)
        return again[0]
    return created


def edit(client: GitHubClient, repo: str, comment_id: int, body: str) -> None:
    write_retry.request(client, "PATCH", f"/repos/{repo}/issues/comments/{comment_id}", body={"body": body})


def delete(client: GitHubClient, repo: str, comment_id: int) -> None:
    try:
        write_retry.request(client, "DELETE", f"/repos/{repo}/issues/comments/{comment_id}")
    except GitHubError as error:
        if error.status != 404:
            raise


def react(client: GitHubClient, repo: str, comment_id: int, content: str = REACTION_EYES) -> None:
    """Idempotent on GitHub (200 when the reaction is already there), so retried like an edit."""
    write_retry.request(
        client, "POST", f"/repos/{repo}/issues/comments/{comment_id}/reactions", body={"content": content}
    )
