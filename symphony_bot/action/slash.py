"""`/symphony <command>` in a comment: what a contributor or maintainer asked for, if anything.

A comment is read as GitHub renders it: parsed as CommonMark (markdown-it-py, with GFM's tables and
strikethrough), and a command counts only where `/symphony` starts a line of a top-level paragraph — the
paragraph's start, or right after a line break in it (GitHub renders every newline of a comment as a break).
So nothing inside a code block or span, a quote, a list, an HTML block or inline HTML (a comment, a multi-line
`<img alt>`), a link reference definition or a heading counts, and neither does text the parser still reads as
code (after a "closing" fence indented four spaces). Matching is ASCII only: `/SYMPHONY` is the command,
`/ſymphony` (U+017F, which Unicode case-folding equates with s) is not. `/symphony` alone, or with a word that
is no command, asks for help — a typo gets an answer instead of silence. The first command of the comment wins;
later ones are ignored, so one comment triggers at most one action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

COMMAND_PREFIX = "/symphony"
RUN, STOP, STATUS, CANCEL, FINALIZE, HELP = "run", "stop", "status", "cancel", "finalize", "help"
REVISE = "revise"
SUBCOMMANDS = (RUN, STOP, STATUS, CANCEL, FINALIZE, REVISE, HELP)
# On a pull request only these apply; anything else is answered with a note (see router).
PULL_REQUEST_SUBCOMMANDS = (STATUS, REVISE, HELP)
MAX_SCANNED_CHARS = 262_144  # GitHub's largest comment; a longer body is read no further
MAX_ARGUMENT_CHARS = 200

# re.ASCII: IGNORECASE then folds ASCII letters only (without it, U+017F matches `s` and U+212A matches `k`).
_COMMAND_LINE = re.compile(r"/symphony(?:[ \t]+(?P<rest>.*))?", re.IGNORECASE | re.ASCII)
_LINE_BREAKS = ("softbreak", "hardbreak")
_PREFIX = re.compile(r"/symphony", re.IGNORECASE | re.ASCII)
_BLANK_LINE = re.compile(r"\n[ \t]*(?:\r?\n|\r|$)|\r[ \t]*(?:\r|$)")


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


HELP_TEXT = f"""**Symphony commands** (a comment whose line starts with the command):

| command | what it does |
| --- | --- |
| `{COMMAND_PREFIX} {RUN}` | start working on this issue, or resume a stopped run from its first open task |
| `{COMMAND_PREFIX} {STOP}` | cancel the running job; the claim and draft PR stay, `{COMMAND_PREFIX} {RUN}` resumes |
| `{COMMAND_PREFIX} {STATUS}` | reply with the issue's state and a link to the status comment (on a PR: its issue's) |
| `{COMMAND_PREFIX} {CANCEL}` | cancel the running job, then release the claim: the draft pull request is closed |
| `{COMMAND_PREFIX} {FINALIZE}` | mark the draft pull request ready for review as it is: nothing more is run or pushed |
| `{COMMAND_PREFIX} {REVISE}` | on the bot's pull request (comment or review): address unresolved review threads |
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
    text = body[:MAX_SCANNED_CHARS]
    first = _PREFIX.search(text)
    if first is None:
        return None
    # Parsing is linear but not fast (a 256 KiB comment takes seconds): first only up to the end of the
    # paragraph holding the first `/symphony` (the next blank line), which everything before parses the same as
    # the whole comment does; the whole comment only when that part has no command.
    blank = _BLANK_LINE.search(text, first.end())
    if blank is not None:
        found = _parse(text[: blank.start()])
        if found is not None:
            return found
    return _parse(text)


def _parse(text: str) -> SlashCommand | None:
    tokens = _parser().parse(text)
    for index, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.level != 0 or token.map is None:
            continue
        inline = tokens[index + 1]
        found = _first_command(inline.children or [], token.map[0] + 1)
        if found is not None:
            return found
    return None


def _first_command(children: list[Token], first_line: int) -> SlashCommand | None:
    """The first line of a paragraph's inline tokens that is a command: only a line start counts."""
    line, at_line_start = first_line, True
    for position, child in enumerate(children):
        if at_line_start and child.type == "text":
            matched = _COMMAND_LINE.fullmatch(_line_text(children, position).rstrip())
            if matched is not None:
                return _command(matched.group("rest") or "", line)
        at_line_start = child.type in _LINE_BREAKS
        line += 1 if at_line_start else child.content.count("\n")
    return None


def _line_text(children: list[Token], start: int) -> str:
    """The plain text from `start` to the end of its line (until a break or any markup)."""
    parts = []
    for child in children[start:]:
        if child.type != "text":
            break
        parts.append(child.content)
    return "".join(parts)


def _command(rest: str, line: int) -> SlashCommand:
    words = rest.split(None, 1)
    if not words:
        return SlashCommand(HELP, line=line)
    word = words[0].lower()
    arguments = (words[1].strip() if len(words) > 1 else "")[:MAX_ARGUMENT_CHARS]
    if words[0].isascii() and word in SUBCOMMANDS:
        return SlashCommand(word, arguments, line)
    return SlashCommand(HELP, line=line, unknown=words[0][:MAX_ARGUMENT_CHARS])
