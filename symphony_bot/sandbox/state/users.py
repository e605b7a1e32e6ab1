"""Users, tokens and permissions: the base of the state (it also owns the stores and the lock)."""

from __future__ import annotations

import threading
from typing import Any

from symphony_bot.sandbox.faults import RateLimits
from symphony_bot.sandbox.state.model import (
    BOT_SUFFIX,
    INSTALLATION_PERMISSIONS_FALSE,
    INSTALLATION_TOKEN_LIFETIME_SECONDS,
    MESSAGE_ARCHIVED,
    MESSAGE_NO_PUSH,
    NODE_PREFIX,
    USER_TYPES,
    GitBackend,
    InstallationToken,
    IssueComment,
    Repository,
    SandboxError,
    User,
    app_permissions,
    iso_in,
    make_node_id,
    not_found,
    rank,
)
from symphony_bot.sandbox.state.personal_tokens import PersonalToken


class UserStore:
    """Ids, global nodes, users and tokens, and who may do what on a repository (GitHub's roles)."""

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
        self.installation_tokens: dict[str, InstallationToken] = {}  # token -> grant (the user is its bot)
        self.personal_tokens: dict[str, PersonalToken] = {}  # token -> its scopes or fine-grained permissions
        self.installation_repo_permissions = INSTALLATION_PERMISSIONS_FALSE  # see model.INSTALLATION_PERMISSIONS_*
        self.graphql_rate_limit_shape = "RATE_LIMIT"  # or "RATE_LIMITED": faults.rate_limit_error

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
        if key.endswith(BOT_SUFFIX) and any(
            grant.covers(repo) for grant in self.installation_tokens.values() if grant.login.lower() == key
        ):
            # An installed app may act on the repositories it covers; what exactly is its token's permissions',
            # checked by the front ends against the token actually used (`grant_for`).
            return "write"
        return "none" if repo.private else "read"

    def acts_for_installation(self, login: str) -> bool:
        """Whether `login` is an installed app's bot (an App installation token or the Actions `GITHUB_TOKEN`)."""
        key = login.lower()
        grants = self.installation_tokens.values()
        return key.endswith(BOT_SUFFIX) and any(grant.login.lower() == key for grant in grants)

    def personal_token(self, token: str | None) -> PersonalToken | None:
        """A personal token's limits (None: an installation token or unknown). Tokens registered without any are
        classic tokens with `repo` and `workflow`."""
        if token is None or token in self.installation_tokens or token not in self.tokens:
            return None
        return self.personal_tokens.get(token) or PersonalToken(token)

    def grant_for(self, token: str | None) -> InstallationToken | None:
        """The installation grant behind a token, or None for a personal token (classic or fine-grained)."""
        return self.installation_tokens.get(token) if token else None

    def add_installation_token(
        self,
        token: str,
        *,
        app: str,
        account: str,
        permissions: dict[str, str] | None = None,
        repositories: list[Repository] | None = None,
        actions: bool = False,
        installation_id: int | None = None,
    ) -> InstallationToken:
        """Issue `token` for app `app` installed on `account`: a `{app}[bot]` user (type Bot) that acts with
        `permissions` on `repositories` (None: all of the account's)."""
        with self.lock:
            self.add_user(f"{app}{BOT_SUFFIX}", [token], "Bot")
            if installation_id is None:
                installation_id = (
                    next(
                        (
                            g.installation_id
                            for g in self.installation_tokens.values()
                            if g.app == app and g.account == account
                        ),
                        None,
                    )
                    or self._new_id("Installation")[0]
                )
            grant = InstallationToken(
                token=token,
                app=app,
                installation_id=installation_id,
                account=account,
                permissions=app_permissions(permissions),
                repository_ids=None if repositories is None else [repo.id for repo in repositories],
                actions=actions,
                expires_at=iso_in(INSTALLATION_TOKEN_LIFETIME_SECONDS),
            )
            if actions:
                grant.permissions["workflows"] = "none"  # a GITHUB_TOKEN never has it (no such `permissions:` key)
            self.installation_tokens[token] = grant
            self.touch()
            return grant

    def granted_role(self, repo: Repository, login: str) -> str:
        """The role GitHub *grants* `login` on `repo` (owner: admin; a collaborator: their role; else none).
        Unlike `permission`, reading a public repository is not a grant: the collaborator-permission endpoint
        answers `none` for a non-collaborator or a bot there, as measured on GitHub."""
        if repo.owner.lower() == login.lower():
            return "admin"
        return repo.collaborators.get(login.lower(), "none")

    def can_see(self, repo: Repository, login: str | None) -> bool:
        return self.permission(repo, login) != "none"

    def require(self, repo: Repository, login: str | None, level: str, message: str = MESSAGE_NO_PUSH) -> None:
        if login is None:
            return
        if not self.can_see(repo, login):
            raise not_found()
        if rank(self.permission(repo, login)) < rank(level):
            raise SandboxError(403, message)

    def require_writable(self, repo: Repository) -> None:
        if repo.archived:
            raise SandboxError(403, MESSAGE_ARCHIVED)
