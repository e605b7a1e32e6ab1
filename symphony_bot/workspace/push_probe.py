"""May this token push to that repository? Asked of the git server itself, without pushing anything.

GitHub's REST answer is no guide for installation tokens (an App's, or the workflow's GITHUB_TOKEN): `GET
/repos/{owner}/{repo}` gives them `"permissions": {"push": false, ...}`, or no `permissions` at all, even when
they can push (semantic-release/github#182; semantic-release's `lib/verify.js` still skips the check for them).
A fine-grained token's `permissions` show its user's role, not the token's own Contents permission. So the
answer comes from `git push --dry-run` of a new ref: git asks the server for the push service
(`info/refs?service=git-receive-pack`), which GitHub refuses with 403 when the token may not push ("Permission
to o/r.git denied to …", "Write access to repository not granted."), and stops before sending anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from symphony_bot.workspace.gitops import GitError, Remote, WorkTree

# How git reports that the server refused the push service: HTTP 403 (GitHub), or the server's own words.
_REFUSED = ("error: 403", "denied", "not granted", "write access")


@dataclass(frozen=True)
class PushProbe:
    accepted: bool
    answer: str  # git's own words when refused ("" when accepted)


def probe_push(tree: WorkTree, remote: Remote, branch: str) -> PushProbe:
    """`git push --dry-run` of HEAD to the new branch `branch` of `remote`: nothing is sent, no ref is made.
    Raises GitError when the answer is not about permission (a bad token, an unreachable server)."""
    try:
        tree.run(
            "push", "--dry-run", "--porcelain", "--no-verify", remote.url, f"HEAD:refs/heads/{branch}", network=remote
        )
    except GitError as error:
        message = str(error)
        if any(word in message.lower() for word in _REFUSED):
            return PushProbe(accepted=False, answer=message)
        raise
    return PushProbe(accepted=True, answer="")
