"""Security review of the action's replies: what an unprivileged commenter can make the bot say."""

from __future__ import annotations

import re

import cmarkgfm
import pytest

from symphony_bot.action import slash
from symphony_bot.action.replies import REPLY_MARKER, help_reply


@pytest.mark.parametrize(
    "word",
    [
        "x`[authorize](https://example.invalid/login)`",
        "x`@octo-org/everyone`",
        "x``<!--",
        "```[a](https://example.invalid)",
    ],
)
def test_an_unknown_word_echoed_in_the_help_reply_stays_code(word: str) -> None:
    """`/symphony WORD` from anyone is answered with help that quotes WORD in a code span; a backtick in WORD
    ended the span, so the bot's own reply carried the commenter's links, @mentions (pings) or an HTML comment
    that hid the rest of the reply."""
    command = slash.parse_command(f"/symphony {word}")
    assert command is not None and command.unknown == word
    reply = help_reply(command.unknown)
    html = cmarkgfm.github_flavored_markdown_to_html(reply)
    first_paragraph = next(part for part in html.split("</p>") if "is not a command" in part).split("<p>")[-1]
    outside_code = re.sub(r"<code>.*?</code>", "", first_paragraph, flags=re.DOTALL)
    assert "<a " not in html
    assert outside_code.strip() == "is not a command.", first_paragraph
    assert REPLY_MARKER in reply and "<table>" in html  # the help table is still shown
