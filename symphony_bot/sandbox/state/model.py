"""The sandbox's GitHub objects (users, repositories, issues, pull requests, comments, reactions, events), their
errors, and the `GitBackend` the state needs from git. Plain data: the rules live in the stores beside this module.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

PERMISSION_LEVELS = ("none", "read", "triage", "write", "maintain", "admin")
REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
USER_TYPES = ("User", "Bot", "Organization")
ISSUE_STATES = ("open", "closed")
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")
DEFAULT_LABEL_COLOR = "ededed"
LOCK_REASONS = ("off-topic", "too heated", "resolved", "spam")

MESSAGE_NOT_FOUND = "Not Found"
MESSAGE_ARCHIVED = "Repository was archived so is read-only."
MESSAGE_NO_PUSH = "Must have push access to repository"
MESSAGE_NO_ADMIN = "Must have admin rights to Repository."
MESSAGE_VALIDATION = "Validation Failed"
MESSAGE_LOCKED = "Unable to create comment because issue is locked."
MESSAGE_DRAFTS_UNSUPPORTED = "Draft pull requests are not supported in this repository."
# An account's plan: draft pull requests on private repositories need a paid one (GitHub Pro, Team...).
PLANS = ("free", "pro", "team", "enterprise")
FREE_PLAN = "free"
MAX_TITLE_CHARS = 256
MAX_BODY_CHARS = 65_536
MESSAGE_TITLE_TOO_LONG = f"title is too long (maximum is {MAX_TITLE_CHARS} characters)"
MESSAGE_BODY_TOO_LONG = f"body is too long (maximum is {MAX_BODY_CHARS} characters)"
MESSAGE_COMMENT_TOO_LONG = f"Body is too long (maximum is {MAX_BODY_CHARS} characters)"

# What a GitHub App installation token (or the Actions GITHUB_TOKEN) may do: one access level per scope, as
# GitHub's installation permissions and a workflow's `permissions:` block name them; unspecified = none.
APP_SCOPES = ("actions", "contents", "issues", "metadata", "pull_requests", "workflows")
ACCESS_LEVELS = ("none", "read", "write")
ACTIONS_APP = "github-actions"
BOT_SUFFIX = "[bot]"
INSTALLATION_TOKEN_LIFETIME_SECONDS = 3600
INSTALLATION_TOKEN_PREFIX = "ghs_"  # noqa: S105 - the prefix GitHub gives installation tokens, not a secret
MESSAGE_NOT_ACCESSIBLE = "Resource not accessible by integration"
MESSAGE_ACTIONS_CANNOT_CREATE_PULLS = "GitHub Actions is not permitted to create or approve pull requests."
# How `GET /repos/{o}/{r}` describes an installation token's access: every flag false (semantic-release/github#182)
# or no `permissions` object at all; never the token's real grant.
INSTALLATION_PERMISSIONS_FALSE = "all-false"
INSTALLATION_PERMISSIONS_ABSENT = "absent"
INSTALLATION_PERMISSIONS_SHAPES = (INSTALLATION_PERMISSIONS_FALSE, INSTALLATION_PERMISSIONS_ABSENT)

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


def check_lengths(resource: str, actor: str | None, *, title: str | None = None, body: str | None = None) -> None:
    """GitHub's 422s for a title over 256 characters or a body over 65,536 (issues, PRs, comments). GitHub's
    measured cap is 262,144 UTF-8 bytes, but its message names 65,536 characters and that is the budget a client
    can rely on, so the sandbox holds API callers to it. The operator (actor None: tests, seed files) is exempt, so
    a test can still build the hostile world a client must survive."""
    if actor is None:
        return
    if title is not None and len(title) > MAX_TITLE_CHARS:
        raise validation_failed(resource, MESSAGE_TITLE_TOO_LONG, "custom", "title")
    if body is not None and len(body) > MAX_BODY_CHARS:
        if resource == "IssueComment":
            raise validation_failed(resource, MESSAGE_COMMENT_TOO_LONG, "unprocessable", "data")
        raise validation_failed(resource, MESSAGE_BODY_TOO_LONG, "custom", "body")


def validation_failed(resource: str, message: str, code: str = "custom", field_name: str | None = None) -> SandboxError:
    error: dict[str, Any] = {"resource": resource, "code": code}
    if field_name:
        error["field"] = field_name
    if message:
        error["message"] = message
    return SandboxError(422, MESSAGE_VALIDATION, [error])


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


REF_FORBIDDEN_CHARACTERS = frozenset(" ~^:?*[\\\x7f")


def is_valid_ref_name(ref: str) -> bool:
    """`git check-ref-format` for a full ref name (`refs/heads/...`), which GitHub applies before writing it."""
    if not ref or ref.endswith(("/", ".")) or ref == "@" or "@{" in ref or ".." in ref or "//" in ref:
        return False
    if any(ord(character) < 32 or character in REF_FORBIDDEN_CHARACTERS for character in ref):
        return False
    return all(part and not part.startswith(".") and not part.endswith(".lock") for part in ref.split("/"))


def iso_in(seconds: int) -> str:
    return datetime.fromtimestamp(time.time() + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as GitHub accepts it (`Z`, `+02:00`, fractions, a bare date), in UTC; None if unreadable."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def updated_since(updated_at: str, since: str | None) -> bool:
    """GitHub's `since` filter: updated at or after `since`, compared as times (an unreadable `since` filters
    nothing). Text comparison would find nothing for `...+02:00` and everything for a bare date."""
    wanted = parse_time(since)
    stamp = parse_time(updated_at)
    return wanted is None or stamp is None or stamp >= wanted


def now_epoch() -> int:
    return int(time.time())


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
    "UserContentEdit": "UCE",
    "Installation": "IN",
    "WorkflowRun": "WFR",
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
    plan: str = FREE_PLAN  # what new GitHub accounts and organisations start on


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
class ContentEdit:
    """One version of an issue body in its edit history (GraphQL `UserContentEdit`; state/body_edits.py)."""

    id: int
    node_id: str
    editor: str | None
    edited_at: str


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
    minimized_reason: str | None = None  # abuse, off-topic, outdated, resolved, duplicate, spam


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
    # "base_sha:head_sha" whose mergeability GitHub has computed: it starts the computation on a read and answers
    # `mergeable: null` until it is done ("The value of the mergeable attribute can be true, false, or null. If
    # the value is null, then GitHub has started a background job to compute the mergeability",
    # https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request).
    mergeability_of: str | None = None

    @property
    def mergeability_key(self) -> str:
        return f"{self.base_sha}:{self.head_sha}"


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
    lock_reason: str | None = None
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)
    closed_at: str | None = None
    closed_by: str | None = None
    comment_ids: list[int] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    pull: PullRequest | None = None
    body_edits: list[ContentEdit] = field(default_factory=list)  # oldest first; empty until the first edit

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
    # Settings > Actions > General: "Allow GitHub Actions to create and approve pull requests" (off by default).
    actions_can_create_pulls: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def label(self, name: str) -> Label | None:
        return self.labels.get(name.lower())


@dataclass(frozen=True)
class ChangedFile:
    """One file of a diff, as GitHub's diff-entry names it (status added / removed / modified / renamed)."""

    filename: str
    status: str
    additions: int
    deletions: int
    sha: str  # the blob on the new side (the old side for a removed file)
    previous_filename: str | None = None


