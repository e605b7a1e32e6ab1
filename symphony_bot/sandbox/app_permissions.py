"""What a GitHub App installation token (or the Actions `GITHUB_TOKEN`) needs for each operation (REST routes,
GraphQL mutations and git pushes share these rules).

Each route in the routing table names an `AppPermission`: the scopes of which any one will do (for one issue or
PR, the one its kind needs) and the level. Personal tokens are narrowed here too (fine-grained permissions, classic
scopes); their user's role decides the rest, in the state. For an installation token, `check` refuses as
GitHub does: 403 "Resource not accessible by integration" for a write it lacks or for a repository outside its
installation, 404 for a private repository it cannot see. Reads of public repositories are always allowed, as
they are for anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from symphony_bot.sandbox.state import (
    FINE_GRAINED,
    MESSAGE_ACTIONS_CANNOT_CREATE_PULLS,
    MESSAGE_NOT_ACCESSIBLE,
    InstallationToken,
    PersonalToken,
    Repository,
    SandboxError,
    not_found,
)

MESSAGE_NOT_ACCESSIBLE_PERSONAL = "Resource not accessible by personal access token"


@dataclass(frozen=True)
class AppPermission:
    scopes: tuple[str, ...]  # any one of them; empty: never granted to an installation token
    level: str = "read"
    creates_pull: bool = False  # also gated by the repository's "Allow GitHub Actions to create ... PRs"
    by_target: bool = False  # on one issue or PR: `issues` for an issue, `pull_requests` for a PR
    also: tuple[str, ...] = ()  # scopes needed besides one of `scopes`, at `level`


PUBLIC = None  # public data (a user, the rate limit, search): any token
USER_ONLY = AppPermission(())  # the authenticated *user*: refused for installation tokens
ADMINISTRATION = AppPermission((), "write")  # administration is not modelled: refused for installation tokens
METADATA = AppPermission(("metadata",))
CONTENTS_READ = AppPermission(("contents",))
CONTENTS_WRITE = AppPermission(("contents",), "write")
ISSUES_READ = AppPermission(("issues", "pull_requests"))  # repository-wide lists and labels: either will do
ISSUES_WRITE = AppPermission(("issues", "pull_requests"), "write")
# One issue or PR (its comments, labels, reactions): GitHub keys the permission off the target, `issues` for an
# issue and `pull_requests` for a PR, though the docs list both for the endpoint (ynab/ynab-sdk-ruby#95).
TARGET_READ = AppPermission(("issues", "pull_requests"), by_target=True)
TARGET_WRITE = AppPermission(("issues", "pull_requests"), "write", by_target=True)
ISSUES_ONLY_WRITE = AppPermission(("issues",), "write")  # creating an issue needs `issues` itself
PULLS_READ = AppPermission(("pull_requests",))
PULLS_WRITE = AppPermission(("pull_requests",), "write")
# Draft <-> ready for review also needs contents: write (cli/cli#8910: a GITHUB_TOKEN with pull-requests: write
# alone gets "Resource not accessible by integration (markPullRequestReadyForReview)"; cli/cli discussion #6924).
PULLS_READY = AppPermission(("pull_requests",), "write", also=("contents",))
PULLS_CREATE = AppPermission(("pull_requests",), "write", creates_pull=True)
APP_JWT = None  # authenticated by the App's JWT, checked by the handler
ACTIONS_READ = AppPermission(("actions",))
ACTIONS_WRITE = AppPermission(("actions",), "write")

Limits = InstallationToken | PersonalToken


def check(
    grant: Limits | None, needs: AppPermission | None, repo: Repository | None, *, pull: bool | None = None
) -> None:
    """Raise GitHub's refusal if `grant` (an installation token or a personal token's limits; None: none) may
    not do this. `pull`: whether the one issue the operation is on is a pull request (None: no single target)."""
    if grant is None or needs is None:
        return
    if isinstance(grant, PersonalToken):
        _check_personal(grant, needs, repo, pull)
        return
    if not needs.scopes:
        raise SandboxError(403, MESSAGE_NOT_ACCESSIBLE)
    _check_scopes(grant, needs, repo, pull, MESSAGE_NOT_ACCESSIBLE)
    if repo is not None and needs.creates_pull and grant.actions and not repo.actions_can_create_pulls:
        raise SandboxError(403, MESSAGE_ACTIONS_CANNOT_CREATE_PULLS)


def _check_scopes(
    grant: Limits, needs: AppPermission, repo: Repository | None, pull: bool | None, message: str
) -> None:
    if repo is None:
        return  # the handler answers the missing repository as GitHub does
    reading = needs.level == "read"
    if not grant.covers(repo):
        if repo.private:
            raise not_found()
        if reading:
            return
        raise SandboxError(403, message)
    scopes = needs.scopes
    if needs.by_target and pull is not None:
        scopes = ("pull_requests",) if pull else ("issues",)
    allowed = grant.allows(scopes, needs.level) and all(grant.allows((scope,), needs.level) for scope in needs.also)
    if not allowed and not (reading and not repo.private):
        raise SandboxError(403, message)


def _check_personal(grant: PersonalToken, needs: AppPermission, repo: Repository | None, pull: bool | None) -> None:
    """Fine-grained tokens: the same permission names as Apps, refused with their own message. Classic and OAuth
    tokens: `repo` reaches every repository, `public_repo` the public ones; a token that does not reach the
    repository sees a 404, as GitHub hides what a scope does not cover (community discussion #24499)."""
    if grant.kind == FINE_GRAINED:
        if needs.scopes:
            _check_scopes(grant, needs, repo, pull, MESSAGE_NOT_ACCESSIBLE_PERSONAL)
        return
    if repo is None or (needs.level == "read" and not repo.private):
        return
    if not grant.classic_reaches(repo):
        raise not_found()
