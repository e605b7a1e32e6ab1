"""Commit messages built from task text are data: no closing keyword and no @mention survives in them.

GitHub closes an issue when a commit reaching the default branch says `close`, `closes`, `closed`, `fix`,
`fixes`, `fixed`, `resolve`, `resolves` or `resolved` (any case, an optional colon) before `#N`,
`owner/repo#N` or the issue's URL:
https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue
A task line saying "Fixes #12" must not close issue 12 when the pull request is merged; the harness writes the
only reference it means (`Refs #N`) itself. An `@name` in a commit notifies that person when the commit is
pushed, so the `@` becomes a full-width `＠` (U+FF20), which GitHub does not read as a mention."""

from __future__ import annotations

import re

CLOSING_KEYWORDS = ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved")
_REFERENCE = (
    r"(?:https?://[^\s/]+/[\w.-]+/[\w.-]+/issues/\d+"  # an issue URL (github.com or an Enterprise host)
    r"|[\w.-]+/[\w.-]+#\d+"  # owner/repo#N
    r"|#\d+"  # #N
    r"|gh-\d+)"  # GH-N, GitHub's other short form
)
# The keyword as a word of its own, then an optional colon and any spacing, then a reference.
_CLOSING = re.compile(
    rf"(?<![^\W_])(?:{'|'.join(CLOSING_KEYWORDS)})(?![^\W_])\s*:?\s*(?={_REFERENCE})",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![^\W_])@(?=[A-Za-z0-9])")
FULLWIDTH_AT = "\uff20"


def without_closing_keywords(text: str) -> str:
    """`text` with every closing keyword that precedes an issue reference dropped (the reference stays, as an
    ordinary link). Repeated until nothing changes: removing one must not join the words around it into a new
    one ("fix fixes #1")."""
    while True:
        cleaned = _CLOSING.sub("", text)
        if cleaned == text:
            return cleaned
        text = cleaned


def without_mentions(text: str) -> str:
    """`@name` -> `＠name`; an email address (`a@b.example`, a word character before the `@`) is left alone."""
    return _MENTION.sub(FULLWIDTH_AT, text)


def inert_commit_message(message: str) -> str:
    """The message git is given: closing keywords dropped and mentions neutralised on every line."""
    return without_mentions(without_closing_keywords(message))
