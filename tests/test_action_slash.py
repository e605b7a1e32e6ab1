"""The table of `/symphony` command-parsing cases: what counts as a command and what does not.

Where GitHub's rendering decides (is this text shown at the start of a line, as text?), the case is checked
against cmark-gfm — GitHub's own renderer (github/cmark-gfm, PyPI cmarkgfm) — in
`test_every_accepted_command_is_text_at_a_line_start_as_github_renders_it`."""

from __future__ import annotations

import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from symphony_bot.action.slash import HELP_TEXT, MAX_SCANNED_CHARS, SUBCOMMANDS, parse_command

# (comment body, expected (name, arguments, unknown) or None)
CASES: list[tuple[str, tuple[str, str, str | None] | None]] = [
    ("/symphony run", ("run", "", None)),
    ("/symphony stop", ("stop", "", None)),
    ("/symphony status", ("status", "", None)),
    ("/symphony cancel", ("cancel", "", None)),
    ("/symphony finalize", ("finalize", "", None)),
    ("/symphony help", ("help", "", None)),
    ("/SYMPHONY RUN", ("run", "", None)),
    ("/Symphony Run please", ("run", "please", None)),
    ("/symphony run docs/one.md", ("run", "docs/one.md", None)),
    ("/symphony\trun", ("run", "", None)),
    ("/symphony run   ", ("run", "", None)),
    ("   /symphony run", ("run", "", None)),  # up to three spaces: still a paragraph line
    ("/symphony run\r\n", ("run", "", None)),
    ("Thanks!\n\n/symphony run\n\nCheers", ("run", "", None)),
    ("Thanks!\r\n/symphony run", ("run", "", None)),
    ("/symphony", ("help", "", None)),  # alone: help
    ("/symphony launch", ("help", "", "launch")),  # unknown sub-command: help
    ("/symphony runn", ("help", "", "runn")),
    ("/symphony run.", ("help", "", "run.")),
    ("/symphony stop\n/symphony run", ("stop", "", None)),  # the first command wins
    # not commands
    ("", None),
    ("please /symphony run", None),  # not at the start of a line
    ("/symphonyrun", None),
    ("/symphony-run", None),
    ("/symphonys run", None),
    ("symphony run", None),
    ("> /symphony run", None),  # quoted
    ("  > /symphony run", None),
    (">> /symphony run", None),
    ("`/symphony run`", None),  # inline code
    ("    /symphony run", None),  # indented code block
    ("\t/symphony run", None),
    ("```\n/symphony run\n```", None),  # fenced code
    ("~~~\n/symphony run\n~~~", None),
    ("````\n```\n/symphony run\n````", None),  # a shorter fence does not close a longer one
    ("```sh\n/symphony run\n", None),  # an unclosed fence runs to the end
    ("<!-- /symphony run -->", None),  # HTML comment
    ("<!--\n/symphony run\n-->", None),
    ("<!-- note\n/symphony run -->", None),
    ("**/symphony run**", None),
    # after a code block or comment closes, commands count again
    ("```\ncode\n```\n/symphony cancel", ("cancel", "", None)),
    ("<!-- hidden -->\n/symphony status", ("status", "", None)),
    ("<!--\nx\n-->\n/symphony finalize", ("finalize", "", None)),
    ("> quoted\n\n/symphony run", ("run", "", None)),
]
# Bodies that looked like commands to the line-by-line reader, though GitHub shows no command (issue 19).
HIDDEN: list[tuple[str, str]] = [
    ("a code block inside a list item", "- a list item\n\n      /symphony run\n"),
    ("a link reference definition's title", '[ref]: https://example.com "\n/symphony run\n"\n'),
    ("an HTML comment opened mid-line", "Looks good <!-- a note\n/symphony run\n-->\n"),
    ("a multi-line <img alt>", '<img src="x.png" alt="\n/symphony run\n">\n'),
    ("text after a 4-space-indented closing fence", "```\ncode\n    ```\n/symphony run\n"),
    ("U+017F LATIN SMALL LETTER LONG S", "/\u017fymphony run"),
]
MORE: list[tuple[str, tuple[str, str, str | None] | None]] = [
    ("/symphony \u017ftop", ("help", "", "\u017ftop")),  # not ASCII: no command word, so help
    ("/symphony run\n---", None),  # a setext heading, not a paragraph
    ("# /symphony run", None),  # an ATX heading
    ("1. /symphony run", None),  # inside a list
    ("| a |\n| - |\n| /symphony run |", None),  # a table cell
    ("*x*\n/symphony status", ("status", "", None)),  # after a line break in a paragraph
    ("intro `code\n/symphony run` end", None),  # inside a code span spanning lines
    ("<details>\n\n/symphony run\n\n</details>", ("run", "", None)),  # shown in the details: a paragraph
]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[repr(case[0])[:40] for case in CASES])
def test_parsing_table(body: str, expected: tuple[str, str, str | None] | None) -> None:
    command = parse_command(body)
    if expected is None:
        assert command is None
    else:
        assert command is not None
        assert (command.name, command.arguments, command.unknown) == expected


