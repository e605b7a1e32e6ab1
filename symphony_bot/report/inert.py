"""Text from outside (an agent's task line, halt reason or output, an error message) made inert for Markdown that
GitHub renders: it reads the same, but nothing in it acts — no link, image, HTML, mention, issue reference or
closing keyword.

Two layers, because GitHub renders in two: cmark-gfm turns Markdown into HTML (links, images, autolinks, raw
HTML, entities), then GitHub's own filters walk the HTML's text and turn `@name` into a mention, `#12`,
`GH-12` and `owner/repo#12` into references, and a closing keyword before a reference into "closes this issue".

* Markdown syntax: every character that opens inline syntax is backslash-escaped (CommonMark: "any ASCII
  punctuation character may be backslash-escaped", and is then literal), so `[x](y)`, `![x](y)`, `<a>`,
  `&#64;`, `**`, `_x_`, `` ` ``, `~~x~~`, `$math$` and a table's `|` all show as typed; so is any punctuation
  at the start of the text, where it could open a block (`# `, `- `, `> `), and the `.` of a leading `1.`.
  A backslash before `&` also stops entity decoding: `&#64;name` and `&commat;name` stay those characters and
  never become `@name`.
* What GitHub finds in rendered text: a ZERO WIDTH SPACE (U+200B) goes where the pattern needs a word character
  — after `@` (mentions, e-mail autolinks), before `://` and a URI scheme's `:` (URL autolinks), inside `www.`,
  after `#` and `GH-` before a digit (references), and after the first letter of a closing keyword that comes
  before a reference. U+200B is invisible and, unlike ZERO WIDTH JOINER, joins nothing (ZWJ glues emoji into
  sequences and changes how the characters around it are drawn); unlike a code span it keeps the text as
  prose and needs no escaping of backticks. Copying the text copies the invisible character: for quoted agent
  output that is the right trade.
* Control and bidirectional-override characters are dropped, so text cannot reorder how the line reads.

`inert_inline` is for one line (a table cell, a sentence); `inert_references` is for text already shown
literally (a fenced code block) where only GitHub's reference and closing-keyword filters still apply.
Both are pure functions.
"""

from __future__ import annotations

import re
import string
import unicodedata

ZERO_WIDTH_SPACE = "\u200b"
ELLIPSIS = "…"
_PUNCTUATION = frozenset(string.punctuation)
_INLINE_SYNTAX = frozenset("\\`*_[]()<>!|~&$#")
_ORDERED_START = re.compile(r"^(\d{1,9})([.)])")
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# GitHub's closing keywords (docs: "Linking a pull request to an issue using a keyword"), any case, then an
# optional colon, then a reference: #N, GH-N, owner/repo#N or a URL.
_CLOSING = re.compile(
    r"(?i)\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?=:?\s+(?:#|gh-|[\w.-]+/[\w.-]+#|[a-z][a-z0-9+.-]*:))"
)
_NUMBERED = re.compile(r"(?i)(#|\bgh-)(?=\d)")
_SCHEME = re.compile(r"(?i)(?<=[a-z0-9])(?=:(?://|[^\s/]))")  # "https://", "mailto:x", "xmpp:x"
_WWW = re.compile(r"(?i)\bwww(?=\.)")


def _printable(text: str) -> str:
    return "".join(
        char for char in text if char not in _BIDI_CONTROLS and (unicodedata.category(char) != "Cc" or char in "\t\n")
    )


def inert_references(text: str) -> str:
    """`text` with every mention, issue reference and closing keyword broken by an invisible U+200B; for text
    GitHub shows literally (code) but still scans for mentions and references."""
    text = _printable(text)
    text = _CLOSING.sub(lambda match: match.group(1)[0] + ZERO_WIDTH_SPACE + match.group(1)[1:], text)
    text = _NUMBERED.sub(lambda match: match.group(1) + ZERO_WIDTH_SPACE, text)
    text = _SCHEME.sub(ZERO_WIDTH_SPACE, text)
    text = _WWW.sub("www" + ZERO_WIDTH_SPACE, text)
    return text.replace("@", "@" + ZERO_WIDTH_SPACE)


def inert_inline(text: str, limit: int | None = None) -> str:
    """One line of untrusted text as inert Markdown: whitespace collapsed, cut to `limit` characters (before
    escaping, with an ellipsis), every piece of syntax shown as typed and nothing GitHub would link."""
    text = " ".join(_printable(text).split())
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    text = inert_references(text)
    text = "".join(
        "\\" + char if char in _INLINE_SYNTAX or (index == 0 and char in _PUNCTUATION) else char
        for index, char in enumerate(text)
    )
    return _ORDERED_START.sub(r"\1\\\2", text)  # "1." would open an ordered list
