"""The sandbox's REST routes: GitHub's paths, operation ids, parameters, status codes and error bodies.

`dispatch(context)` finds the route for a request and runs it over the shared state. Handlers return a `Reply`
(status, JSON body, extra headers) or raise `SandboxError` (turned into GitHub's error body by the server) or
`Moved` (301/307 to a renamed repository). Auth, faults, rate limits, ETags and the request log are the server's.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from symphony_bot.sandbox import rest_render as render
from symphony_bot.sandbox.git_remote import BareRepositories
from symphony_bot.sandbox.state import (
    ANONYMOUS,
    Issue,
    Repository,
    SandboxError,
    SandboxState,
    not_found,
    validation_failed,
)

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
MESSAGE_SEARCH_NEEDS_TYPE = "Query must include 'is:issue' or 'is:pull-request'"
MESSAGE_SEARCH_INACCESSIBLE = (
    "The listed users and repositories cannot be searched either because the resources do not exist or you do not "
    "have permission to view them."
)
MESSAGE_REQUIRES_AUTH = "Requires authentication"
MESSAGE_BAD_JSON = "Problems parsing JSON"
MESSAGE_MOVED = "Moved Permanently"


@dataclass
class Reply:
    status: int
    body: Any
    headers: list[tuple[str, str]] = field(default_factory=list)


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


Handler = Callable[[Context], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    handler: Handler


ROUTES: list[Route] = []


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", template)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(regex + "/?")


def route(method: str, template: str, operation: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, _compile(template), operation, handler))
        return handler

    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method != method:
            continue
        found = candidate.pattern.fullmatch(path)
        if found:
            return candidate, {key: urllib.parse.unquote(value) for key, value in found.groupdict().items()}
    return None


def paths_for(path: str) -> bool:
    """Whether any route serves this path under some method (405 vs 404)."""
    return any(candidate.pattern.fullmatch(path) for candidate in ROUTES)


# ---- helpers ------------------------------------------------------------------------------------------------


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

    def url(number: int) -> str:
        query = {key: values[-1] for key, values in context.query.items()}
        query["per_page"] = str(per_page)
        query["page"] = str(number)
        return f"{context.urls.api(context.path)}?{urllib.parse.urlencode(query)}"

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


def _bool(value: Any, name: str, resource: str) -> bool:
    if not isinstance(value, bool):
        raise validation_failed(resource, "", "invalid", name)
    return value


def _text(payload: dict[str, Any], name: str, resource: str, *, required: bool = False) -> str | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise validation_failed(resource, "", "missing_field", name)
        return None
    if not isinstance(value, str):
        raise validation_failed(resource, "", "invalid", name)
    return value


def _label_names(value: Any) -> list[str]:
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


def _issue_reply(context: Context, repo: Repository, issue: Issue, status: int = 200) -> Reply:
    return Reply(status, render.issue_json(context.urls, context.state, repo, issue))


# ---- users and rate limit -----------------------------------------------------------------------------------


@route("GET", "/user", "users/get-authenticated")
def get_authenticated_user(context: Context) -> Reply:
    user = context.state.require_user(context.actor())
    return Reply(200, render.full_user_json(context.urls, context.state, user, private=True))


@route("GET", "/users/{username}", "users/get-by-username")
def get_user(context: Context) -> Reply:
    user = context.state.require_user(context.params["username"])
    return Reply(200, render.full_user_json(context.urls, context.state, user, private=False))


@route("GET", "/rate_limit", "rate-limit/get")
def get_rate_limit(context: Context) -> Reply:
    limits = context.state.rate_limits
    resources = {}
    for resource in ("core", "search", "graphql"):
        budget = limits.status(context.login, resource)
        resources[resource] = {
            "limit": budget.limit,
            "remaining": max(budget.limit - budget.used, 0),
            "reset": budget.reset_at,
            "used": budget.used,
        }
    return Reply(200, {"resources": resources, "rate": resources["core"]})


# ---- repositories -------------------------------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}", "repos/get")
def get_repo(context: Context) -> Reply:
    repo = context.repo()
    return Reply(200, render.repo_json(context.urls, context.state, repo, context.login))


@route("PATCH", "/repos/{owner}/{repo}", "repos/update")
def update_repo(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    archived = payload.get("archived")
    private = payload.get("private")
    context.state.update_repo(
        repo,
        context.actor(),
        name=_text(payload, "name", "Repository"),
        archived=_bool(archived, "archived", "Repository") if archived is not None else None,
        private=_bool(private, "private", "Repository") if private is not None else None,
        default_branch=_text(payload, "default_branch", "Repository"),
        description=_text(payload, "description", "Repository"),
    )
    return Reply(200, render.repo_json(context.urls, context.state, repo, context.login))


@route("GET", "/repos/{owner}/{repo}/contents/{path:path}", "repos/get-content")
def get_content(context: Context) -> Reply:
    """A file (base64, as GitHub serves files up to 1 MB) or a directory listing, on `ref` or the default branch."""
    repo = context.repo()
    if context.repositories is None:
        raise not_found()
    ref = context.arg("ref") or repo.default_branch
    path = context.params["path"].strip("/")
    content = context.repositories.read_file(repo, ref, path)
    if content is not None:
        return Reply(200, render.content_file_json(context.urls, repo, ref, path, content))
    entries = context.repositories.list_tree(repo, ref, path)
    if entries is None:
        raise not_found()
    return Reply(200, [render.content_entry_json(context.urls, repo, ref, path, entry) for entry in entries])


@route("GET", "/repos/{owner}/{repo}/forks", "repos/list-forks")
def list_forks(context: Context) -> Reply:
    repo = context.repo()
    forks = [fork for fork in context.state.forks(repo) if context.state.can_see(fork, context.viewer)]
    forks.sort(key=lambda fork: fork.created_at, reverse=True)
    return page_reply(
        context, forks, lambda fork: render.repo_json(context.urls, context.state, fork, context.login, full=False)
    )


@route("POST", "/repos/{owner}/{repo}/forks", "repos/create-fork")
def create_fork(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    fork = context.state.fork_repo(repo, context.actor(), _text(payload, "name", "Repository"))
    return Reply(202, render.repo_json(context.urls, context.state, fork, context.login))


@route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "repos/get-collaborator-permission-level")
def get_collaborator_permission(context: Context) -> Reply:
    repo = context.repo()
    context.actor()
    user = context.state.require_user(context.params["username"])
    permission = context.state.permission(repo, user.login)
    if permission == "none":
        classic, role = "none", "none"
    else:
        classic, role = render.CLASSIC_PERMISSION[permission], render.ROLE_FOR_PERMISSION[permission]
    collaborator = render.user_json(context.urls, user)
    collaborator["role_name"] = role
    collaborator["permissions"] = {
        "admin": permission == "admin",
        "maintain": permission in ("admin", "maintain"),
        "push": permission in ("admin", "maintain", "write"),
        "triage": permission in ("admin", "maintain", "write", "triage"),
        "pull": permission != "none",
    }
    return Reply(200, {"permission": classic, "role_name": role, "user": collaborator})


@route("GET", "/repos/{owner}/{repo}/branches", "repos/list-branches")
def list_branches(context: Context) -> Reply:
    repo = context.repo()
    names = sorted(repo.branches)
    return page_reply(
        context, names, lambda name: render.branch_short_json(context.urls, repo, name, repo.branches[name])
    )


@route("GET", "/repos/{owner}/{repo}/branches/{branch:path}", "repos/get-branch")
def get_branch(context: Context) -> Reply:
    repo = context.repo()
    name = context.params["branch"]
    sha = repo.branches.get(name)
    if sha is None or context.repositories is None:
        raise SandboxError(404, "Branch not found")
    info = context.repositories.commit_info(repo, sha)
    if info is None:
        raise SandboxError(404, "Branch not found")
    api = context.urls.api(f"/repos/{repo.full_name}/branches/{name}")
    return Reply(
        200,
        {
            "name": name,
            "commit": render.commit_json(context.urls, context.state, repo, sha, info),
            "_links": {"self": api, "html": context.urls.html(f"/{repo.full_name}/tree/{name}")},
            "protected": False,
            "protection": {
                "enabled": False,
                "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
            },
            "protection_url": f"{api}/protection",
        },
    )


@route("GET", "/repos/{owner}/{repo}/git/ref/{ref:path}", "git/get-ref")
def get_ref(context: Context) -> Reply:
    repo = context.repo()
    ref = context.params["ref"]
    name = ref.removeprefix("heads/")
    if not ref.startswith("heads/") or name not in repo.branches:
        raise not_found()
    return Reply(200, render.git_ref_json(context.urls, repo, name, repo.branches[name]))


@route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref:path}", "git/list-matching-refs")
def list_matching_refs(context: Context) -> Reply:
    repo = context.repo()
    prefix = context.params["ref"].removeprefix("heads/")
    names = sorted(name for name in repo.branches if name.startswith(prefix))
    return Reply(200, [render.git_ref_json(context.urls, repo, name, repo.branches[name]) for name in names])


@route("POST", "/repos/{owner}/{repo}/git/refs", "git/create-ref")
def create_ref(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    ref = _text(payload, "ref", "Reference", required=True) or ""
    sha = _text(payload, "sha", "Reference", required=True) or ""
    context.state.require(repo, context.actor(), "write")
    context.state.require_writable(repo)
    if not ref.startswith("refs/heads/"):
        raise validation_failed("Reference", "Reference name must start with 'refs/heads/'", "custom", "ref")
    name = ref.removeprefix("refs/heads/")
    if name in repo.branches:
        raise validation_failed("Reference", "Reference already exists")
    if context.repositories is None or context.repositories.commit_info(repo, sha) is None:
        raise validation_failed("Reference", "Object does not exist")
    context.repositories.set_branch(repo, name, sha)
    context.state.refresh_branches(repo)
    return Reply(201, render.git_ref_json(context.urls, repo, name, sha))


@route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref:path}", "git/update-ref")
def update_ref(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    sha = _text(payload, "sha", "Reference", required=True) or ""
    context.state.require(repo, context.actor(), "write")
    context.state.require_writable(repo)
    name = context.params["ref"].removeprefix("heads/")
    if name not in repo.branches:
        raise validation_failed("Reference", "Reference does not exist")
    if context.repositories is None or context.repositories.commit_info(repo, sha) is None:
        raise validation_failed("Reference", "Object does not exist")
    context.repositories.set_branch(repo, name, sha)
    context.state.refresh_branches(repo)
    return Reply(200, render.git_ref_json(context.urls, repo, name, sha))


@route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref:path}", "git/delete-ref")
def delete_ref(context: Context) -> Reply:
    repo = context.repo()
    context.state.delete_branch(repo, context.params["ref"].removeprefix("heads/"), context.actor())
    return Reply(204, None)


# ---- labels -------------------------------------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/labels", "issues/list-labels-for-repo")
def list_labels(context: Context) -> Reply:
    repo = context.repo()
    labels = sorted(repo.labels.values(), key=lambda label: label.id)
    return page_reply(context, labels, lambda label: render.label_json(context.urls, repo, label))


@route("POST", "/repos/{owner}/{repo}/labels", "issues/create-label")
def create_label(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    label = context.state.create_label(
        repo,
        _text(payload, "name", "Label", required=True) or "",
        context.actor(),
        color=_text(payload, "color", "Label") or "ededed",
        description=_text(payload, "description", "Label"),
    )
    return Reply(201, render.label_json(context.urls, repo, label))


@route("GET", "/repos/{owner}/{repo}/labels/{name}", "issues/get-label")
def get_label(context: Context) -> Reply:
    repo = context.repo()
    label = repo.label(context.params["name"])
    if label is None:
        raise not_found()
    return Reply(200, render.label_json(context.urls, repo, label))


@route("PATCH", "/repos/{owner}/{repo}/labels/{name}", "issues/update-label")
def update_label(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    state = context.state
    with state.lock:
        state.require(repo, context.actor(), "write")
        state.require_writable(repo)
        label = repo.label(context.params["name"])
        if label is None:
            raise not_found()
        new_name = _text(payload, "new_name", "Label")
        if new_name and new_name.lower() != label.name.lower():
            if repo.label(new_name) is not None:
                raise validation_failed("Label", "", "already_exists", "name")
            del repo.labels[label.name.lower()]
            for issue in repo.issues.values():
                issue.labels = [new_name if name.lower() == label.name.lower() else name for name in issue.labels]
            label.name = new_name
            repo.labels[new_name.lower()] = label
        elif new_name:
            label.name = new_name
        color = _text(payload, "color", "Label")
        if color is not None:
            label.color = color.lstrip("#").lower()
        description = _text(payload, "description", "Label")
        if description is not None:
            label.description = description
        state.touch()
    return Reply(200, render.label_json(context.urls, repo, label))


@route("DELETE", "/repos/{owner}/{repo}/labels/{name}", "issues/delete-label")
def delete_label(context: Context) -> Reply:
    repo = context.repo()
    state = context.state
    with state.lock:
        state.require(repo, context.actor(), "write")
        state.require_writable(repo)
        label = repo.label(context.params["name"])
        if label is None:
            raise not_found()
        del repo.labels[label.name.lower()]
        for issue in repo.issues.values():
            issue.labels = [name for name in issue.labels if name.lower() != label.name.lower()]
        state.touch()
    return Reply(204, None)


# ---- issues -------------------------------------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/issues", "issues/list-for-repo")
def list_issues(context: Context) -> Reply:
    repo = context.repo()
    state_filter = context.arg("state", "open") or "open"
    if state_filter not in ("open", "closed", "all"):
        raise validation_failed("Issue", "", "invalid", "state")
    labels_arg = context.arg("labels")
    issues = context.state.list_issues(
        repo,
        state=state_filter,
        labels=[name.strip() for name in labels_arg.split(",") if name.strip()] if labels_arg else None,
        since=context.arg("since"),
        creator=context.arg("creator"),
        sort=context.arg("sort", "created") or "created",
        direction=context.arg("direction", "desc") or "desc",
    )
    return page_reply(context, issues, lambda issue: render.issue_json(context.urls, context.state, repo, issue))


@route("POST", "/repos/{owner}/{repo}/issues", "issues/create")
def create_issue(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    actor = context.actor()
    labels = payload.get("labels")
    assignees = payload.get("assignees")
    issue = context.state.create_issue(
        repo,
        _text(payload, "title", "Issue", required=True) or "",
        _text(payload, "body", "Issue"),
        author=actor,
        labels=_label_names(labels) if labels is not None else None,
        assignees=[str(login) for login in assignees] if isinstance(assignees, list) else None,
        actor=actor,
    )
    return _issue_reply(context, repo, issue, 201)


@route("GET", "/repos/{owner}/{repo}/issues/comments", "issues/list-comments-for-repo")
def list_repo_comments(context: Context) -> Reply:
    repo = context.repo()
    since = context.arg("since")
    comments = [
        comment
        for comment in context.state.comments.values()
        if comment.repo_id == repo.id and (not since or comment.updated_at >= since)
    ]
    comments.sort(key=lambda comment: comment.id)
    return page_reply(
        context, comments, lambda comment: render.comment_json(context.urls, context.state, repo, comment)
    )


@route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/get-comment")
def get_comment(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    return Reply(200, render.comment_json(context.urls, context.state, repo, comment))


@route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/update-comment")
def update_comment(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    payload = context.body_object()
    body = _text(payload, "body", "IssueComment", required=True) or ""
    context.state.update_comment(repo, comment, body, context.actor())
    return Reply(200, render.comment_json(context.urls, context.state, repo, comment))


@route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/delete-comment")
def delete_comment(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    context.state.delete_comment(repo, comment, context.actor())
    return Reply(204, None)


@route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/list-for-issue-comment")
def list_comment_reactions(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    content = context.arg("content")
    reactions = [reaction for reaction in comment.reactions if not content or reaction.content == content]
    return page_reply(context, reactions, lambda item: render.reaction_json(context.urls, context.state, item))


@route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/create-for-issue-comment")
def create_comment_reaction(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    content = _text(context.body_object(), "content", "Reaction", required=True) or ""
    reaction, created = context.state.add_reaction(repo, comment, content, context.actor())
    return Reply(201 if created else 200, render.reaction_json(context.urls, context.state, reaction))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/get")
def get_issue(context: Context) -> Reply:
    repo = context.repo()
    return _issue_reply(context, repo, context.state.issue(repo, context.number()))


@route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/update")
def update_issue(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    payload = context.body_object()
    labels = payload.get("labels")
    assignees = payload.get("assignees")
    state_value = _text(payload, "state", "Issue")
    reason = _text(payload, "state_reason", "Issue")
    if reason is not None and reason not in ("completed", "not_planned", "reopened", "duplicate"):
        raise validation_failed("Issue", "", "invalid", "state_reason")
    context.state.update_issue(
        repo,
        issue,
        context.actor(),
        title=_text(payload, "title", "Issue"),
        body=_text(payload, "body", "Issue"),
        set_body="body" in payload,
        state=state_value,
        state_reason=reason,
        labels=_label_names(labels) if labels is not None else None,
        assignees=[str(login) for login in assignees] if isinstance(assignees, list) else None,
    )
    return _issue_reply(context, repo, issue)


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/list-labels-on-issue")
def list_issue_labels(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    labels = context.state.issue_labels(repo, issue)
    return page_reply(context, labels, lambda label: render.label_json(context.urls, repo, label))


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/add-labels")
def add_issue_labels(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    labels = context.state.add_labels(repo, issue, _label_names(context.json()), context.actor())
    return Reply(200, [render.label_json(context.urls, repo, label) for label in labels])


@route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/set-labels")
def set_issue_labels(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    context.state.update_issue(repo, issue, context.actor(), labels=_label_names(context.json()))
    labels = context.state.issue_labels(repo, issue)
    return Reply(200, [render.label_json(context.urls, repo, label) for label in labels])


@route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "issues/remove-label")
def remove_issue_label(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    labels = context.state.remove_label(repo, issue, context.params["name"], context.actor())
    return Reply(200, [render.label_json(context.urls, repo, label) for label in labels])


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/list-comments")
def list_comments(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    comments = context.state.issue_comments(repo, issue, context.arg("since"))
    return page_reply(
        context, comments, lambda comment: render.comment_json(context.urls, context.state, repo, comment)
    )


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/create-comment")
def create_comment(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    body = _text(context.body_object(), "body", "IssueComment", required=True) or ""
    actor = context.actor()
    comment = context.state.create_comment(repo, issue, body, actor, actor)
    return Reply(201, render.comment_json(context.urls, context.state, repo, comment))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "reactions/list-for-issue")
def list_issue_reactions(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    content = context.arg("content")
    reactions = [reaction for reaction in issue.reactions if not content or reaction.content == content]
    return page_reply(context, reactions, lambda item: render.reaction_json(context.urls, context.state, item))


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "reactions/create-for-issue")
def create_issue_reaction(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    content = _text(context.body_object(), "content", "Reaction", required=True) or ""
    reaction, created = context.state.add_reaction(repo, issue, content, context.actor())
    return Reply(201 if created else 200, render.reaction_json(context.urls, context.state, reaction))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/timeline", "issues/list-events-for-timeline")
def list_timeline(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    state = context.state
    with state.lock:
        entries: list[tuple[str, int, Any]] = [(event.created_at, event.id, event) for event in issue.events]
        entries += [(comment.created_at, comment.id, comment) for comment in state.issue_comments(repo, issue)]
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        rendered = []
        for _, _, item in entries:
            if hasattr(item, "event"):
                body = render.event_json(context.urls, state, repo, issue, item)
            else:
                body = render.timeline_comment_json(context.urls, state, repo, item)
            if body is not None:
                rendered.append(body)
    chunk, headers = paginate(context, rendered)
    return Reply(200, chunk, headers)


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", "issues/list-events")
def list_issue_events(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    rendered = []
    for event in issue.events:
        if event.event == "cross-referenced":
            continue  # timeline-only, as on GitHub
        body = render.event_json(context.urls, context.state, repo, issue, event)
        if body is not None:
            rendered.append(body)
    chunk, headers = paginate(context, rendered)
    return Reply(200, chunk, headers)


# ---- pull requests ------------------------------------------------------------------------------------------


@route("GET", "/repos/{owner}/{repo}/pulls", "pulls/list")
def list_pulls(context: Context) -> Reply:
    repo = context.repo()
    state_filter = context.arg("state", "open") or "open"
    if state_filter not in ("open", "closed", "all"):
        raise validation_failed("PullRequest", "", "invalid", "state")
    pulls = context.state.list_pulls(
        repo,
        state=state_filter,
        head=context.arg("head"),
        base=context.arg("base"),
        sort=context.arg("sort", "created") or "created",
        direction=context.arg("direction", "desc") or "desc",
    )
    return page_reply(
        context, pulls, lambda issue: render.pull_json(context.urls, context.state, repo, issue, full=False)
    )


@route("POST", "/repos/{owner}/{repo}/pulls", "pulls/create")
def create_pull(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    actor = context.actor()
    draft = payload.get("draft", False)
    modify = payload.get("maintainer_can_modify", False)
    issue = context.state.open_pull(
        repo,
        title=_text(payload, "title", "PullRequest", required=True) or "",
        head=_text(payload, "head", "PullRequest", required=True) or "",
        base=_text(payload, "base", "PullRequest", required=True),
        body=_text(payload, "body", "PullRequest"),
        draft=_bool(draft, "draft", "PullRequest"),
        author=actor,
        actor=actor,
        maintainer_can_modify=_bool(modify, "maintainer_can_modify", "PullRequest"),
    )
    return Reply(201, render.pull_json(context.urls, context.state, repo, issue))


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get")
def get_pull(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    return Reply(200, render.pull_json(context.urls, context.state, repo, issue))


@route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/update")
def update_pull(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    payload = context.body_object()
    state_value = _text(payload, "state", "PullRequest")
    if state_value is not None and state_value not in ("open", "closed"):
        raise validation_failed("PullRequest", "", "invalid", "state")
    context.state.update_pull(
        repo,
        issue,
        context.actor(),
        title=_text(payload, "title", "PullRequest"),
        body=_text(payload, "body", "PullRequest"),
        set_body="body" in payload,
        state=state_value,
        base=_text(payload, "base", "PullRequest"),
    )
    return Reply(200, render.pull_json(context.urls, context.state, repo, issue))


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/check-if-merged")
def check_merged(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    if issue.pull is not None and issue.pull.merged:
        return Reply(204, None)
    raise not_found()


@route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/merge")
def merge_pull(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    payload = context.body_object()
    sha = _text(payload, "sha", "PullRequest")
    if sha and issue.pull is not None and sha != issue.pull.head_sha:
        raise SandboxError(409, "Head branch was modified. Review and try the merge again.")
    title = _text(payload, "commit_title", "PullRequest")
    message = _text(payload, "commit_message", "PullRequest")
    full_message = "\n\n".join(part for part in (title, message) if part) or None
    context.state.merge_pull(repo, issue, context.actor(), commit_message=full_message)
    merged_sha = issue.pull.merge_commit_sha if issue.pull else None
    return Reply(200, {"sha": merged_sha, "merged": True, "message": "Pull Request successfully merged"})


# ---- search -------------------------------------------------------------------------------------------------

_QUALIFIER = re.compile(r'(-?)(\w[\w-]*):("(?:[^"]*)"|\S+)|("[^"]*"|\S+)')


def _search_terms(query: str) -> tuple[list[tuple[bool, str, str]], list[str]]:
    qualifiers: list[tuple[bool, str, str]] = []
    words: list[str] = []
    for found in _QUALIFIER.finditer(query):
        if found.group(2):
            qualifiers.append((found.group(1) == "-", found.group(2).lower(), found.group(3).strip('"')))
        elif found.group(4):
            words.append(found.group(4).strip('"').lower())
    return qualifiers, words


@route("GET", "/search/issues", "search/issues-and-pull-requests")
def search_issues(context: Context) -> Reply:
    query = context.arg("q")
    if not query:
        raise validation_failed("Search", "", "missing", "q")
    qualifiers, words = _search_terms(query)
    kinds = {value.lower() for negated, key, value in qualifiers if key in ("is", "type") and not negated}
    want_issues = bool(kinds & {"issue"})
    want_pulls = bool(kinds & {"pr", "pull-request"})
    if not want_issues and not want_pulls:
        raise SandboxError(422, MESSAGE_SEARCH_NEEDS_TYPE, [{"resource": "Search", "field": "q", "code": "invalid"}])
    state = context.state
    scope: list[Repository] = []
    for negated, key, value in qualifiers:
        if key == "repo" and not negated:
            owner, _, name = value.partition("/")
            repo = state.find_repo(owner, name)
            if repo is None or not state.can_see(repo, context.viewer):
                raise SandboxError(
                    422, MESSAGE_SEARCH_INACCESSIBLE, [{"resource": "Search", "field": "q", "code": "invalid"}]
                )
            scope.append(repo)
    in_fields = {value.lower() for negated, key, value in qualifiers if key == "in" and not negated} or {
        "title",
        "body",
    }
    found: list[tuple[Repository, Issue]] = []
    with state.lock:
        candidates = (
            [(repo, issue) for repo in scope for issue in repo.issues.values()]
            if scope
            else list(state.all_issues(context.viewer))
        )
        for repo, issue in candidates:
            if _search_matches(
                state,
                repo,
                issue,
                qualifiers=qualifiers,
                words=words,
                in_fields=in_fields,
                want_issues=want_issues,
                want_pulls=want_pulls,
            ):
                found.append((repo, issue))
    sort = context.arg("sort")
    key = "updated_at" if sort == "updated" else "created_at"
    found.sort(key=lambda pair: (getattr(pair[1], key), pair[1].id), reverse=context.arg("order", "desc") != "asc")
    chunk, headers = paginate(context, found)
    items = []
    for repo, issue in chunk:
        item = render.issue_json(context.urls, state, repo, issue)
        item["score"] = 1.0
        items.append(item)
    body = {"total_count": len(found), "incomplete_results": False, "items": items, "search_type": "lexical"}
    return Reply(200, body, headers)


def _search_matches(
    state: SandboxState,
    repo: Repository,
    issue: Issue,
    *,
    qualifiers: list[tuple[bool, str, str]],
    words: list[str],
    in_fields: set[str],
    want_issues: bool,
    want_pulls: bool,
) -> bool:
    if issue.pull is not None and not want_pulls:
        return False
    if issue.pull is None and not want_issues:
        return False
    labels = {name.lower() for name in issue.labels}
    for negated, key, value in qualifiers:
        lowered = value.lower()
        if key == "label":
            hit = any(name in labels for name in lowered.split(","))
        elif key == "state" or (key == "is" and lowered in ("open", "closed")):
            hit = issue.state == lowered
        elif key == "is" and lowered == "merged":
            hit = issue.pull is not None and issue.pull.merged
        elif key == "is" and lowered == "draft":
            hit = issue.pull is not None and issue.pull.draft
        elif key in ("author", "user", "org", "involves", "assignee"):
            hit = _search_person(repo, issue, key, lowered)
        elif key == "no" and lowered == "label":
            hit = not labels
        else:
            continue  # is:issue / repo: / in: handled by the caller; unknown qualifiers are ignored
        if hit == negated:
            return False
    if words:
        haystack = " ".join(
            text for field_name, text in (("title", issue.title), ("body", issue.body or "")) if field_name in in_fields
        ).lower()
        if not all(word in haystack for word in words):
            return False
    return True


def _search_person(repo: Repository, issue: Issue, key: str, login: str) -> bool:
    if key in ("user", "org"):
        return repo.owner.lower() == login
    if key == "assignee":
        return login in (name.lower() for name in issue.assignees)
    return issue.user.lower() == login
