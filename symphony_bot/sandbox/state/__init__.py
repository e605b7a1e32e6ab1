"""The sandbox's in-memory GitHub: users, repositories, issues, pull requests, comments, reactions, events.

One `SandboxState` is shared by the REST routes, the GraphQL resolvers and the Python API. Every mutation goes
through a method of it, holding `state.lock` (re-entrant), so the three front ends agree on GitHub's rules:
permissions, archived repositories, issue numbers shared by issues and PRs, closing-keyword links (recomputed
whenever a PR body or base changes), merges closing linked issues, timeline events with their actor.

`SandboxState` is built from one store per resource, each a module of this package: `users` (ids, tokens,
permissions; it owns the data and the lock), `repositories` (repositories and git refs), `issues` (issues,
comments, labels, reactions), `pulls` (pull requests and closing-keyword links) and `actions` (apps, installations,
workflow runs). A store reaches the ones
below it directly and the ones above it only through named hooks (`_body_changed`, `_branches_moved`,
`_default_branch_changed`). The objects themselves are plain data in `model`.

Methods raise `SandboxError(status, message, errors)`; REST turns it into GitHub's error body, GraphQL into an
`errors` entry. An `actor` of None is the sandbox operator (tests, seed files): it may do anything.
Git itself (bare repositories, commits, merges) lives behind the `GitBackend` protocol (see git_remote.py), so
this package stays free of subprocesses.
"""

from __future__ import annotations

from symphony_bot.sandbox.state.actions import WORKFLOWS_DIRECTORY, ActionsStore, App, Installation, WorkflowRun
from symphony_bot.sandbox.state.model import (
    ACCESS_LEVELS,
    ACTIONS_APP,
    ANONYMOUS,
    APP_SCOPES,
    BOT_SUFFIX,
    DEFAULT_LABEL_COLOR,
    INSTALLATION_PERMISSIONS_ABSENT,
    INSTALLATION_PERMISSIONS_FALSE,
    INSTALLATION_PERMISSIONS_SHAPES,
    ISSUE_STATES,
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    MESSAGE_ACTIONS_CANNOT_CREATE_PULLS,
    MESSAGE_ARCHIVED,
    MESSAGE_DRAFTS_UNSUPPORTED,
    MESSAGE_LOCKED,
    MESSAGE_NO_ADMIN,
    MESSAGE_NO_PUSH,
    MESSAGE_NOT_ACCESSIBLE,
    MESSAGE_NOT_FOUND,
    MESSAGE_VALIDATION,
    NODE_PREFIX,
    PERMISSION_LEVELS,
    PLANS,
    REACTION_CONTENTS,
    STATE_REASONS,
    USER_TYPES,
    ChangedFile,
    Comparison,
    ContentEdit,
    GitBackend,
    InstallationToken,
    Issue,
    IssueComment,
    IssueEvent,
    Label,
    Permission,
    PullRequest,
    Reaction,
    Repository,
    SandboxError,
    User,
    app_permissions,
    check_lengths,
    is_valid_ref_name,
    iso_now,
    make_node_id,
    not_found,
    now_epoch,
    parse_time,
    rank,
    updated_since,
    validation_failed,
)
from symphony_bot.sandbox.state.personal_tokens import CLASSIC, FINE_GRAINED, OAUTH, PersonalToken
from symphony_bot.sandbox.state.reviews import ReviewStore

__all__ = [
    "ACCESS_LEVELS",
    "ACTIONS_APP",
    "ANONYMOUS",
    "APP_SCOPES",
    "BOT_SUFFIX",
    "CLASSIC",
    "DEFAULT_LABEL_COLOR",
    "FINE_GRAINED",
    "INSTALLATION_PERMISSIONS_ABSENT",
    "INSTALLATION_PERMISSIONS_FALSE",
    "INSTALLATION_PERMISSIONS_SHAPES",
    "ISSUE_STATES",
    "MAX_BODY_CHARS",
    "MAX_TITLE_CHARS",
    "MESSAGE_ACTIONS_CANNOT_CREATE_PULLS",
    "MESSAGE_ARCHIVED",
    "MESSAGE_DRAFTS_UNSUPPORTED",
    "MESSAGE_LOCKED",
    "MESSAGE_NOT_ACCESSIBLE",
    "MESSAGE_NOT_FOUND",
    "MESSAGE_NO_ADMIN",
    "MESSAGE_NO_PUSH",
    "MESSAGE_VALIDATION",
    "NODE_PREFIX",
    "OAUTH",
    "PERMISSION_LEVELS",
    "PLANS",
    "REACTION_CONTENTS",
    "STATE_REASONS",
    "USER_TYPES",
    "WORKFLOWS_DIRECTORY",
    "App",
    "ChangedFile",
    "Comparison",
    "ContentEdit",
    "GitBackend",
    "Installation",
    "InstallationToken",
    "Issue",
    "IssueComment",
    "IssueEvent",
    "Label",
    "Permission",
    "PersonalToken",
    "PullRequest",
    "Reaction",
    "Repository",
    "SandboxError",
    "SandboxState",
    "User",
    "WorkflowRun",
    "app_permissions",
    "check_lengths",
    "is_valid_ref_name",
    "iso_now",
    "make_node_id",
    "not_found",
    "now_epoch",
    "parse_time",
    "rank",
    "updated_since",
    "validation_failed",
]


class SandboxState(ActionsStore, ReviewStore):
    """All of the sandbox's GitHub. Hold `lock` for multi-step reads; every mutating method takes it itself."""
