"""Where the claim branch goes, and whether a pull request may be opened, decided from what GitHub really answers.

Every token kind a donor may give the bot is met here (docs/tokens.md):
- a personal token (classic or fine-grained): `GET /repos` says its *account's* role, which is truthful when it
  says "no write" (the fork path), but not the token's own Contents permission, so "write" is checked;
- an installation token (a GitHub App's, or the workflow's GITHUB_TOKEN): `GET /repos` says `push: false` or
  nothing even when it can push (semantic-release/github#182), so its push access is always checked.
The check is a `git push --dry-run` of the claim ref (workspace/push_probe): nothing is sent. The fork path is
taken only when that push is refused and forking is possible: never with an installation token (it cannot fork).

Before anything is pushed, an installation token is also asked whether it may open pull requests at all
(`pulls.probe_create`): the Actions token is refused while the repository's "Allow GitHub Actions to create and
approve pull requests" setting is off (the default), and an App token without Pull requests: write is refused.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from symphony_bot.contribution.preflight import PreflightError
from symphony_bot.github import forks, pulls
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.permissions import RepositoryAccess, Viewer
from symphony_bot.workspace.gitops import GitError, Remote, WorkTree
from symphony_bot.workspace.push_probe import probe_push

ACTIONS_SETTING = "Allow GitHub Actions to create and approve pull requests"
ACTIONS_SETTING_PLACE = "Settings → Actions → General → Workflow permissions"
ACTIONS_MAY_NOT_OPEN_PULLS = (
    "GitHub Actions may not open pull requests in {repo}: the repository's setting "
    f"\"{ACTIONS_SETTING}\" is off (GitHub's default), {{consequence}}. Turn it on in {{repo}}'s "
    f"{ACTIONS_SETTING_PLACE}; or better, run with a GitHub App token or a fine-grained token (pull requests "
    "opened by GITHUB_TOKEN start no CI workflow until a maintainer approves it). See docs/tokens.md"
)
NO_PULL_PERMISSION = (
    "the token may not open pull requests in {repo} (GitHub answered: {answer}), {consequence}; give it "
    "Pull requests: write (`pull-requests: write` in the workflow's `permissions:`, or the App's or fine-grained "
    "token's Pull requests permission). See docs/tokens.md"
)
NOTHING_PUSHED = "so nothing was pushed"
BRANCH_KEPT = "so the pull request was not opened (the branch {branch} keeps the work: run again once this is fixed)"
NOTE_PUSH_CHECKED = (
    "Push access to {repo}: a dry-run push of the claim branch was accepted. (GitHub does not report an App "
    "token's or GITHUB_TOKEN's push access in the repository's permissions, so the bot asks git instead.)"
)
NOTE_FORKED = "Working from the fork {fork}: {repo} does not accept this token's pushes ({why})."
NOTE_FORK_ASKED = "Working from the fork {fork}, as --fork always asks."
WHY_NO_ROLE = "GitHub reports no write access for the token's account"
WHY_REFUSED = "a dry-run push was refused: {answer}"
NEVER_FORK = (
    "the token cannot push to {repo} ({why}) and --fork never was given; use --fork auto, or a token with "
    "Contents: write on {repo}"
)
INSTALLATION_CANNOT_FORK = (
    "the token cannot push to {repo} ({why}), and an App token or GITHUB_TOKEN cannot work from a fork; give it "
    "Contents: write on {repo} (`contents: write` in the workflow's `permissions:`), or use a personal token, "
    "which may fork. See docs/tokens.md"
)
FORK_REFUSED = (
    "the token cannot push to {repo} ({why}), nor to the fork {fork} (a dry-run push was refused: {answer}); "
    "give it Contents: write on {repo}, or on {fork} (a fine-grained token must include the fork). See "
    "docs/tokens.md"
)
FORKING_DISABLED = (
    "the token cannot push to {repo} ({why}) and {repo} does not allow forks; ask its maintainers for write "
    "access, or use a token with Contents: write on it"
)


@dataclass(frozen=True)
class PushTarget:
    repo: str  # OWNER/NAME that receives the claim branch: the repository, or the caller's fork
    head_owner: str
    clone_url: str
    note: str | None  # what the status comment says about the choice (None: nothing worth saying)


def check_pulls_allowed(client: GitHubClient, access: RepositoryAccess, viewer: Viewer) -> None:
    """Raise PreflightError, before anything is pushed, when GitHub will not let this token open the PR.
    Asked of installation tokens only: a personal token that can push can open pull requests."""
    if not viewer.installation:
        return
    probe = pulls.probe_create(client, access.full_name, access.default_branch)
    if probe.allowed:
        return
    raise PreflightError(refusal_sentence(access.full_name, probe.refusal, probe.actions_setting, NOTHING_PUSHED))


def refusal_sentence(repo: str, answer: str, actions_setting: bool, consequence: str) -> str:
    """Why GitHub will not open the pull request, what happened because of it, and the fix."""
    if actions_setting:
        return ACTIONS_MAY_NOT_OPEN_PULLS.format(repo=repo, consequence=consequence)
    return NO_PULL_PERMISSION.format(repo=repo, answer=answer, consequence=consequence)


def open_claim(
    client: GitHubClient, repo: str, *, title: str, body: str, head_owner: str, branch: str, base: str, head: str
) -> pulls.Created:
    """`pulls.create`; a refusal GitHub gives only now (its checks let the early probe through) is said the way
    the early check says it, with the pushed branch kept for a re-run."""
    try:
        return pulls.create(
            client, repo, title=title, body=body, head_owner=head_owner, branch=branch, base=base, head=head
        )
    except pulls.CreateRefused as refused:
        kept = BRANCH_KEPT.format(branch=branch)
        raise PreflightError(refusal_sentence(repo, str(refused), refused.actions_setting, kept)) from None


def choose(
    client: GitHubClient,
    tree: WorkTree,
    access: RepositoryAccess,
    viewer: Viewer,
    *,
    mode: str,
    token: str,
    probe_branch: str,
) -> PushTarget:
    """The repository itself when it takes this token's pushes, else the caller's fork (see the module doc)."""
    repo = access.full_name
    why = WHY_NO_ROLE
    if mode != "always" and (access.can_push or viewer.installation):
        probe = probe_push(tree, Remote(access.clone_url, token), probe_branch)
        if probe.accepted:
            note = NOTE_PUSH_CHECKED.format(repo=repo) if viewer.installation or not access.can_push else None
            return PushTarget(repo, repo.split("/", 1)[0], access.clone_url, note)
        why = WHY_REFUSED.format(answer=probe.answer)
    if mode == "never":
        raise PreflightError(NEVER_FORK.format(repo=repo, why=why))
    if viewer.installation:
        raise PreflightError(INSTALLATION_CANNOT_FORK.format(repo=repo, why=why))
    if not access.allows_forking:
        raise PreflightError(FORKING_DISABLED.format(repo=repo, why=why))
    fork = forks.ensure_fork(client, repo, viewer.login)
    # The fork is asked too: a fine-grained token limited to some repositories may not push to a fork it made.
    # Only a refusal stops the run: a new fork's git may not answer yet (GitHub makes forks asynchronously), and
    # the first push comes after a whole task anyway.
    with contextlib.suppress(GitError):
        fork_probe = probe_push(tree, Remote(fork.clone_url, token), probe_branch)
        if not fork_probe.accepted:
            answer = fork_probe.answer
            raise PreflightError(FORK_REFUSED.format(repo=repo, why=why, fork=fork.full_name, answer=answer))
    note = NOTE_FORK_ASKED if mode == "always" else NOTE_FORKED
    return PushTarget(fork.full_name, fork.owner, fork.clone_url, note.format(fork=fork.full_name, repo=repo, why=why))
