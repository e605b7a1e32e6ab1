"""The sandbox's in-memory GitHub: users, repositories, issues, pull requests, comments, reactions, events.

One `SandboxState` is shared by the REST routes, the GraphQL resolvers and the Python API. Every mutation goes
through a method here, holding `state.lock` (re-entrant), so the three front ends agree on GitHub's rules:
permissions, archived repositories, issue numbers shared by issues and PRs, closing-keyword links (recomputed
whenever a PR body or base changes), merges closing linked issues, timeline events with their actor.

Methods raise `SandboxError(status, message, errors)`; REST turns it into GitHub's error body, GraphQL into an
`errors` entry. An `actor` of None is the sandbox operator (tests, seed files): it may do anything.
Git itself (bare repositories, commits, merges) lives behind the `GitBackend` protocol (see git_remote.py), so
this module stays free of subprocesses.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from symphony_bot.sandbox.faults import RateLimits
from symphony_bot.sandbox.linking import IssueReference, closing_references, mentions

PERMISSION_LEVELS = ("none", "read", "triage", "write", "maintain", "admin")
REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
USER_TYPES = ("User", "Bot", "Organization")
ISSUE_STATES = ("open", "closed")
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")
DEFAULT_LABEL_COLOR = "ededed"

MESSAGE_NOT_FOUND = "Not Found"
MESSAGE_ARCHIVED = "Repository was archived so is read-only."
MESSAGE_NO_PUSH = "Must have push access to repository"
MESSAGE_NO_ADMIN = "Must have admin rights to Repository."
MESSAGE_VALIDATION = "Validation Failed"

# The login of an unauthenticated caller: sees public repositories only. (None is the operator, who sees all.)
ANONYMOUS = ""

Permission = Literal["none", "read", "triage", "write", "maintain", "admin"]


class SandboxError(Exception):
    """A GitHub-shaped failure: HTTP status, message and optional validation `errors`."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors


def not_found() -> SandboxError:
    return SandboxError(404, MESSAGE_NOT_FOUND)


def validation_failed(resource: str, message: str, code: str = "custom", field_name: str | None = None) -> SandboxError:
    error: dict[str, Any] = {"resource": resource, "code": code}
    if field_name:
        error["field"] = field_name
    if message:
        error["message"] = message
    return SandboxError(422, MESSAGE_VALIDATION, [error])


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_node_id(kind: str, object_id: int) -> str:
    """A GitHub-style global id (`I_kwDO...`): a type prefix and an opaque base64 tail that encodes the id."""
    tail = base64.urlsafe_b64encode(f"sandbox:{kind}:{object_id}".encode()).decode().rstrip("=")
    return f"{kind}_kwDO{tail}"


NODE_PREFIX = {
    "User": "U",
    "Bot": "BOT",
    "Organization": "O",
    "Repository": "R",
    "Label": "LA",
    "Issue": "I",
    "PullRequest": "PR",
    "IssueComment": "IC",
    "Reaction": "REA",
    "IssueEvent": "LE",
}


@dataclass
class User:
    login: str
    id: int
    node_id: str
    type: str = "User"
    tokens: list[str] = field(default_factory=list)
    name: str | None = None
    email: str | None = None
    created_at: str = field(default_factory=iso_now)


@dataclass
class Label:
    id: int
    node_id: str
    name: str
    color: str = DEFAULT_LABEL_COLOR
    description: str | None = None
    default: bool = False


@dataclass
class Reaction:
    id: int
    node_id: str
    content: str
    user: str
    created_at: str


@dataclass
class IssueEvent:
    """One timeline event: labeled/unlabeled (label), closed/reopened (state_reason), renamed, ready_for_review,
    convert_to_draft, merged, cross-referenced (source_repo_id + source_number), head_ref_deleted..."""

    id: int
    node_id: str
    event: str
    actor: str | None
    created_at: str
    label_name: str | None = None
    label_color: str | None = None
    state_reason: str | None = None
    commit_id: str | None = None
    rename_from: str | None = None
    rename_to: str | None = None
    source_repo_id: int | None = None
    source_number: int | None = None


@dataclass
class IssueComment:
    id: int
    node_id: str
    repo_id: int
    issue_number: int
    body: str
    user: str
    created_at: str
    updated_at: str
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class PullRequest:
    """The pull-request half of an issue whose `pull` is set; shares the issue's number."""

    id: int
    node_id: str
    head_repo_id: int
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    draft: bool = False
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    maintainer_can_modify: bool = False
    closing_refs: list[tuple[int, int]] = field(default_factory=list)  # (repo_id, issue number), kept current
    commits: int = 0


@dataclass
class Issue:
    id: int
    node_id: str
    repo_id: int
    number: int
    title: str
    body: str | None
    user: str
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    locked: bool = False
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)
    closed_at: str | None = None
    closed_by: str | None = None
    comment_ids: list[int] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    pull: PullRequest | None = None

    @property
    def is_pull(self) -> bool:
        return self.pull is not None


