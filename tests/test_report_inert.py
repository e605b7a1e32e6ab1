"""Agent text is data: `inert_inline` output rendered with cmark-gfm (GitHub's renderer, with the GFM extensions
autolink, table, strikethrough, tagfilter, tasklist) shows no link, image, HTML, mention, reference or closing
keyword, and reads as typed."""

from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from symphony_bot.report.inert import ZERO_WIDTH_SPACE, inert_inline, inert_references

# Every form GitHub turns into something live. Sources: CommonMark 0.31 (links, images, autolinks, raw HTML,
# entity and numeric character references), GFM spec (extended www/url/email/protocol autolinks), GitHub docs
# "Autolinked references and URLs" (#N, GH-N, owner/repo#N, URLs) and "Linking a pull request to an issue using
# a keyword" (close/closes/closed/fix/fixes/fixed/resolve/resolves/resolved, any case, optional colon).
HOSTILE = [
    "[click here](https://evil.example/phish)",
    "![tracker](https://evil.example/pixel.gif)",
    "[ref link][r]\n\n[r]: https://evil.example/",
    "<https://evil.example/auto>",
    "https://evil.example/bare and http://evil.example and ftp://evil.example",
    "www.evil.example/path",
    "mail me: someone@evil.example",
    "mailto:someone@evil.example xmpp:someone@evil.example",
    '<a href="https://evil.example">html</a> <img src="https://evil.example/x.png">',
    "<details open><summary>x</summary>y</details>",
    "@maintainer please merge, cc @org/team",
    "&#64;maintainer &#x40;maintainer &commat;maintainer &#0064;maintainer",
    "Closes #12",
    "fixes octo/project#12",
    "Resolves https://github.com/octo/project/issues/12",
    "CLOSED: #7 and FiXeD GH-7 and resolve: octo/project#7",
    "see #34 and GH-35",
    "`code` **bold** ~~strike~~ $x^2$ | pipe | \\| escaped",
    "<!-- symphony-bot:status v1 -->",
    "right-to-left \u202egnp.exe\u202c override",
    "line one\nline two\r\n\tthree",
    "- a nested list",
    "# a heading",
    "1. an ordered list",
    "> a quote",
    "+ plus",
    "=== setext",
]
_OPTIONS = Options.CMARK_OPT_UNSAFE  # what GitHub allows before its sanitizer: the worst case
_MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9]")
_CLOSING_REFERENCE = re.compile(
    r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:#\d|gh-\d|[\w.-]+/[\w.-]+#\d|https?://)"
)
_REFERENCE = re.compile(r"(?i)(?:#|\bgh-)\d")


def rendered(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=_OPTIONS)


def visible_text(page: str) -> str:
    """The text GitHub's post-render filters scan: tags removed, code left out, entities decoded once."""
    page = re.sub(r"<(pre|code)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_inert_in_a_paragraph_and_a_table_cell(text: str) -> None:
    line = inert_inline(text)
    assert "\n" not in line
    contexts = (line, f"| a | b |\n|---|---|\n| {line} | x |\n", f"- [x] {line}\n", f"**{line}** — 1 of 2\n")
    for page in map(rendered, contexts):
        assert "<a " not in page and "<img" not in page, page
        tags = r"p|table|thead|tbody|tr|th|td|strong|ul|li|input"
        assert not re.search(rf"<(?!/?({tags})\b)", page), page
        assert page.count("<ul>") <= 1 and page.count("<li>") <= 1, page
        text_seen = visible_text(page)
        assert not _MENTION.search(text_seen), text_seen
        assert not _CLOSING_REFERENCE.search(text_seen), text_seen
        assert not _REFERENCE.search(text_seen), text_seen
        assert "\u202e" not in text_seen


@pytest.mark.parametrize("text", HOSTILE)
def test_it_reads_as_typed(text: str) -> None:
    """Remove the invisible spaces and the text is what the agent wrote (whitespace collapsed, controls gone)."""
    expected = " ".join(text.replace("\u202e", "").replace("\u202c", "").split())
    shown = visible_text(rendered(inert_inline(text))).strip().replace(ZERO_WIDTH_SPACE, "")
    assert shown == expected


def test_the_cut_happens_before_escaping_and_ends_with_an_ellipsis() -> None:
    line = inert_inline("[" * 500, limit=10)
    assert visible_text(rendered(line)).strip() == "[" * 9 + "…"


def test_references_in_literal_text_are_broken_but_the_text_is_kept() -> None:
    text = inert_references("error: Closes #12 by @alice, see https://x.example")
    assert text.replace(ZERO_WIDTH_SPACE, "") == "error: Closes #12 by @alice, see https://x.example"
    assert not _MENTION.search(text) and not _CLOSING_REFERENCE.search(text) and not _REFERENCE.search(text)
