"""The GitHub calls the action's event routing makes: who the bot is, what role a person has, 👀 on a command,
short replies, and the Actions API's run cancellation.

Permission comes from `GET /repos/{o}/{r}/collaborators/{login}/permission` — never from a payload's
`author_association`, which hides private org membership (github-semantics §5.4). Its `role_name` tells triage from
read and maintain from write; a custom role is judged by its classic `permission`. A login the API does not know
(404) has no access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from symphony_bot.github.client import GitHubClient, GitHubError

ROLE_NAMES = ("admin", "maintain", "write", "triage", "read", "none")
# What GITHUB_TOKEN is, seen from the API: an installation of the GitHub Actions app.
ACTIONS_BOT_LOGIN = "github-actions[bot]"
EYES = "eyes"


@dataclass(frozen=True)
class BotIdentity:
    login: str
    via_actions_token: bool  # True when GET /user is refused: an installation token (GITHUB_TOKEN or an App's)


def _request(client: GitHubClient, verb: str, url: str, **kwargs: Any) -> Any:
    from github import GithubException

    try:
        _, data = client.github.requester.requestJsonAndCheck(verb, url, **kwargs)
    except GithubException as error:
        message = error.data.get("message") if isinstance(error.data, dict) else None
        raise GitHubError(f"{verb} {url}: HTTP {error.status}: {message or 'no message'}", error.status) from None
    return data


def bot_identity(client: GitHubClient, app_login: str | None = None) -> BotIdentity:
    """The account the token acts as. An installation token cannot read /user (403): it is `app_login` when the
    caller knows the App (its slug + `[bot]`), else GITHUB_TOKEN's `github-actions[bot]`."""
    try:
        data = _request(client, "GET", "/user")
    except GitHubError as error:
        if error.status in (401, 403, 404):
            return BotIdentity(app_login or ACTIONS_BOT_LOGIN, True)
        raise
    return BotIdentity(str(data.get("login") or ""), False)


def role_of(client: GitHubClient, repo: str, login: str) -> str:
    """The person's role on `repo` (one of ROLE_NAMES)."""
    url = f"/repos/{repo}/collaborators/{quote(login, safe='')}/permission"
    try:
        data = _request(client, "GET", url)
    except GitHubError as error:
        if error.status == 404:
            return "none"
        raise
    role = str(data.get("role_name") or "").lower()
    if role in ROLE_NAMES:
        return role
    classic = str(data.get("permission") or "none").lower()
    return classic if classic in ROLE_NAMES else "none"


def react(client: GitHubClient, repo: str, comment_id: int, content: str = EYES) -> None:
    """Idempotent: GitHub answers 200 for a reaction already there."""
    _request(client, "POST", f"/repos/{repo}/issues/comments/{comment_id}/reactions", input={"content": content})


def reply(client: GitHubClient, repo: str, number: int, body: str) -> int:
    """Post a comment on issue or pull request `number`; its id."""
    data = _request(client, "POST", f"/repos/{repo}/issues/{number}/comments", input={"body": body})
    return int(data["id"])


def find_comment(client: GitHubClient, repo: str, number: int, marker: str, author: str) -> dict[str, Any] | None:
    """The first comment by `author` whose body holds `marker` (our hidden HTML comment), or None."""
    page = 1
    while True:
        data = _request(
            client, "GET", f"/repos/{repo}/issues/{number}/comments", parameters={"per_page": 100, "page": page}
        )
        if not isinstance(data, list) or not data:
            return None
        for comment in data:
            user = (comment.get("user") or {}).get("login") or ""
            if marker in str(comment.get("body") or "") and user.casefold() == author.casefold():
                return dict(comment)
        if len(data) < 100:
            return None
        page += 1


def upsert_comment(client: GitHubClient, repo: str, number: int, *, marker: str, author: str, body: str) -> int:
    """Edit our marked comment, or create it; its id. `body` must contain `marker`."""
    existing = find_comment(client, repo, number, marker, author)
    if existing is None:
        return reply(client, repo, number, body)
    if existing.get("body") != body:
        _request(client, "PATCH", f"/repos/{repo}/issues/comments/{existing['id']}", input={"body": body})
    return int(existing["id"])


def cancel_workflow_run(client: GitHubClient, repo: str, run_id: int) -> None:
    """`POST /actions/runs/{id}/cancel` (202). A run that already finished answers 409: nothing to stop."""
    try:
        _request(client, "POST", f"/repos/{repo}/actions/runs/{run_id}/cancel")
    except GitHubError as error:
        if error.status != 409:
            raise


def issue_labels(client: GitHubClient, repo: str, number: int) -> list[str]:
    data = _request(client, "GET", f"/repos/{repo}/issues/{number}")
    return [str(label.get("name")) for label in data.get("labels") or [] if isinstance(label, dict)]


def pull_body(client: GitHubClient, repo: str, number: int) -> str:
    data = _request(client, "GET", f"/repos/{repo}/pulls/{number}")
    return str(data.get("body") or "")


def open_pulls(client: GitHubClient, repo: str) -> list[dict[str, Any]]:
    """Open pull requests, most recently updated last (every page)."""
    pulls: list[dict[str, Any]] = []
    page = 1
    while True:
        data = _request(
            client, "GET", f"/repos/{repo}/pulls", parameters={"state": "open", "per_page": 100, "page": page}
        )
        if not isinstance(data, list):
            break
        pulls += [dict(item) for item in data if isinstance(item, dict)]
        if len(data) < 100:
            break
        page += 1
    return pulls
