"""Closing-keyword links from a pull request body, as GitHub makes them (pure; no state, no I/O).

GitHub links a PR to an issue when the PR *description* (or, once merged into the default branch, a commit
message) says `<keyword> #N`, `<keyword> owner/repo#N` or `<keyword> <the issue's URL>` with a keyword from
close/closes/closed/fix/fixes/fixed/resolve/resolves/resolved, in any case, optionally followed by a colon
(`Fixes: #3`, `CLOSES #10`): https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/
linking-a-pull-request-to-an-issue. Each issue needs its own keyword (`Resolves #1, resolves #2`); a bare mention
(`see #3`) does not link. Whether the link counts at all (base = default branch) is the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLOSING_KEYWORDS = ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved")

_NAME = r"[A-Za-z0-9_.-]+"
# The issue's URL: on github.com, or the sandbox's own `/html/` view of it (the `html_url` it hands out).
_ISSUE_URL = (
    rf"https?://(?:github\.com|[^/\s]+/html)/(?P<url_owner>{_NAME})/(?P<url_repo>{_NAME})/issues/(?P<url_number>[0-9]+)"
)
_CLOSING_REFERENCE = re.compile(
    rf"(?<![\w/#-])(?:{'|'.join(CLOSING_KEYWORDS)}):?[ \t]+"
    rf"(?:(?:(?P<owner>{_NAME})/(?P<repo>{_NAME}))?#(?P<number>[0-9]+)(?![\w#])|{_ISSUE_URL}(?![\w/#]))",
    re.IGNORECASE,
)
_MENTION = re.compile(rf"(?<![\w/#-])(?:(?P<owner>{_NAME})/(?P<repo>{_NAME}))?#(?P<number>[0-9]+)(?![\w#])")
# Code spans and fenced blocks are not prose on GitHub: keywords inside them do not link.
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)


@dataclass(frozen=True, order=True)
class IssueReference:
    """`owner/repo#number`; owner and repo are as written (GitHub matches them case-insensitively)."""

    owner: str
    repo: str
    number: int

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


def _prose(body: str) -> str:
    return _CODE.sub(" ", body)


def closing_references(body: str | None, owner: str, repo: str) -> list[IssueReference]:
    """Issues a PR body closes, in order of first appearance, without duplicates (case-insensitive)."""
    found: list[IssueReference] = []
    seen: set[tuple[str, str, int]] = set()
    for match in _CLOSING_REFERENCE.finditer(_prose(body or "")):
        if match["url_number"] is not None:
            reference = IssueReference(match["url_owner"], match["url_repo"], int(match["url_number"]))
        else:
            reference = IssueReference(match["owner"] or owner, match["repo"] or repo, int(match["number"]))
        key = (reference.owner.lower(), reference.repo.lower(), reference.number)
        if key not in seen and reference.number > 0:
            seen.add(key)
            found.append(reference)
    return found


def mentions(body: str | None, owner: str, repo: str) -> list[IssueReference]:
    """Every `#N` / `owner/repo#N` in the text (with or without a keyword): GitHub's cross-references."""
    found: list[IssueReference] = []
    seen: set[tuple[str, str, int]] = set()
    for match in _MENTION.finditer(_prose(body or "")):
        reference = IssueReference(match["owner"] or owner, match["repo"] or repo, int(match["number"]))
        key = (reference.owner.lower(), reference.repo.lower(), reference.number)
        if key not in seen and reference.number > 0:
            seen.add(key)
            found.append(reference)
    return found