@dataclass
class Repository:
    id: int
    node_id: str
    owner: str
    name: str
    private: bool = False
    archived: bool = False
    default_branch: str = "main"
    description: str | None = None
    parent_id: int | None = None  # set on forks
    collaborators: dict[str, str] = field(default_factory=dict)  # lower-case login -> permission
    labels: dict[str, Label] = field(default_factory=dict)  # lower-case name -> label
    issues: dict[int, Issue] = field(default_factory=dict)
    next_number: int = 1
    branches: dict[str, str] = field(default_factory=dict)  # name -> head sha
    previous_full_names: list[str] = field(default_factory=list)
    git_dir: str | None = None
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)
    pushed_at: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())


class GitBackend(Protocol):
    """What the state needs from git; implemented with real bare repositories in git_remote.py."""

    def init_repository(self, repo: Repository, files: dict[str, str] | None, message: str) -> dict[str, str]:
        """Create the bare repository (with an initial commit when files are given); return its branches."""
        ...

    def fork_repository(self, source: Repository, fork: Repository) -> dict[str, str]: ...

    def commit_files(
        self, repo: Repository, branch: str, *, files: dict[str, str], base_sha: str | None, message: str, author: User
    ) -> str:
        """Commit `files` on top of `base_sha` (None: a root commit), move `branch` there, return the sha."""
        ...

    def commits_ahead(self, base: Repository, base_sha: str, head: Repository, head_sha: str) -> int:
        """How many commits `head_sha` has that `base_sha` has not (fetching across forks as needed)."""
        ...

    def merge(
        self, base: Repository, base_ref: str, *, head: Repository, head_sha: str, message: str, author: User
    ) -> str:
        """Merge head into base_ref (fast-forward when possible); return the new base sha."""
        ...

    def read_branches(self, repo: Repository) -> dict[str, str]: ...

    def delete_branch(self, repo: Repository, branch: str) -> None: ...

    def set_branch(self, repo: Repository, branch: str, sha: str) -> None: ...


def _rank(permission: str) -> int:
    return PERMISSION_LEVELS.index(permission)


