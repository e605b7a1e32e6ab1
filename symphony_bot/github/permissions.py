"""Who we are and what we may do: the token's login, the repository's default branch and push access."""

from __future__ import annotations

from dataclasses import dataclass

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient, GitHubError

BOT_SUFFIX = "[bot]"
VIEWER_QUERY = "query SymphonyViewer { viewer { login } }"


@dataclass(frozen=True)
class Viewer:
    login: str  # as REST and PR authors spell it: an App's bot ends in [bot]
    id: int | None
    installation: bool = False  # an App installation token, e.g. Actions' GITHUB_TOKEN


@dataclass(frozen=True)
class RepositoryAccess:
    full_name: str
    default_branch: str
    clone_url: str
    html_url: str
    can_push: bool
    archived: bool
    allows_forking: bool


def viewer(client: GitHubClient) -> Viewer:
    """Who the token acts as. GitHub refuses `GET /user` to installation tokens (403, GITHUB_TOKEN included);
    GraphQL's `viewer` still names their bot, without the `[bot]` that REST and PR authors carry."""
    try:
        data = write_retry.request(client, "GET", "/user")
    except GitHubError as error:
        if error.status != 403:
            raise
        found = write_retry.graphql_data(client, VIEWER_QUERY, {}).get("viewer") or {}
        login = str(found.get("login") or "")
        if not login:
            raise GitHubError("GitHub did not say who the token belongs to (GraphQL viewer); check the token") from None
        return Viewer(login if login.endswith(BOT_SUFFIX) else login + BOT_SUFFIX, None, installation=True)
    if not isinstance(data, dict) or not data.get("login"):
        raise GitHubError("GitHub did not say who the token belongs to (GET /user); check the token")
    return Viewer(login=str(data["login"]), id=int(data["id"]) if data.get("id") else None)


def repository_access(client: GitHubClient, repo: str) -> RepositoryAccess:
    try:
        data = write_retry.request(client, "GET", f"/repos/{repo}")
    except GitHubError as error:
        if error.status == 404:
            raise GitHubError(
                f"{repo} was not found, or the token cannot see it; check the slug and token", 404
            ) from None
        raise
    permissions = data.get("permissions") or {}
    return RepositoryAccess(
        full_name=str(data.get("full_name") or repo),
        default_branch=str(data.get("default_branch") or "main"),
        clone_url=str(data.get("clone_url") or ""),
        html_url=str(data.get("html_url") or ""),
        can_push=bool(permissions.get("push") or permissions.get("admin") or permissions.get("maintain")),
        archived=bool(data.get("archived")),
        allows_forking=data.get("allow_forking", True) is not False,
    )


def collaborator_permission(client: GitHubClient, repo: str, login: str) -> str:
    """admin / write / read / none (maintain counts as write, triage as read), as GitHub reports it."""
    try:
        data = write_retry.request(client, "GET", f"/repos/{repo}/collaborators/{login}/permission")
    except GitHubError as error:
        if error.status == 404:
            return "none"
        raise
    return str(data.get("permission") or "none")
