"""The `Sandbox` operator's switches for how GitHub answers: settings a repository, an owner or github.com
itself has, each defaulting to what github.com does (python_api.Sandbox inherits them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from symphony_bot.sandbox.state import Repository, SandboxState


class SandboxSettings:
    """Mixed into `Sandbox`: `state` and `_repo` come from it."""

    state: SandboxState

    def _repo(self, owner: str, repo: str) -> Repository:  # pragma: no cover - Sandbox defines it
        raise NotImplementedError

    def set_installation_repo_permissions(self, shape: str) -> None:
        """How `GET /repos/{o}/{r}` describes an installation token's access: "all-false" (the default: every
        flag false, as recorded in semantic-release/github#182) or "absent" (no `permissions` object). Never the
        token's real grant, on GitHub either."""
        from symphony_bot.sandbox.state import INSTALLATION_PERMISSIONS_SHAPES

        if shape not in INSTALLATION_PERMISSIONS_SHAPES:
            raise ValueError(f"shape must be one of {INSTALLATION_PERMISSIONS_SHAPES}, not {shape!r}")
        with self.state.lock:
            self.state.installation_repo_permissions = shape
            self.state.touch()

    def set_plan(self, login: str, plan: str) -> None:
        """The GitHub plan of a user or organisation: "free" (the default, as for new accounts), "pro", "team" or
        "enterprise". On Free, private repositories refuse draft pull requests (422 "Draft pull requests are not
        supported in this repository.")."""
        from symphony_bot.sandbox.state import PLANS

        if plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}, not {plan!r}")
        with self.state.lock:
            self.state.require_user(login).plan = plan
            self.state.touch()

    def add_personal_token(
        self,
        login: str,
        token: str,
        *,
        scopes: list[str] | None = None,
        permissions: dict[str, str] | None = None,
        repositories: list[str] | None = None,
    ) -> None:
        """A personal token of `login` with GitHub's limits. Its kind follows its prefix, as GitHub's do:
        `github_pat_` fine-grained (`permissions` such as {"contents": "write", "workflows": "write"}, on
        `repositories` "owner/name", None: all), `gho_` an OAuth App's, anything else classic (`scopes` among
        repo, public_repo, workflow). Without `workflow` (or Workflows write) pushes touching
        `.github/workflows/` are refused with GitHub's text. Tokens added by `add_user` have repo and workflow."""
        from symphony_bot.sandbox.state import CLASSIC, FINE_GRAINED, OAUTH, PersonalToken, app_permissions

        kind = FINE_GRAINED if token.startswith("github_pat_") else OAUTH if token.startswith("gho_") else CLASSIC
        scoped = None if repositories is None else [self._repo(*name.split("/", 1)).id for name in repositories]
        limits = PersonalToken(token, kind, repository_ids=scoped)
        if kind == FINE_GRAINED:
            limits.permissions = app_permissions(permissions)
            limits.scopes = ()
        elif scopes is not None:
            limits.scopes = tuple(scopes)
        with self.state.lock:
            self.state.add_user(login, [token])
            self.state.personal_tokens[token] = limits
            self.state.touch()

    def set_graphql_rate_limit_shape(self, shape: str) -> None:
        """How a spent GraphQL budget is answered: "RATE_LIMIT" (type RATE_LIMIT, code graphql_rate_limit, as a 2026
        report shows: yanyongyu/githubkit#271; the default) or "RATE_LIMITED" (github/docs#22607)."""
        if shape not in ("RATE_LIMIT", "RATE_LIMITED"):
            raise ValueError(f"shape must be RATE_LIMIT or RATE_LIMITED, not {shape!r}")
        with self.state.lock:
            self.state.graphql_rate_limit_shape = shape
