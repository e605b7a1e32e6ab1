"""The table of `/symphony` command-parsing cases: what counts as a command and what does not."""

from __future__ import annotations

import pytest

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
