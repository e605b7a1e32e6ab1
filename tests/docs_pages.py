"""The user documentation as the docs tests read it: the README and every page under docs/."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"

# A fence opens with three or more backticks or tildes and closes with at least as many of the same character.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def pages() -> list[Path]:
    """README.md first, then docs/*.md in name order."""
    return [README, *sorted(DOCS.glob("*.md"))]


def all_text() -> str:
    """Everything a reader can find: the README and every docs page."""
    return "\n".join(page.read_text(encoding="utf-8") for page in pages())


def fenced_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(info string, lines) of every fenced code block, in order."""
    blocks: list[tuple[str, list[str]]] = []
    opening: tuple[str, str] | None = None
    body: list[str] = []
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if opening is None:
            if match:
                opening, body = (match.group(1), match.group(2).strip()), []
        elif match and match.group(1)[0] == opening[0][0] and len(match.group(1)) >= len(opening[0]):
            if not match.group(2).strip():
                blocks.append((opening[1], body))
                opening = None
                continue
            body.append(line)
        else:
            body.append(line)
    return blocks


def prose(text: str) -> str:
    """The text with fenced code blocks and inline code spans blanked (links there are examples, not links)."""
    return "\n".join(re.sub(r"(`+)(?:(?!\1).)+?\1", "``", line) for line in without_fences(text).split("\n"))


def without_fences(text: str) -> str:
    """The text with every line of a fenced code block blanked."""
    out: list[str] = []
    opening: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if opening is None and match:
            opening = match.group(1)
            out.append("")
        elif opening is not None:
            if match and match.group(1)[0] == opening[0] and len(match.group(1)) >= len(opening):
                opening = None
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, and
    -1, -2 ... on repeats (github/cmark-gfm's extension as GitHub.com renders it; explicit <a id>/<a name>
    anchors count too)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for line in without_fences(text).split("\n"):
        match = re.match(r"^ {0,3}#{1,6} +(.*?)(?: +#+)? *$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", _heading_text(match.group(1)).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    anchors.update(re.findall(r"<a (?:id|name)=\"([^\"]+)\"", text))
    return anchors


def _heading_text(raw: str) -> str:
    # The rendered text: link targets and emphasis markers are not part of it; code spans keep their content.
    raw = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw)
    return raw.replace("`", "").replace("*", "")
