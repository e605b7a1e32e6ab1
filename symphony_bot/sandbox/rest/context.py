"""What every REST handler works with: the request `Context`, its `Reply`, `Moved`, pagination and body fields."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from symphony_bot.sandbox import rest_render as render
from symphony_bot.sandbox.git_repositories import BareRepositories
from symphony_bot.sandbox.state import (
    ANONYMOUS,
    App,
    InstallationToken,
    Repository,
    SandboxError,
    SandboxState,
    not_found,
    validation_failed,
)

DEFAULT_PER_PAGE = 30


MAX_PER_PAGE = 100


MESSAGE_REQUIRES_AUTH = "Requires authentication"


MESSAGE_BAD_JSON = "Problems parsing JSON"


MESSAGE_MOVED = "Moved Permanently"


@dataclass
class Reply:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: str | None = None  # the object's ISO time: the server sends `Last-Modified` and honours
    # `If-Modified-Since` with a free 304, as GitHub does for single objects (its lists mostly send no such header)


class Moved(Exception):
    def __init__(self, status: int, location: str) -> None:
        super().__init__(location)
        self.status = status
        self.location = location


@dataclass
class Context:
    state: SandboxState
    urls: render.Urls
    repositories: BareRepositories | None
    method: str
    path: str
    query: dict[str, list[str]]
    raw_body: bytes
    login: str | None
    params: dict[str, str] = field(default_factory=dict)
    app: App | None = None  # a GitHub App authenticated with its JWT (the app endpoints only)
    grant: InstallationToken | None = None  # the installation token in use (None: a personal token or anonymous)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        if not self.raw_body.strip():
            return {}
        try:
            import json

            return json.loads(self.raw_body)
        except ValueError as error:
            raise SandboxError(400, MESSAGE_BAD_JSON) from error

    def body_object(self) -> dict[str, Any]:
        payload = self.json()
        if not isinstance(payload, dict):
            raise SandboxError(400, MESSAGE_BAD_JSON)
        return payload

    @property
    def viewer(self) -> str:
        """Who is looking, for visibility checks: the login, or ANONYMOUS (never the all-seeing operator)."""
        return self.login or ANONYMOUS

    def actor(self) -> str:
        if self.login is None:
            raise SandboxError(401, MESSAGE_REQUIRES_AUTH)
        return self.login

    def repo(self) -> Repository:
        owner, name = self.params["owner"], self.params["repo"]
        repo = self.state.find_repo(owner, name)
        if repo is None:
            renamed = self.state.renamed_repo(owner, name)
            if renamed is not None and self.state.can_see(renamed, self.viewer):
                prefix = f"/repos/{owner}/{name}"
                rest = self.path[len(prefix) :] if self.path.lower().startswith(prefix.lower()) else ""
                location = self.urls.api(f"/repositories/{renamed.id}{rest}")
                raise Moved(301 if self.method in ("GET", "HEAD") else 307, location)
            raise not_found()
        if not self.state.can_see(repo, self.viewer):
            raise not_found()
        return repo

    def number(self, name: str = "issue_number") -> int:
        try:
            return int(self.params[name])
        except ValueError as error:
            raise not_found() from error


def paginate(context: Context, items: list[Any]) -> tuple[list[Any], list[tuple[str, str]]]:
    """One page plus GitHub's `Link` header (absolute URLs on this server, other query parameters kept)."""
    try:
        per_page = int(context.arg("per_page") or DEFAULT_PER_PAGE)
        page = int(context.arg("page") or 1)
    except ValueError:
        per_page, page = DEFAULT_PER_PAGE, 1
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(page, 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]

    path = context.path
    owner, name = context.params.get("owner"), context.params.get("repo")
    repo = context.state.find_repo(owner, name) if owner and name else None
    prefix = f"/repos/{owner}/{name}"
    if repo is not None and path.lower().startswith(prefix.lower()):
        # GitHub's links name the repository by id (a rename keeps them valid), as @octokit/fixtures'
        # paginate-issues recording shows: <https://api.github.com/repositories/1000/issues?per_page=3&page=2>.
        path = f"/repositories/{repo.id}{path[len(prefix) :]}"

    def url(number: int) -> str:
        query = {key: values[-1] for key, values in context.query.items()}
        query["per_page"] = str(per_page)
        query["page"] = str(number)
        return f"{context.urls.api(path)}?{urllib.parse.urlencode(query)}"

    links = []
    if page > 1:
        links.append(f'<{url(page - 1)}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return chunk, ([("Link", ", ".join(links))] if links else [])


def page_reply(context: Context, items: list[Any], render_one: Callable[[Any], Any]) -> Reply:
    chunk, headers = paginate(context, items)
    return Reply(200, [render_one(item) for item in chunk], headers)


def bool_field(value: Any, name: str, resource: str) -> bool:
    if not isinstance(value, bool):
        raise validation_failed(resource, "", "invalid", name)
    return value


def text_field(payload: dict[str, Any], name: str, resource: str, *, required: bool = False) -> str | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise validation_failed(resource, "", "missing_field", name)
        return None
    if not isinstance(value, str):
        raise validation_failed(resource, "", "invalid", name)
    return value


def label_names(value: Any) -> list[str]:
    """PyGithub sends a bare list; octokit sends {"labels": [...]}; entries may be {"name": ...}."""
    if isinstance(value, dict):
        value = value.get("labels", [])
    if not isinstance(value, list):
        raise validation_failed("Label", "", "invalid", "labels")
    names = []
    for entry in value:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if not isinstance(name, str) or not name.strip():
            raise validation_failed("Label", "", "invalid", "labels")
        names.append(name)
    return names