class SandboxState:
    """All of the sandbox's GitHub. Hold `lock` for multi-step reads; every mutating method takes it itself."""

    def __init__(self, git: GitBackend | None = None) -> None:
        self.lock = threading.RLock()
        self.git = git
        self.users: dict[str, User] = {}  # lower-case login -> user
        self.tokens: dict[str, str] = {}  # token -> lower-case login
        self.repos: dict[int, Repository] = {}
        self._repo_names: dict[str, int] = {}  # lower-case full name -> id (current names only)
        self._old_repo_names: dict[str, int] = {}  # lower-case previous full name -> id
        self.comments: dict[int, IssueComment] = {}
        self._nodes: dict[str, Any] = {}
        self._next_id = 1000
        self.version = 0  # bumped on every mutation; ETags include it
        # Primary budgets per (login, resource): "core", "search", "graphql". The server charges each request
        # (GraphQL: the points graphql_api.handle returns); `rate_limits.status(login, "graphql")` gives
        # limit/used/reset_at for GraphQL's `rateLimit { remaining resetAt }`.
        self.rate_limits = RateLimits()

    # ---- ids and lookup -------------------------------------------------------------------------------------

    def _new_id(self, kind: str) -> tuple[int, str]:
        self._next_id += 1
        node_id = make_node_id(NODE_PREFIX[kind], self._next_id)
        return self._next_id, node_id

    def _register(self, node_id: str, obj: Any) -> None:
        self._nodes[node_id] = obj

    def touch(self) -> None:
        self.version += 1

    def node(self, node_id: str) -> Any:
        """The object with this global id (User, Repository, Label, Issue, IssueComment, Reaction...) or None.
        A pull request's node id resolves to its Issue (whose `.pull` is set)."""
        with self.lock:
            return self._nodes.get(node_id)

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def require_user(self, login: str) -> User:
        user = self.user(login)
        if user is None:
            raise not_found()
        return user

    def user_for_token(self, token: str) -> User | None:
        login = self.tokens.get(token)
        return self.users.get(login) if login else None

    def find_repo(self, owner: str, name: str) -> Repository | None:
        """The repository under its current name (renamed repositories: see `renamed_repo`)."""
        repo_id = self._repo_names.get(f"{owner}/{name}".lower())
        return self.repos.get(repo_id) if repo_id is not None else None

    def renamed_repo(self, owner: str, name: str) -> Repository | None:
        """The repository that was called owner/name before a rename (GitHub redirects those with 301)."""
        repo_id = self._old_repo_names.get(f"{owner}/{name}".lower())
        return self.repos.get(repo_id) if repo_id is not None else None

    def visible_repo(self, owner: str, name: str, login: str | None) -> Repository:
        """The repository if `login` may see it; 404 otherwise (private repos are invisible, as on GitHub)."""
        repo = self.find_repo(owner, name)
        if repo is None or not self.can_see(repo, login):
            raise not_found()
        return repo

    def issue(self, repo: Repository, number: int) -> Issue:
        found = repo.issues.get(number)
        if found is None:
            raise not_found()
        return found

    def pull(self, repo: Repository, number: int) -> Issue:
        found = repo.issues.get(number)
        if found is None or found.pull is None:
            raise not_found()
        return found

    def comment(self, repo: Repository, comment_id: int) -> IssueComment:
        found = self.comments.get(comment_id)
        if found is None or found.repo_id != repo.id:
            raise not_found()
        return found

    # ---- permissions ------------------------------------------------------------------------------------------

    def permission(self, repo: Repository, login: str | None) -> str:
        """admin / maintain / write / triage / read / none, as GitHub's role for this user on this repo."""
        if login is None:
            return "admin"
        key = login.lower()
        if repo.owner.lower() == key:
            return "admin"
        granted = repo.collaborators.get(key)
        if granted:
            return granted
        return "none" if repo.private else "read"

    def can_see(self, repo: Repository, login: str | None) -> bool:
        return self.permission(repo, login) != "none"

    def require(self, repo: Repository, login: str | None, level: str, message: str = MESSAGE_NO_PUSH) -> None:
        if login is None:
            return
        if not self.can_see(repo, login):
            raise not_found()
        if _rank(self.permission(repo, login)) < _rank(level):
            raise SandboxError(403, message)

    def require_writable(self, repo: Repository) -> None:
        if repo.archived:
            raise SandboxError(403, MESSAGE_ARCHIVED)

    # ---- users ------------------------------------------------------------------------------------------------

    def add_user(
        self, login: str, tokens: list[str] | None = None, user_type: str = "User", name: str | None = None
    ) -> User:
        if user_type not in USER_TYPES:
            raise ValueError(f"user type must be one of {USER_TYPES}, not {user_type!r}")
        with self.lock:
            existing = self.user(login)
            if existing is None:
                user_id, node_id = self._new_id("Bot" if user_type == "Bot" else user_type)
                existing = User(login=login, id=user_id, node_id=node_id, type=user_type, name=name)
                self.users[login.lower()] = existing
                self._register(node_id, existing)
            for token in tokens or []:
                owner = self.tokens.get(token)
                if owner is not None and owner != login.lower():
                    raise ValueError(f"token already belongs to {owner}")
                if token not in existing.tokens:
                    existing.tokens.append(token)
                self.tokens[token] = login.lower()
            self.touch()
            return existing

    # ---- repositories -----------------------------------------------------------------------------------------

    def create_repo(
        self,
        owner: str,
        name: str,
        *,
        files: dict[str, str] | None = None,
        default_branch: str = "main",
        private: bool = False,
        archived: bool = False,
        description: str | None = None,
        message: str = "Initial commit",
    ) -> Repository:
        with self.lock:
            owner_user = self.user(owner) or self.add_user(owner)
            if self.find_repo(owner_user.login, name) is not None:
                raise validation_failed("Repository", "name already exists on this account", "custom", "name")
            repo_id, node_id = self._new_id("Repository")
            repo = Repository(
                id=repo_id,
                node_id=node_id,
                owner=owner_user.login,
                name=name,
                private=private,
                archived=archived,
                default_branch=default_branch,
                description=description,
            )
            if self.git is not None:
                repo.branches = dict(self.git.init_repository(repo, files, message))
                if repo.branches:
                    repo.pushed_at = iso_now()
            self.repos[repo_id] = repo
            self._repo_names[repo.full_name.lower()] = repo_id
            self._register(node_id, repo)
            self.touch()
            return repo

    def update_repo(
        self,
        repo: Repository,
        actor: str | None,
        *,
        name: str | None = None,
        archived: bool | None = None,
        private: bool | None = None,
        default_branch: str | None = None,
        description: str | None = None,
    ) -> Repository:
        with self.lock:
            self.require(repo, actor, "admin", MESSAGE_NO_ADMIN)
            if repo.archived and archived is not False:
                self.require_writable(repo)
            if name is not None and name != repo.name:
                if self.find_repo(repo.owner, name) is not None:
                    raise validation_failed("Repository", "name already exists on this account", "custom", "name")
                old = repo.full_name
                del self._repo_names[old.lower()]
                repo.previous_full_names.append(old)
                self._old_repo_names[old.lower()] = repo.id
                repo.name = name
                self._repo_names[repo.full_name.lower()] = repo.id
                self._old_repo_names.pop(repo.full_name.lower(), None)
            if archived is not None:
                repo.archived = archived
            if private is not None:
                repo.private = private
            if default_branch is not None:
                if repo.branches and default_branch not in repo.branches:
                    raise validation_failed(
                        "Repository", f"Branch {default_branch} not found", "invalid", "default_branch"
                    )
                repo.default_branch = default_branch
                self._relink_all()
            if description is not None:
                repo.description = description
            repo.updated_at = iso_now()
            self.touch()
            return repo

    def set_permission(self, repo: Repository, login: str, level: str) -> None:
        if level not in PERMISSION_LEVELS:
            raise ValueError(f"permission must be one of {PERMISSION_LEVELS}, not {level!r}")
        with self.lock:
            user = self.user(login) or self.add_user(login)
            if level == "none":
                repo.collaborators.pop(user.login.lower(), None)
            else:
                repo.collaborators[user.login.lower()] = level
            self.touch()

    def fork_repo(self, source: Repository, actor: str, name: str | None = None) -> Repository:
        """Fork `source` into the actor's account (GitHub returns the existing fork when there is one)."""
        with self.lock:
            if not self.can_see(source, actor):
                raise not_found()
            owner = self.require_user(actor)
            for repo in self.repos.values():
                if repo.parent_id == source.id and repo.owner.lower() == owner.login.lower():
                    return repo
            wanted = name or source.name
            candidate, suffix = wanted, 0
            while self.find_repo(owner.login, candidate) is not None:
                suffix += 1
                candidate = f"{wanted}-{suffix}"
            repo_id, node_id = self._new_id("Repository")
            fork = Repository(
                id=repo_id,
                node_id=node_id,
                owner=owner.login,
                name=candidate,
                private=source.private,
                default_branch=source.default_branch,
                description=source.description,
                parent_id=source.id,
            )
            if self.git is not None:
                fork.branches = dict(self.git.fork_repository(source, fork))
            else:
                fork.branches = dict(source.branches)
            if source.private:
                # A private fork stays visible to the source's collaborators only through its owner.
                fork.collaborators = {}
            self.repos[repo_id] = fork
            self._repo_names[fork.full_name.lower()] = repo_id
            self._register(node_id, fork)
            self.touch()
            return fork

    def forks(self, source: Repository) -> list[Repository]:
        return [repo for repo in self.repos.values() if repo.parent_id == source.id]

    def root_repo(self, repo: Repository) -> Repository:
        while repo.parent_id is not None and repo.parent_id in self.repos:
            repo = self.repos[repo.parent_id]
        return repo

    # ---- labels -----------------------------------------------------------------------------------------------

    def create_label(
        self,
        repo: Repository,
        name: str,
        actor: str | None = None,
        color: str = DEFAULT_LABEL_COLOR,
        description: str | None = None,
    ) -> Label:
        with self.lock:
            self.require(repo, actor, "write")
            self.require_writable(repo)
            color = color.lstrip("#").lower()
            if len(color) != 6 or any(ch not in "0123456789abcdef" for ch in color):
                raise validation_failed("Label", "", "invalid", "color")
            if not name.strip():
                raise validation_failed("Label", "", "missing_field", "name")
            if repo.label(name) is not None:
                raise validation_failed("Label", "", "already_exists", "name")
            label_id, node_id = self._new_id("Label")
            label = Label(id=label_id, node_id=node_id, name=name, color=color, description=description)
            repo.labels[name.lower()] = label
            self._register(node_id, label)
            self.touch()
            return label

    def _ensure_label(self, repo: Repository, name: str) -> Label:
        # Adding an unknown label to an issue creates it, as GitHub does.
        return repo.label(name) or self.create_label(repo, name)

    # ---- issues -----------------------------------------------------------------------------------------------

    def create_issue(
        self,
        repo: Repository,
        title: str,
        body: str | None = None,
        *,
        author: str,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
        state: str = "open",
        state_reason: str | None = None,
        actor: str | None = None,
    ) -> Issue:
        """`actor` is who is asking (permission checks); `author` is who the issue belongs to."""
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if not title or not title.strip():
                raise validation_failed("Issue", "", "missing_field", "title")
            user = self.require_user(author)
            issue = self._new_issue(repo, title, body, user.login)
            # Without triage, GitHub silently drops labels on create.
            if labels and _rank(self.permission(repo, actor)) >= _rank("triage"):
                for name in labels:
                    self._add_label(issue, repo, name, actor or user.login)
            issue.assignees = [self.require_user(login).login for login in assignees or []]
            if state == "closed":
                self._close(issue, actor or user.login, state_reason or "completed")
            self.touch()
            return issue

    def _new_issue(self, repo: Repository, title: str, body: str | None, author: str) -> Issue:
        issue_id, node_id = self._new_id("Issue")
        now = iso_now()
        issue = Issue(
            id=issue_id,
            node_id=node_id,
            repo_id=repo.id,
            number=repo.next_number,
            title=title,
            body=body,
            user=author,
            created_at=now,
            updated_at=now,
        )
        repo.next_number += 1
        repo.issues[issue.number] = issue
        self._register(node_id, issue)
        return issue

    def _event(self, issue: Issue, event: str, actor: str | None, **details: Any) -> IssueEvent:
        event_id, node_id = self._new_id("IssueEvent")
        record = IssueEvent(id=event_id, node_id=node_id, event=event, actor=actor, created_at=iso_now(), **details)
        issue.events.append(record)
        self._register(node_id, record)
        return record

    def _add_label(self, issue: Issue, repo: Repository, name: str, actor: str | None) -> None:
        label = self._ensure_label(repo, name)
        if label.name.lower() in (existing.lower() for existing in issue.labels):
            return
        issue.labels.append(label.name)
        self._event(issue, "labeled", actor, label_name=label.name, label_color=label.color)

    def _remove_label(self, issue: Issue, repo: Repository, name: str, actor: str | None) -> bool:
        for existing in issue.labels:
            if existing.lower() == name.lower():
                issue.labels.remove(existing)
                label = repo.label(existing)
                self._event(issue, "unlabeled", actor, label_name=existing, label_color=label.color if label else None)
                return True
        return False

    def _close(self, issue: Issue, actor: str | None, reason: str | None) -> None:
        if issue.state == "closed":
            return
        now = iso_now()
        issue.state = "closed"
        issue.state_reason = None if issue.pull is not None else (reason or "completed")
        issue.closed_at = now
        issue.closed_by = actor
        issue.updated_at = now
        self._event(issue, "closed", actor, state_reason=issue.state_reason)

    def _reopen(self, issue: Issue, actor: str | None) -> None:
        if issue.state == "open":
            return
        if issue.pull is not None and issue.pull.merged:
            raise validation_failed("PullRequest", "Cannot reopen a merged pull request", "custom", "state")
        issue.state = "open"
        issue.state_reason = None if issue.pull is not None else "reopened"
        issue.closed_at = None
        issue.closed_by = None
        issue.updated_at = iso_now()
        self._event(issue, "reopened", actor)

    def update_issue(
        self,
        repo: Repository,
        issue: Issue,
        actor: str | None,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
        set_body: bool = False,
    ) -> Issue:
        """Edit an issue (or the issue half of a PR). `set_body=True` allows clearing the body to None."""
        with self.lock:
            self.require_writable(repo)
            is_author = actor is not None and actor.lower() == issue.user.lower()
            if not is_author:
                self.require(repo, actor, "triage")
            if title is not None:
                if not title.strip():
                    raise validation_failed("Issue", "", "missing_field", "title")
                if title != issue.title:
                    self._event(issue, "renamed", actor, rename_from=issue.title, rename_to=title)
                issue.title = title
            if body is not None or set_body:
                issue.body = body
                if issue.pull is not None:
                    self._relink(repo, issue, actor)
            if state is not None:
                if state not in ISSUE_STATES:
                    raise validation_failed("Issue", "", "invalid", "state")
                if state == "closed":
                    self._close(issue, actor, state_reason)
                else:
                    self._reopen(issue, actor)
            elif state_reason is not None and issue.state == "closed" and issue.pull is None:
                issue.state_reason = state_reason
            if labels is not None:
                self.require(repo, actor, "triage")
                for name in list(issue.labels):
                    if name.lower() not in (wanted.lower() for wanted in labels):
                        self._remove_label(issue, repo, name, actor)
                for name in labels:
                    self._add_label(issue, repo, name, actor)
            if assignees is not None:
                issue.assignees = [self.require_user(login).login for login in assignees]
            issue.updated_at = iso_now()
            self.touch()
            return issue

    def add_labels(self, repo: Repository, issue: Issue, names: list[str], actor: str | None) -> list[Label]:
        with self.lock:
            self.require(repo, actor, "triage")
            self.require_writable(repo)
            for name in names:
                self._add_label(issue, repo, name, actor)
            issue.updated_at = iso_now()
            self.touch()
            return self.issue_labels(repo, issue)

    def remove_label(self, repo: Repository, issue: Issue, name: str, actor: str | None) -> list[Label]:
        with self.lock:
            self.require(repo, actor, "triage")
            self.require_writable(repo)
            if not self._remove_label(issue, repo, name, actor):
                raise SandboxError(404, "Label does not exist")
            issue.updated_at = iso_now()
            self.touch()
            return self.issue_labels(repo, issue)

    def issue_labels(self, repo: Repository, issue: Issue) -> list[Label]:
        return [label for name in issue.labels if (label := repo.label(name)) is not None]

    def list_issues(
        self,
        repo: Repository,
        *,
        state: str = "open",
        labels: list[str] | None = None,
        since: str | None = None,
        include_pulls: bool = True,
        creator: str | None = None,
        sort: str = "created",
        direction: str = "desc",
    ) -> list[Issue]:
        """GitHub's issue list semantics: PRs included, `labels` all required (case-insensitive)."""
        with self.lock:
            wanted = {name.lower() for name in labels or []}
            found = []
            for issue in repo.issues.values():
                if state not in ("all", issue.state):
                    continue
                if not include_pulls and issue.pull is not None:
                    continue
                if wanted and not wanted <= {name.lower() for name in issue.labels}:
                    continue
                if since and issue.updated_at < since:
                    continue
                if creator and issue.user.lower() != creator.lower():
                    continue
                found.append(issue)
            key = "updated_at" if sort == "updated" else "created_at"
            found.sort(key=lambda item: (getattr(item, key), item.number), reverse=direction != "asc")
            return found

    # ---- comments and reactions -------------------------------------------------------------------------------

    def create_comment(
        self, repo: Repository, issue: Issue, body: str, author: str, actor: str | None = None
    ) -> IssueComment:
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if issue.locked and _rank(self.permission(repo, actor)) < _rank("write"):
                raise SandboxError(403, "Unable to create comment because issue is locked.")
            if not body or not body.strip():
                raise validation_failed("IssueComment", "", "missing_field", "body")
            user = self.require_user(author)
            comment_id, node_id = self._new_id("IssueComment")
            now = iso_now()
            comment = IssueComment(
                id=comment_id,
                node_id=node_id,
                repo_id=repo.id,
                issue_number=issue.number,
                body=body,
                user=user.login,
                created_at=now,
                updated_at=now,
            )
            self.comments[comment_id] = comment
            issue.comment_ids.append(comment_id)
            issue.updated_at = now
            self._register(node_id, comment)
            self.touch()
            return comment

    def issue_comments(self, repo: Repository, issue: Issue, since: str | None = None) -> list[IssueComment]:
        with self.lock:
            found = [self.comments[cid] for cid in issue.comment_ids if cid in self.comments]
            return [comment for comment in found if not since or comment.updated_at >= since]

    def update_comment(self, repo: Repository, comment: IssueComment, body: str, actor: str | None) -> IssueComment:
        with self.lock:
            self.require_writable(repo)
            if actor is None or actor.lower() != comment.user.lower():
                self.require(repo, actor, "write")
            if not body or not body.strip():
                raise validation_failed("IssueComment", "", "missing_field", "body")
            comment.body = body
            comment.updated_at = iso_now()
            self.touch()
            return comment

    def delete_comment(self, repo: Repository, comment: IssueComment, actor: str | None) -> None:
        with self.lock:
            self.require_writable(repo)
            if actor is None or actor.lower() != comment.user.lower():
                self.require(repo, actor, "write")
            self.comments.pop(comment.id, None)
            self._nodes.pop(comment.node_id, None)
            issue = repo.issues.get(comment.issue_number)
            if issue is not None and comment.id in issue.comment_ids:
                issue.comment_ids.remove(comment.id)
            self.touch()

    def add_reaction(
        self, repo: Repository, subject: Issue | IssueComment, content: str, actor: str
    ) -> tuple[Reaction, bool]:
        """(reaction, created). An existing reaction of the same content by the same user is returned as is."""
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if content not in REACTION_CONTENTS:
                raise validation_failed("Reaction", "", "invalid", "content")
            user = self.require_user(actor)
            for reaction in subject.reactions:
                if reaction.content == content and reaction.user.lower() == user.login.lower():
                    return reaction, False
            reaction_id, node_id = self._new_id("Reaction")
            reaction = Reaction(id=reaction_id, node_id=node_id, content=content, user=user.login, created_at=iso_now())
            subject.reactions.append(reaction)
            self._register(node_id, reaction)
            self.touch()
            return reaction, True

    def remove_reaction(self, repo: Repository, subject: Issue | IssueComment, content: str, actor: str) -> bool:
        with self.lock:
            self.require_writable(repo)
            for reaction in subject.reactions:
                if reaction.content == content and reaction.user.lower() == actor.lower():
                    subject.reactions.remove(reaction)
                    self._nodes.pop(reaction.node_id, None)
                    self.touch()
                    return True
            return False

    # ---- branches (from git) ----------------------------------------------------------------------------------

    def refresh_branches(self, repo: Repository) -> None:
        """Re-read branch heads from the bare repository (after a push) and refresh open PRs' head SHAs."""
        if self.git is None:
            return
        branches = self.git.read_branches(repo)
        with self.lock:
            if branches != repo.branches:
                repo.branches = branches
                repo.pushed_at = iso_now()
            for other in self.repos.values():
                for issue in other.issues.values():
                    pull = issue.pull
                    if pull is None or issue.state != "open" or pull.head_repo_id != repo.id:
                        continue
                    sha = branches.get(pull.head_ref)
                    if sha is not None and sha != pull.head_sha:
                        pull.head_sha = sha
                        pull.base_sha = other.branches.get(pull.base_ref, pull.base_sha)
                        pull.commits = self.git.commits_ahead(other, pull.base_sha, repo, sha)
                        issue.updated_at = iso_now()
            self.touch()

    def push_files(
        self,
        repo: Repository,
        branch: str,
        files: dict[str, str],
        *,
        base: str | None = None,
        message: str = "Update files",
        author: str | None = None,
    ) -> str:
        """Commit files on `branch` (starting from `base` or the branch itself or the default branch)."""
        if self.git is None:
            raise RuntimeError("this sandbox has no git backend")
        with self.lock:
            start = base or (branch if branch in repo.branches else repo.default_branch)
            base_sha = repo.branches.get(start)
            if base_sha is None and start in repo.branches.values():
                base_sha = start
            user = self.require_user(author or repo.owner)
            sha = self.git.commit_files(repo, branch, files=files, base_sha=base_sha, message=message, author=user)
        self.refresh_branches(repo)
        return sha

    def delete_branch(self, repo: Repository, branch: str, actor: str | None) -> None:
        with self.lock:
            self.require(repo, actor, "write")
            self.require_writable(repo)
            if branch not in repo.branches:
                raise validation_failed("Reference", "Reference does not exist")
            if self.git is not None:
                self.git.delete_branch(repo, branch)
            repo.branches.pop(branch, None)
            self.touch()

    # ---- pull requests ----------------------------------------------------------------------------------------

    def resolve_head(self, repo: Repository, head: str) -> tuple[Repository, str]:
        """`branch` or `owner:branch` (a fork of the same network, or the repository itself)."""
        if ":" not in head:
            return repo, head
        owner, branch = head.split(":", 1)
        if owner.lower() == repo.owner.lower():
            return repo, branch
        root = self.root_repo(repo)
        for candidate in self.repos.values():
            if candidate.owner.lower() == owner.lower() and self.root_repo(candidate).id == root.id:
                return candidate, branch
        raise validation_failed("PullRequest", "", "invalid", "head")

    def open_pull(
        self,
        repo: Repository,
        *,
        title: str,
        head: str,
        base: str | None = None,
        body: str | None = None,
        draft: bool = False,
        author: str,
        actor: str | None = None,
        maintainer_can_modify: bool = False,
    ) -> Issue:
        with self.lock:
            self.require(repo, actor, "read")
            self.require_writable(repo)
            base_ref = base or repo.default_branch
            head_repo, head_ref = self.resolve_head(repo, head)
            if actor is not None and not self.can_see(head_repo, actor):
                raise validation_failed("PullRequest", "", "invalid", "head")
            if not title or not title.strip():
                raise validation_failed("PullRequest", "", "missing_field", "title")
            if base_ref not in repo.branches:
                raise validation_failed("PullRequest", "", "invalid", "base")
            if head_ref not in head_repo.branches:
                raise validation_failed("PullRequest", "", "invalid", "head")
            head_label = f"{head_repo.owner}:{head_ref}"
            for other in repo.issues.values():
                pull = other.pull
                if (
                    pull is not None
                    and other.state == "open"
                    and pull.head_repo_id == head_repo.id
                    and pull.head_ref == head_ref
                    and pull.base_ref == base_ref
                ):
                    raise validation_failed("PullRequest", f"A pull request already exists for {head_label}.")
            head_sha = head_repo.branches[head_ref]
            base_sha = repo.branches[base_ref]
            ahead = self.git.commits_ahead(repo, base_sha, head_repo, head_sha) if self.git is not None else 1
            if ahead == 0:
                raise validation_failed("PullRequest", f"No commits between {base_ref} and {head_ref}")
            user = self.require_user(author)
            issue = self._new_issue(repo, title, body, user.login)
            pull_id, pull_node_id = self._new_id("PullRequest")
            issue.node_id = pull_node_id  # a PR's global id is its PullRequest id, not an Issue id
            issue.pull = PullRequest(
                id=pull_id,
                node_id=pull_node_id,
                head_repo_id=head_repo.id,
                head_ref=head_ref,
                head_sha=head_sha,
                base_ref=base_ref,
                base_sha=base_sha,
                draft=draft,
                maintainer_can_modify=maintainer_can_modify,
                commits=ahead,
            )
            self._register(pull_node_id, issue)
            self._relink(repo, issue, user.login)
            self.touch()
            return issue

    def update_pull(
        self,
        repo: Repository,
        issue: Issue,
        actor: str | None,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        base: str | None = None,
        set_body: bool = False,
    ) -> Issue:
        with self.lock:
            pull = self._pull_of(issue)
            self.require_writable(repo)
            if actor is None or actor.lower() != issue.user.lower():
                self.require(repo, actor, "write")
            if base is not None and base != pull.base_ref:
                if base not in repo.branches:
                    raise validation_failed("PullRequest", "", "invalid", "base")
                pull.base_ref = base
                pull.base_sha = repo.branches[base]
                self._relink(repo, issue, actor)
            if (
                state == "open"
                and issue.state == "closed"
                and pull.head_ref not in self.repos[pull.head_repo_id].branches
            ):
                raise validation_failed("PullRequest", "state cannot be changed. The head branch was deleted.")
            self.update_issue(repo, issue, actor, title=title, body=body, state=state, set_body=set_body)
            return issue

    def set_draft(self, repo: Repository, issue: Issue, draft: bool, actor: str | None) -> Issue:
        """GraphQL's markPullRequestReadyForReview / convertPullRequestToDraft (REST cannot change it)."""
        with self.lock:
            pull = self._pull_of(issue)
            self.require_writable(repo)
            if actor is None or actor.lower() != issue.user.lower():
                self.require(repo, actor, "write")
            if issue.state != "open":
                raise SandboxError(422, "Pull request is closed")
            if pull.draft != draft:
                pull.draft = draft
                self._event(issue, "convert_to_draft" if draft else "ready_for_review", actor)
                issue.updated_at = iso_now()
                self.touch()
            return issue

    def merge_pull(
        self, repo: Repository, issue: Issue, actor: str | None, *, commit_message: str | None = None
    ) -> Issue:
        """Merge (fast-forward or merge commit) and close the issues the PR links, as GitHub does."""
        with self.lock:
            pull = self._pull_of(issue)
            self.require(repo, actor, "write")
            self.require_writable(repo)
            if issue.state != "open":
                raise SandboxError(405, "Pull Request is not mergeable")
            if pull.draft:
                raise SandboxError(405, "Pull Request is still a draft")
            merger = self.require_user(actor or repo.owner)
            head_repo = self.repos[pull.head_repo_id]
            if self.git is not None:
                message = commit_message or f"Merge pull request #{issue.number} from {head_repo.owner}/{pull.head_ref}"
                sha = self.git.merge(
                    repo, pull.base_ref, head=head_repo, head_sha=pull.head_sha, message=message, author=merger
                )
                repo.branches[pull.base_ref] = sha
            else:
                sha = pull.head_sha
            now = iso_now()
            pull.merged = True
            pull.merged_at = now
            pull.merged_by = merger.login
            pull.merge_commit_sha = sha
            self._event(issue, "merged", merger.login, commit_id=sha)
            self._close(issue, merger.login, None)
            if pull.base_ref == repo.default_branch:
                for _target_repo, target in self.closing_issues(issue):
                    if target.state == "open":
                        self._close(target, merger.login, "completed")
                        target.events[-1].commit_id = sha
                        target.updated_at = now
            self.touch()
            return issue

    def _pull_of(self, issue: Issue) -> PullRequest:
        if issue.pull is None:
            raise not_found()
        return issue.pull

    # ---- closing-keyword links --------------------------------------------------------------------------------

    def _resolve_reference(self, reference: IssueReference) -> Repository | None:
        return self.find_repo(reference.owner, reference.repo) or self.renamed_repo(reference.owner, reference.repo)

    def _relink(self, repo: Repository, issue: Issue, actor: str | None) -> None:
        """Recompute a PR's closing references from its body; GitHub does this on every body/base edit."""
        pull = issue.pull
        if pull is None:
            return
        links: list[tuple[int, int]] = []
        if pull.base_ref == repo.default_branch:
            for reference in closing_references(issue.body, repo.owner, repo.name):
                target_repo = self._resolve_reference(reference)
                if target_repo is None or reference.number not in target_repo.issues:
                    continue
                if target_repo.issues[reference.number].pull is not None:
                    continue  # a PR cannot close another PR
                if (target_repo.id, reference.number) not in links:
                    links.append((target_repo.id, reference.number))
        pull.closing_refs = links
        # Any mention (keyword or not) leaves a cross-reference on the mentioned issue's timeline, once.
        for reference in mentions(issue.body, repo.owner, repo.name):
            target_repo = self._resolve_reference(reference)
            if target_repo is None:
                continue
            target = target_repo.issues.get(reference.number)
            if target is None or target is issue:
                continue
            already = any(
                event.event == "cross-referenced"
                and event.source_repo_id == repo.id
                and event.source_number == issue.number
                for event in target.events
            )
            if not already:
                self._event(target, "cross-referenced", actor, source_repo_id=repo.id, source_number=issue.number)

    def _relink_all(self) -> None:
        for repo in self.repos.values():
            for issue in repo.issues.values():
                if issue.pull is not None:
                    self._relink(repo, issue, None)

    def closing_issues(self, pull_issue: Issue) -> list[tuple[Repository, Issue]]:
        """GraphQL `PullRequest.closingIssuesReferences`: the issues this PR closes when merged."""
        with self.lock:
            if pull_issue.pull is None:
                return []
            found = []
            for repo_id, number in pull_issue.pull.closing_refs:
                repo = self.repos.get(repo_id)
                if repo is not None and number in repo.issues:
                    found.append((repo, repo.issues[number]))
            return found

    def closed_by_pulls(
        self, repo: Repository, issue: Issue, *, include_closed: bool = False
    ) -> list[tuple[Repository, Issue]]:
        """GraphQL `Issue.closedByPullRequestsReferences`: PRs (any repo, forks included, drafts included) whose
        body closes this issue. Without include_closed, closed-unmerged PRs are hidden but merged ones are kept
        (GitHub's observed behaviour). Ordered by PR creation."""
        with self.lock:
            found = []
            for other in self.repos.values():
                for candidate in other.issues.values():
                    pull = candidate.pull
                    if pull is None or (repo.id, issue.number) not in pull.closing_refs:
                        continue
                    if not include_closed and candidate.state == "closed" and not pull.merged:
                        continue
                    found.append((other, candidate))
            found.sort(key=lambda pair: pair[1].id)
            return found

    def pull_state(self, issue: Issue) -> str:
        """OPEN / CLOSED / MERGED, GraphQL's PullRequestState."""
        if issue.pull is not None and issue.pull.merged:
            return "MERGED"
        return issue.state.upper()

    def list_pulls(
        self,
        repo: Repository,
        *,
        state: str = "open",
        head: str | None = None,
        base: str | None = None,
        sort: str = "created",
        direction: str = "desc",
    ) -> list[Issue]:
        with self.lock:
            head_repo_id: int | None = None
            head_ref: str | None = None
            if head:
                owner, _, branch = head.partition(":")
                if not branch:
                    return []  # GitHub requires owner:branch and otherwise matches nothing
                head_ref = branch
                for candidate in self.repos.values():
                    if (
                        candidate.owner.lower() == owner.lower()
                        and self.root_repo(candidate).id == self.root_repo(repo).id
                    ):
                        head_repo_id = candidate.id
                        break
                if head_repo_id is None:
                    return []
            found = []
            for issue in repo.issues.values():
                pull = issue.pull
                if pull is None:
                    continue
                if state not in ("all", issue.state):
                    continue
                if head_ref is not None and (pull.head_ref != head_ref or pull.head_repo_id != head_repo_id):
                    continue
                if base and pull.base_ref != base:
                    continue
                found.append(issue)
            key = "updated_at" if sort == "updated" else "created_at"
            found.sort(key=lambda item: (getattr(item, key), item.number), reverse=direction != "asc")
            return found

    # ---- search -----------------------------------------------------------------------------------------------

    def all_issues(self, login: str | None) -> Iterator[tuple[Repository, Issue]]:
        """Every issue and PR the user can see (search scope)."""
        for repo in list(self.repos.values()):
            if self.can_see(repo, login):
                for issue in list(repo.issues.values()):
                    yield repo, issue


def now_epoch() -> int:
    return int(time.time())
