"""What a GitHub App installation token (or the Actions `GITHUB_TOKEN`) needs for each operation (REST routes,
GraphQL mutations and git pushes share these rules).

Each route in the routing table names an `AppPermission`: the scopes of which any one will do (GitHub accepts
`issues` or `pull_requests` for comments and labels) and the level. Personal tokens (classic or fine-grained)
are not checked here: their user's role decides, in the state. For an installation token, `check` refuses as
GitHub does: 403 "Resource not accessible by integration" for a write it lacks or for a repository outside its
installation, 404 for a private repository it cannot see. Reads of public repositories are always allowed, as
they are for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from symphony_bot.sandbox.state import (
    MESSAGE_ACTIONS_CANNOT_CREATE_PULLS,
    MESSAGE_NOT_ACCESSIBLE,
    InstallationToken,
    Repository,
    SandboxError,
    not_found,
)


@dataclass(frozen=True)
class AppPermission:
    scopes: tuple[str, ...]  # any one of them; empty: never granted to an installation token
    level: str = "read"
    creates_pull: bool = False  # also gated by the repository's "Allow GitHub Actions to create ... PRs"


PUBLIC = None  # public data (a user, the rate limit, search): any token
USER_ONLY = AppPermission(())  # the authenticated *user*: refused for installation tokens
ADMINISTRATION = AppPermission((), "write")  # administration is not modelled: refused for installation tokens
METADATA = AppPermission(("metadata",))
CONTENTS_READ = AppPermission(("contents",))
CONTENTS_WRITE = AppPermission(("contents",), "write")
ISSUES_READ = AppPermission(("issues", "pull_requests"))
ISSUES_WRITE = AppPermission(("issues", "pull_requests"), "write")
ISSUES_ONLY_WRITE = AppPermission(("issues",), "write")  # creating an issue needs `issues` itself
PULLS_READ = AppPermission(("pull_requests",))
PULLS_WRITE = AppPermission(("pull_requests",), "write")
PULLS_CREATE = AppPermission(("pull_requests",), "write", creates_pull=True)
APP_JWT = None  # authenticated by the App's JWT, checked by the handler
ACTIONS_READ = AppPermission(("actions",))
ACTIONS_WRITE = AppPermission(("actions",), "write")


def check(grant: InstallationToken | None, needs: AppPermission | None, repo: Repository | None) -> None:
    """Raise GitHub's refusal if `grant` (an installation token; None: a personal token) may not do this."""
    if grant is None or needs is None:
        return
    if not needs.scopes:
        raise SandboxError(403, MESSAGE_NOT_ACCESSIBLE)
    if repo is None:
        return  # the handler answers the missing repository as GitHub does
    reading = needs.level == "read"
    if not grant.covers(repo):
        if repo.private:
            raise not_found()
        if reading:
            return
        raise SandboxError(403, MESSAGE_NOT_ACCESSIBLE)
    if not grant.allows(needs.scopes, needs.level) and not (reading and not repo.private):
        raise SandboxError(403, MESSAGE_NOT_ACCESSIBLE)
    if needs.creates_pull and grant.actions and not repo.actions_can_create_pulls:
        raise SandboxError(403, MESSAGE_ACTIONS_CANNOT_CREATE_PULLS)