def test_line_number_is_reported() -> None:
    command = parse_command("hello\n\n/symphony run")
    assert command is not None and command.line == 3


def test_none_and_huge_bodies() -> None:
    assert parse_command(None) is None
    late = "x\n" * (MAX_SCANNED_CHARS // 2) + "/symphony run"
    assert parse_command(late) is None  # past what GitHub would store: never read
    long_argument = parse_command("/symphony run " + "a" * 10_000)
    assert long_argument is not None and len(long_argument.arguments) == 200


def test_help_names_every_command() -> None:
    for name in SUBCOMMANDS:
        assert f"/symphony {name}`" in HELP_TEXT


@pytest.mark.parametrize(("what", "body"), HIDDEN, ids=[case[0] for case in HIDDEN])
def test_what_github_shows_as_no_command_starts_nothing(what: str, body: str) -> None:
    assert parse_command(body) is None, what


@pytest.mark.parametrize(("body", "expected"), MORE, ids=[repr(case[0])[:40] for case in MORE])
def test_more_cases(body: str, expected: tuple[str, str, str | None] | None) -> None:
    command = parse_command(body)
    got = None if command is None else (command.name, command.arguments, command.unknown)
    assert got == expected


# GitHub renders a comment with every newline a hard break (<br />); raw HTML is kept here so that what GitHub's
# sanitizer would drop stays visible as markup, never as text.
GITHUB_COMMENT = Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_UNSAFE
SHOWN_AT_LINE_START = re.compile(r"(?:<p>|<br />\n)/symphony(?=[ \t]|</p>|<br />|$)", re.IGNORECASE | re.ASCII)


@pytest.mark.parametrize(
    ("body", "expected"),
    [*CASES, *MORE, *((body, None) for _, body in HIDDEN)],
    ids=[repr(case[0])[:40] for case in [*CASES, *MORE, *((body, None) for _, body in HIDDEN)]],
)
def test_every_accepted_command_is_text_at_a_line_start_as_github_renders_it(
    body: str, expected: tuple[str, str, str | None] | None
) -> None:
    html = cmarkgfm.github_flavored_markdown_to_html(body, GITHUB_COMMENT)
    if body.startswith("/symphony stop\n") or body.strip() == "":
        return  # two commands (the first wins) / nothing to render
    top_level = [found for found in SHOWN_AT_LINE_START.finditer(html) if not _nested(html[: found.start()])]
    assert bool(top_level) == (expected is not None), html


def _nested(before: str) -> bool:
    """Inside a quote, a list or a table: shown, but a quotation or an item, not the author's own paragraph."""
    return any(before.count(f"<{tag}") > before.count(f"</{tag}>") for tag in ("blockquote", "li", "td", "th"))
