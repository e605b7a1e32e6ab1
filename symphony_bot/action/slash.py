"""`/symphony <command>` in a comment: what a contributor or maintainer asked for, if anything.

A command counts only when `/symphony` starts a line of the comment as GitHub renders it: not quoted (`>`), not
inside a fenced or indented code block, not inside an HTML comment, and not inside inline code (a line that
starts with a backtick does not start with `/symphony`). Matching is case-insensitive. `/symphony` alone, or with
a word that is no command, asks for help — a typo gets an answer instead of silence. The first command of the
comment wins; later ones are ignored, so one comment triggers at most one action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMAND_PREFIX = "/symphony"
RUN, STOP, STATUS, CANCEL, FINALIZE, HELP = "run", "stop", "status", "cancel", "finalize", "help"
SUBCOMMANDS = (RUN, STOP, STATUS, CANCEL, FINALIZE, HELP)
# On a pull request only these apply; anything else is answered with a note (see router).
PULL_REQUEST_SUBCOMMANDS = (STATUS, HELP)
MAX_SCANNED_CHARS = 262_144  # GitHub's largest comment; a longer body is read no further
MAX_ARGUMENT_CHARS = 200

_COMMAND_LINE = re.compile(r"^ {0,3}/symphony(?:[ \t]+(?P<rest>.*))?$", re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
_QUOTE = re.compile(r"^ {0,3}>")
_INDENTED_CODE = re.compile(r"^(?: {4}|\t)")
_COMMENT_OPEN = "<!--"
_COMMENT_CLOSE = "-->"

HELP_TEXT = f"""**Symphony commands** (a comment whose line starts with the command):

| command | what it does |
| --- | --- |
| `{COMMAND_PREFIX} {RUN}` | start working on this issue, or resume a stopped run from its first open task |
| `{COMMAND_PREFIX} {STOP}` | stop the running job; the claim and draft PR stay, `{COMMAND_PREFIX} {RUN}` resumes |
| `{COMMAND_PREFIX} {STATUS}` | refresh the status comment (on a pull request: show the status of its issue) |
| `{COMMAND_PREFIX} {CANCEL}` | stop and release the claim: the draft pull request is closed |
| `{COMMAND_PREFIX} {FINALIZE}` | finish now with what is done: push, and mark the pull request ready for review |
| `{COMMAND_PREFIX} {HELP}` | this table |

Who may run them is set by the repository (`who-can-run`, write access by default)."""


@dataclass(frozen=True)
class SlashCommand:
    name: str  # one of SUBCOMMANDS
    arguments: str = ""  # the rest of the line, stripped, at most MAX_ARGUMENT_CHARS
    line: int = 1  # 1-based line of the comment
    unknown: str | None = None  # the word that was not a command (name is then HELP)


def parse_command(body: str | None) -> SlashCommand | None:
    """The first `/symphony` command of a comment body, or None when there is none."""
    if not body:
        return None
    text = body[:MAX_SCANNED_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    fence: str | None = None
    in_html_comment = False
    for number, line in enumerate(text.split("\n"), start=1):
        if fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                fence = None
            continue
        if in_html_comment:
            if _COMMENT_CLOSE in line:
                in_html_comment = False
            continue
        opened = _FENCE_OPEN.match(line)
        if opened:
            fence = opened.group("fence")
            continue
        if line.lstrip().startswith(_COMMENT_OPEN):
            in_html_comment = _COMMENT_CLOSE not in line[line.index(_COMMENT_OPEN) + len(_COMMENT_OPEN) :]
            continue
        if _QUOTE.match(line) or _INDENTED_CODE.match(line):
            continue
        matched = _COMMAND_LINE.match(line.rstrip())
        if matched is None:
            continue
        return _command(matched.group("rest") or "", number)
    return None


def _command(rest: str, line: int) -> SlashCommand:
    words = rest.split(None, 1)
    if not words:
        return SlashCommand(HELP, line=line)
    word = words[0].lower()
    arguments = (words[1].strip() if len(words) > 1 else "")[:MAX_ARGUMENT_CHARS]
    if word in SUBCOMMANDS:
        return SlashCommand(word, arguments, line)
    return SlashCommand(HELP, line=line, unknown=words[0][:MAX_ARGUMENT_CHARS])
