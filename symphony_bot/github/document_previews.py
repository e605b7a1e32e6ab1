"""Previews of Auto Run documents for the projects site: how many tasks each has, how many are open, and the
first open ones — read from the repository's default branch, as a run would see them.

Documents are read in GraphQL batches (`github/files.py`: up to 50 in one query), so a site of a thousand
projects costs a handful of requests; the caller still chooses which documents are worth it (the site: those of
issues someone could still work on) and a limit; every answer is cached for the issues TTL (5 min), keyed like
the scan's. A document that cannot be
read gets a note saying why (missing, a directory, too large, not UTF-8), never an error for the whole site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symphony_bot.github.cache import ISSUES_TTL_SECONDS, Cache
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.files import FileAnswer, FileRequest, read_files

CACHE_NAMESPACE = "documents"
PREVIEW_TASKS = 5  # open tasks shown per document
MAX_TASK_CHARACTERS = 200


@dataclass(frozen=True)
class DocumentRequest:
    repository: str  # OWNER/NAME
    branch: str
    path: str


@dataclass(frozen=True)
class DocumentPreview:
    tasks_total: int = 0
    tasks_open: int = 0
    open_tasks: tuple[str, ...] = ()  # the first PREVIEW_TASKS open tasks, cut to MAX_TASK_CHARACTERS
    note: str | None = None  # why there is no count

    def to_json(self) -> dict[str, Any]:
        return {"total": self.tasks_total, "open": self.tasks_open, "tasks": list(self.open_tasks), "note": self.note}

    @classmethod
    def from_json(cls, data: Any) -> DocumentPreview | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                tasks_total=int(data["total"]),
                tasks_open=int(data["open"]),
                open_tasks=tuple(str(task) for task in data["tasks"]),
                note=None if data.get("note") is None else str(data["note"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class PreviewResult:
    previews: dict[tuple[str, str], DocumentPreview]  # (repository lower-cased, path) -> preview
    read: int = 0  # documents read from GitHub (one contents-API request each)
    skipped: int = 0  # documents past the limit


def preview_of_text(text: str) -> DocumentPreview:
    from symphony_bot.autorun.document import normalise_newlines, parse

    tasks = parse(normalise_newlines(text)).tasks
    open_tasks = [task.text.strip() for task in tasks if not task.checked]
    return DocumentPreview(
        tasks_total=len(tasks),
        tasks_open=len(open_tasks),
        open_tasks=tuple(task[:MAX_TASK_CHARACTERS] for task in open_tasks[:PREVIEW_TASKS]),
    )


def _cache_key(client: GitHubClient, request: DocumentRequest) -> str:
    repository = request.repository.casefold()
    return f"{client.graphql_url}|{client.token_fingerprint}|{repository}|{request.branch}|{request.path}"


def fetch_previews(
    client: GitHubClient,
    requests: list[DocumentRequest],
    *,
    limit: int,
    cache: Cache | None = None,
    refresh: bool = False,
) -> PreviewResult:
    """Previews of the distinct documents of `requests`, in order, reading at most `limit` from GitHub."""
    result = PreviewResult(previews={})
    wanted: dict[tuple[str, str], tuple[DocumentRequest, str]] = {}
    for request in requests:
        key = (request.repository.casefold(), request.path)
        if key in result.previews or key in wanted:
            continue
        cache_key = _cache_key(client, request)
        cached = None if cache is None or refresh else cache.get(CACHE_NAMESPACE, cache_key, ISSUES_TTL_SECONDS)
        preview = DocumentPreview.from_json(cached)
        if preview is not None:
            result.previews[key] = preview
        elif len(wanted) >= limit:
            result.skipped += 1
        else:
            wanted[key] = (request, cache_key)
    answers = read_files(client, [FileRequest(r.repository, r.branch, r.path) for r, _ in wanted.values()])
    for key, (request, cache_key) in wanted.items():
        preview = _preview_of(answers[FileRequest(request.repository, request.branch, request.path)])
        result.read += 1
        if cache is not None:
            cache.put(CACHE_NAMESPACE, cache_key, preview.to_json())
        result.previews[key] = preview
    return result


def _preview_of(answer: FileAnswer) -> DocumentPreview:
    if answer.text is None:
        return DocumentPreview(note=answer.note or "cannot be read")
    return preview_of_text(answer.text)
