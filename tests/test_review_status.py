"""Security review: hostile text (agent output, errors) in the status comment, rendered the way GitHub does."""

from __future__ import annotations

import cmarkgfm

from symphony_bot.contribution.state import ContributionState, Phase
from symphony_bot.contribution.status_comment import render_comment

ESCAPE = "~~~~\n</details>\n\n# Forged heading\n\n@maintainer please merge [here](https://example.invalid)\n"


def _state(error: str) -> ContributionState:
    return ContributionState(
        repository="o/r", issue=1, issue_title="t", started_at_ms=0, phase=Phase.FAILED, last_error=error
    )


def test_an_error_with_a_long_tilde_run_stays_inside_its_fence() -> None:
    """`_fold` picked `~~~~` when the text had `~~~`, so a text holding `~~~~` (or more) closed the fence and
    the rest of it rendered as the bot's own Markdown: headings, links, @mentions that ping."""
    for tildes in ("~~~~", "~~~~~", "~~~~~~~~"):
        error = ESCAPE.replace("~~~~", tildes) + "tail"
        html = cmarkgfm.github_flavored_markdown_to_html(render_comment(_state(error), 0))
        assert "<h1>" not in html, html
        assert 'href="https://example.invalid"' not in html, html
        assert html.count("<pre") == 1 and "Forged heading" in html.split("<pre", 1)[1].split("</pre>", 1)[0]
