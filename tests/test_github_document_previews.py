"""Task previews of Auto Run documents read from the sandbox: counts and open tasks, notes for what cannot be
read, the limit, de-duplication and the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphony_bot.github.cache import Cache
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.document_previews import (
    PREVIEW_TASKS,
    DocumentPreview,
    DocumentRequest,
    fetch_previews,
    preview_of_text,
)
from symphony_bot.sandbox import Sandbox

MANY = "".join(f"- [ ] task {n}\n" for n in range(PREVIEW_TASKS + 3))


@pytest.fixture(autouse=True)
def _maint_project(sb: Sandbox) -> None:
    sb.add_user("maint", token="t-maint")
    files = {
        "docs/a.md": "# A\n- [x] done\n- [ ] open one\n```\n- [ ] in a fence\n```\n* [ ] open two\n",
        "docs/many.md": MANY,
        "docs/folder/x.md": "- [ ] x\n",
    }
    sb.create_repo("maint", "proj", files=files)


def client_for(sb: Sandbox) -> GitHubClient:
    return GitHubClient(sb.api_url, sb.graphql_url, "t-maint")


def request(path: str) -> DocumentRequest:
    return DocumentRequest("maint/proj", "main", path)


def test_counts_and_open_tasks(sb: Sandbox) -> None:
    result = fetch_previews(client_for(sb), [request("docs/a.md"), request("docs/many.md")], limit=10)
    assert result.previews[("maint/proj", "docs/a.md")] == DocumentPreview(3, 2, ("open one", "open two"))
    many = result.previews[("maint/proj", "docs/many.md")]
    assert (many.tasks_total, many.tasks_open, len(many.open_tasks)) == (PREVIEW_TASKS + 3, PREVIEW_TASKS + 3, 5)
    assert result.read == 2


def test_notes_for_what_cannot_be_read(sb: Sandbox) -> None:
    result = fetch_previews(client_for(sb), [request("docs/missing.md"), request("docs/folder")], limit=10)
    assert result.previews[("maint/proj", "docs/missing.md")].note == "not found on main"
    assert result.previews[("maint/proj", "docs/folder")].note == "is a directory, not a document"


def test_limit_and_duplicates(sb: Sandbox) -> None:
    wanted = [request("docs/a.md"), request("docs/a.md"), request("docs/many.md"), request("docs/folder/x.md")]
    result = fetch_previews(client_for(sb), wanted, limit=2)
    assert result.read == 2 and result.skipped == 1
    assert ("maint/proj", "docs/folder/x.md") not in result.previews


def test_cache(sb: Sandbox, tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    first = fetch_previews(client_for(sb), [request("docs/a.md")], limit=5, cache=cache)
    second = fetch_previews(client_for(sb), [request("docs/a.md")], limit=0, cache=cache)
    assert second.read == 0 and second.previews == first.previews
    assert fetch_previews(client_for(sb), [request("docs/a.md")], limit=5, cache=cache, refresh=True).read == 1


def test_long_task_text_is_cut() -> None:
    preview = preview_of_text("- [ ] " + "x" * 1000 + "\n")
    assert len(preview.open_tasks[0]) == 200
