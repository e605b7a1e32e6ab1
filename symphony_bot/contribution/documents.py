"""The run's documents, in the issue's order: repository paths checked in the clone, attachments downloaded
into a cache outside the work tree and copied under ATTACHMENTS_FOLDER, which no commit ever includes."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from symphony_bot.autorun.document import parse
from symphony_bot.contribution.config import ATTACHMENTS_FOLDER
from symphony_bot.contribution.preflight import PreflightError, check_document
from symphony_bot.contribution.state import DocumentProgress, TaskRow
from symphony_bot.gitops import WorkTree
from symphony_bot.issue_body import DocumentReference


def resolve_documents(tree: WorkTree, references: Iterable[DocumentReference], cache: Path) -> list[Path]:
    from symphony_bot.github.attachments import AttachmentError, download

    paths = []
    for index, reference in enumerate(references, start=1):
        if not reference.external:
            paths.append(check_document(tree.path, reference))
            continue
        assert reference.url is not None
        try:
            cached = download(reference.url, reference.name, cache, index=index)
        except AttachmentError as error:
            raise PreflightError(f"attachment on issue body line {reference.line}: {error}") from None
        inside = tree.path / ATTACHMENTS_FOLDER / cached.name
        inside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, inside)
        tree.exclude(f"/{ATTACHMENTS_FOLDER}/")
        paths.append(inside.resolve())
    return paths


def load_tasks(work_tree: Path, paths: Iterable[Path]) -> tuple[list[DocumentProgress], list[TaskRow]]:
    """Each document's counts and its open tasks, as the status comment lists them before the run."""
    documents: list[DocumentProgress] = []
    tasks: list[TaskRow] = []
    for path in paths:
        name = str(path.relative_to(work_tree.resolve()))
        parsed = parse(path.read_text(encoding="utf-8", errors="replace"))
        documents.append(DocumentProgress(name=name, total=len(parsed.tasks), done=parsed.checked))
        tasks += [TaskRow(document=name, text=task.text, line=task.line) for task in parsed.open_tasks]
    return documents, tasks
