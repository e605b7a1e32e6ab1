"""Security review: hostile text (agent output, errors) in the status comment, rendered the way GitHub does."""

from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from symphony_bot.contribution.state import ContributionState, DocumentProgress, Phase, TaskRow, TaskStatus
from symphony_bot.contribution.status_comment import render_comment, render_pull_body
from symphony_bot.stats.pr_metadata import ContributionMetadata

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


# Agent text full of everything GitHub would make live (issue 17 item 10): links, images, HTML, entities,
# mentions, references and closing keywords, in every place agent text reaches the comment and the PR body.
HOSTILE = (
    "[click](https://evil.example/a) ![px](https://evil.example/p.gif) <img src=https://evil.example/q> "
    "<a href='https://evil.example/b'>b</a> https://evil.example/c www.evil.example me@evil.example "
    "mailto:me@evil.example @maintainer &#64;maintainer &#x40;owner &commat;team @org/team "
    "Closes #1 fixes octo/project#2 Resolves https://github.com/octo/project/issues/3 FIXED: GH-4 see #5"
)
OURS = {
    "https://github.com/octo/project/pull/57",
    "https://github.com/octo/project/tree/symphony/12-a1b2c3",
    "https://github.com/donor/runner/actions/runs/42",
    "https://runmaestro.ai",
}
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_CLOSING = re.compile(r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:#\d|gh-\d|[\w.-]+/[\w.-]+#\d|https?://)")
_REFERENCE = re.compile(r"(?i)(?:#|\bgh-)\d")


def _hostile_state(phase: Phase) -> ContributionState:
    state = ContributionState(
        repository="octo/project",
        issue=12,
        issue_title="t",
        started_at_ms=0,
        phase=phase,
        agent=HOSTILE,
        pull_number=57,
        pull_url="https://github.com/octo/project/pull/57",
        branch="symphony/12-a1b2c3",
        branch_url="https://github.com/octo/project/tree/symphony/12-a1b2c3",
        run_url="https://github.com/donor/runner/actions/runs/42",
        halt_reason=HOSTILE,
        last_error=HOSTILE,
        activity=HOSTILE,
        claim_holder=HOSTILE,
        notes=[HOSTILE],
        documents=[DocumentProgress(HOSTILE, 2, 1)],
        tasks=[TaskRow(HOSTILE, HOSTILE, 1, TaskStatus.DONE), TaskRow(HOSTILE, HOSTILE, 2, TaskStatus.RUNNING)],
    )
    state.current_task = state.tasks[1] if phase is Phase.RUNNING else None
    return state


def _visible(page: str) -> str:
    """The text GitHub's mention and reference filters scan: not inside code, nor inside a link (our own links
    are checked by address)."""
    page = re.sub(r"<(pre|code|a)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("phase", list(Phase))
def test_agent_text_is_inert_in_the_comment_and_the_pull_body(phase: Phase) -> None:
    state = _hostile_state(phase)
    metadata = ContributionMetadata("octo/project", 12, "donor", "claude", "running", "2026-09-21T14:13:20Z")
    comment = cmarkgfm.github_flavored_markdown_to_html(render_comment(state, 0), options=Options.CMARK_OPT_UNSAFE)
    body_markdown = render_pull_body(state, metadata, 0)
    body = cmarkgfm.github_flavored_markdown_to_html(body_markdown, options=Options.CMARK_OPT_UNSAFE)
    for page in (comment, body):
        assert set(re.findall(r'<a href="([^"]*)"', page)) <= OURS, page
        assert "<img" not in page and "<a " not in page.replace("<a href=", "")
        assert not _MENTION.search(_visible(page))
    ours = _visible(comment).replace("pull request #57", "")  # the bot's own words about its own PR
    assert not _CLOSING.search(ours) and not _REFERENCE.search(ours)
    # the PR body's one closing keyword is its own first line, `Closes #12`
    assert _CLOSING.findall(_visible(body)) == ["Closes #1"] and body_markdown.startswith("Closes #12\n")
