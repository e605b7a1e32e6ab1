"""Personal tokens' limits: classic and OAuth App scopes, fine-grained permissions (plain data, as `model`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from symphony_bot.sandbox.state.model import ACCESS_LEVELS, Repository

CLASSIC, FINE_GRAINED, OAUTH = "classic", "fine-grained", "oauth"
PERSONAL_TOKEN_KINDS = (CLASSIC, FINE_GRAINED, OAUTH)
CLASSIC_SCOPES = ("repo", "public_repo", "workflow")  # the scopes the sandbox models (others are ignored)
FULL_CLASSIC_SCOPES = ("repo", "workflow")  # a token registered without scopes: everything the bot could use


@dataclass
class PersonalToken:
    """A personal token's limits: a classic (`ghp_`) or OAuth App (`gho_`) token's scopes, or a fine-grained
    (`github_pat_`) token's permissions (app_permissions format) on `repository_ids` (None: all its user's).
    It never widens its user's role; it only narrows it."""

    token: str
    kind: str = CLASSIC
    scopes: tuple[str, ...] = FULL_CLASSIC_SCOPES
    permissions: dict[str, str] = field(default_factory=dict)
    repository_ids: list[int] | None = None
    actions: bool = False  # never the Actions token (app_permissions.check reads it)

    def level(self, scope: str) -> str:
        return self.permissions.get(scope, "none")

    def allows(self, scopes: tuple[str, ...], level: str) -> bool:
        wanted = ACCESS_LEVELS.index(level)
        return any(ACCESS_LEVELS.index(self.level(scope)) >= wanted for scope in scopes)

    def covers(self, repo: Repository) -> bool:
        return self.repository_ids is None or repo.id in self.repository_ids

    def may_change_workflows(self) -> bool:
        if self.kind == FINE_GRAINED:
            return self.level("workflows") == "write"
        return "workflow" in self.scopes

    def classic_reaches(self, repo: Repository) -> bool:
        """A classic/OAuth token's `repo` scope reaches every repository its user may; `public_repo` public ones."""
        return "repo" in self.scopes or (not repo.private and "public_repo" in self.scopes)