@dataclass(frozen=True)
class Comparison:
    """`head` against `base` as GitHub compares them: the merge base, head's commits that base lacks (oldest
    first), how far base is ahead of head, and the files changed since the merge base (three-dot diff)."""

    merge_base: str
    commits: list[str]
    behind_by: int
    files: list[ChangedFile]


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

    def compare(self, base: Repository, base_sha: str, head: Repository, head_sha: str) -> Comparison: ...

    def commit_info(self, repo: Repository, sha: str) -> dict[str, Any] | None:
        """Tree, parents, author/committer and `message` of a commit (None when it does not exist)."""
        ...


def rank(permission: str) -> int:
    return PERMISSION_LEVELS.index(permission)


def app_permissions(permissions: dict[str, str] | None) -> dict[str, str]:
    """A permission set as GitHub stores it: `pull-requests` spelled `pull_requests`, unspecified scopes `none`,
    `metadata` at least `read` (GitHub grants it to every installation token)."""
    normalised = dict.fromkeys(APP_SCOPES, "none")
    for scope, level in (permissions or {}).items():
        key = scope.replace("-", "_")
        if key not in APP_SCOPES:
            raise ValueError(f"unknown permission {scope!r}: use one of {', '.join(APP_SCOPES)}")
        if level not in ACCESS_LEVELS:
            raise ValueError(f"permission {scope!r} must be one of {', '.join(ACCESS_LEVELS)}, not {level!r}")
        normalised[key] = level
    if normalised["metadata"] == "none":
        normalised["metadata"] = "read"
    return normalised


@dataclass
class InstallationToken:
    """A GitHub App installation token, or the Actions `GITHUB_TOKEN` (`actions=True`, the `github-actions` app,
    one repository). It acts as the bot user `{app}[bot]` and may do what `permissions` allow on the repositories
    it covers: `repository_ids`, or every repository of `account` when that is None."""

    token: str
    app: str
    installation_id: int
    account: str
    permissions: dict[str, str] = field(default_factory=dict)
    repository_ids: list[int] | None = None
    actions: bool = False
    expires_at: str = ""

    @property
    def login(self) -> str:
        return f"{self.app}{BOT_SUFFIX}"

    def level(self, scope: str) -> str:
        return self.permissions.get(scope, "none")

    def allows(self, scopes: tuple[str, ...], level: str) -> bool:
        """Whether any of `scopes` is granted at `level` or above (GitHub accepts e.g. issues OR pull_requests)."""
        wanted = ACCESS_LEVELS.index(level)
        return any(ACCESS_LEVELS.index(self.level(scope)) >= wanted for scope in scopes)

    def covers(self, repo: Repository) -> bool:
        if self.repository_ids is not None:
            return repo.id in self.repository_ids
        return repo.owner.lower() == self.account.lower()
