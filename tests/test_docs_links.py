"""Every relative link of the README and docs/ leads somewhere: the file exists in the checkout, and an #anchor
names a heading of the page it points at (as GitHub renders the page)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

from tests.docs_pages import REPO_ROOT, heading_anchors, pages, prose

# [text](target) and [text](target "title"); images too. Autolinks and bare URLs are not relative links.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def relative_links(page: Path) -> list[str]:
    return [target for target in LINK.findall(prose(page.read_text(encoding="utf-8"))) if not EXTERNAL.match(target)]


def broken_links() -> list[str]:
    broken = []
    for page in pages():
        for target in relative_links(page):
            path, _, anchor = target.partition("#")
            resolved = (page.parent / unquote(path)).resolve() if path else page
            where = f"{page.relative_to(REPO_ROOT)}: ({target})"
            if not resolved.is_relative_to(REPO_ROOT) or not resolved.exists():
                broken.append(f"{where} — no such file")
            elif anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved.read_text("utf-8")):
                broken.append(f"{where} — no heading with that anchor")
    return broken


def test_every_relative_link_and_anchor_leads_somewhere() -> None:
    assert sum(len(relative_links(page)) for page in pages()) >= 50  # the check is looking at real links
    assert broken_links() == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    readme_links = {target.partition("#")[0] for target in relative_links(pages()[0])}
    unlinked = [page.name for page in pages()[1:] if f"docs/{page.name}" not in readme_links]
    assert unlinked == []


def test_the_checker_catches_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    text = "# Title\n\n## A `code` heading\n\n[ok](#a-code-heading) [bad](#nope) [gone](missing.md) `[x](y.md)`\n"
    page = tmp_path / "page.md"
    page.write_text(text)
    assert relative_links(page) == ["#a-code-heading", "#nope", "missing.md"]
    anchors = heading_anchors(text)
    assert "a-code-heading" in anchors and "nope" not in anchors
