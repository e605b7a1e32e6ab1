"""The GitHub calls the action's event routing makes beyond the runner's own: who the bot is (also with an
installation token), what role a person has, short replies, open pull requests, and the Actions API's run
cancellation. Every call goes through `write_retry` (reads and idempotent writes retried; a POST that creates
is never blindly repeated); the status comment itself is `github/comments.py`'s.

Permission comes from `GET /repos/{o}/{r}/collaborators/{login}/permission` — never from a payload's
`author_association`, which hides private org membership (github-semantics §5.4). Its `role_name` tells triage from
read and maintain from write; a custom role is judged by its classic `permission`. A login the API does not know
(404) has no access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from symphony_bot.github import comments, write_retry
from symphony_bot.github.client import GitHubClient, GitHubError
from symphony_bot.github.permissions import viewer

ROLE_NAMES = ("admin", "maintain", "write", "triage", "read", "none")
# What GITHUB_TOKEN is, seen from the API: an installation of the GitHub Actions app.
ACTIONS_BOT_LOGIN = "github-actions[bot]"


@dataclass(frozen=True)
class BotIdentity:
    login: str
    installation: bool  # an installation token (GITHUB_TOKEN or an App's): GET /user is refused


def bot_identity(client: GitHubClient, app_login: str | None = None) -> BotIdentity:
    """The account the token acts as (`permissions.viewer`, which asks GraphQL when an installation token may not
    read `GET /user`). Last resort: `app_login`, else GITHUB_TOKEN's `github-actions[bot]`."""
    try:
        found = viewer(client)
    except GitHubError as error:
        if error.status not in (None, 401, 403, 404):
            raise
        return BotIdentity(app_login or ACTIONS_BOT_LOGIN, True)
    return BotIdentity(found.login, found.installation)


def role_of(client: GitHubClient, repo: str, login: str) -> str:
    """The person's role on `repo` (one of ROLE_NAMES)."""
    url = f"/repos/{repo}/collaborators/{quote(login, safe='')}/permission"
    try:
        data = write_retry.request(client, "GET", url)
    except GitHubError as error:
        if error.status == 404:
            return "none"
        raise
    role = str(data.get("role_name") or "").lower()
    if role in ROLE_NAMES:
        return role
    classic = str(data.get("permission") or "none").lower()
    return classic if classic in ROLE_NAMES else "none"


def react(client: GitHubClient, repo: str, comment_id: int) -> None:
    """👀 on a command comment (idempotent on GitHub)."""
    comments.react(client, repo, comment_id)


def reply(client: GitHubClient, repo: str, number: int, body: str) -> int:
    """Post a comment on issue or pull request `number`; its id. Not retried: a reply lost to a failure is
    better than two."""
    data = write_retry.request(
        client, "POST", f"/repos/{repo}/issues/{number}/comments", body={"body": body}, retry=False
    )
    return int(data["id"])


def find_comment(client: GitHubClient, repo: str, number: int, marker: str, author: str) -> dict[str, Any] | None:
    """Our oldest comment carrying `marker` (a hidden HTML comment), as `{id, body, html_url}`, or None."""
    found = comments.find_marked(client, repo, number, marker, author)
    if not found:
        return None
    return {"id": found[0].id, "body": found[0].body, "html_url": found[0].url}


def upsert_comment(client: GitHubClient, repo: str, number: int, *, marker: str, author: str, body: str) -> int:
    """Edit our marked comment, or create it (never two); its id. `body` must contain `marker`."""
    comment = comments.find_or_create(client, repo, number, marker=marker, login=author, body=body)
    if comment.body != body:
        comments.edit(client, repo, comment.id, body)
    return comment.id


def edit_comment(client: GitHubClient, repo: str, comment_id: int, body: str) -> None:
    comments.edit(client, repo, comment_id, body)


def cancel_workflow_run(client: GitHubClient, repo: str, run_id: int) -> bool:
    """`POST /actions/runs/{id}/cancel` (202): True. A run that already finished answers 409: False."""
    try:
        write_retry.request(client, "POST", f"/repos/{repo}/actions/runs/{run_id}/cancel")
    except GitHubError as error:
        if error.status != 409:
            raise
        return False
    return True


def label_applier(client: GitHubClient, repo: str, number: int, label: str) -> tuple[str, str] | None:
    """(login, type) of whoever applied `label` to the issue last (its newest `labeled` event), or None."""
    found: tuple[str, str] | None = None
    page = 1
    while True:
        data = write_retry.request(
            client, "GET", f"/repos/{repo}/issues/{number}/events", parameters={"per_page": 100, "page": page}
        )
        items = [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []
        for event in items:
            name = (event.get("label") or {}).get("name")
            actor = event.get("actor") or {}
            if event.get("event") == "labeled" and str(name or "").casefold() == label.casefold():
                found = (str(actor.get("login") or "ghost"), str(actor.get("type") or "User"))
        if len(items) < 100:
            return found
        page += 1


def pull_body(client: GitHubClient, repo: str, number: int) -> str:
    data = write_retry.request(client, "GET", f"/repos/{repo}/pulls/{number}")
    return str(data.get("body") or "")


def open_pulls(client: GitHubClient, repo: str) -> list[dict[str, Any]]:
    """Every open pull request of `repo`."""
    pulls: list[dict[str, Any]] = []
    page = 1
    while True:
        data = write_retry.request(
            client, "GET", f"/repos/{repo}/pulls", parameters={"state": "open", "per_page": 100, "page": page}
        )
        if not isinstance(data, list):
            break
        pulls += [dict(item) for item in data if isinstance(item, dict)]
        if len(data) < 100:
            break
        page += 1
    return pulls
