"""The run's documents, in the issue's order: repository paths checked in the clone, attachments downloaded
into a cache outside the work tree and copied under ATTACHMENTS_FOLDER, which no commit ever includes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from symphony_bot.autorun.document import parse
from symphony_bot.contribution.config import ATTACHMENTS_FOLDER
from symphony_bot.contribution.preflight import PreflightError, check_document
from symphony_bot.contribution.state import DocumentProgress, TaskRow, TaskStatus
from symphony_bot.contribution.status_comment import task_text_in_body, ticked_in_body
from symphony_bot.issues.body import DocumentReference
from symphony_bot.workspace.gitops import WorkTree

_OPEN_BOX = re.compile(r"^([ \t]*[-*+][ \t]*)\[[ \t]*\]")


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
    """Each document's counts and every task (the ticked ones done), as the status comment lists them."""
    documents: list[DocumentProgress] = []
    tasks: list[TaskRow] = []
    for path in paths:
        name = str(path.relative_to(work_tree.resolve()))
        parsed = parse(path.read_text(encoding="utf-8", errors="replace"))
        documents.append(DocumentProgress(name=name, total=len(parsed.tasks), done=parsed.checked))
        for task in parsed.tasks:
            status = TaskStatus.DONE if task.checked else TaskStatus.PENDING
            tasks.append(TaskRow(document=name, text=task.text, line=task.line, status=status))
    return documents, tasks


def restore_attachment_ticks(work_tree: Path, paths: Iterable[Path], body: str) -> int:
    """Tick, in the fresh copies of attachment documents, the tasks an earlier run of this PR ticked (its body's
    task list says which): a resumed run does not redo them. Returns how many were ticked."""
    restored = 0
    for path in paths:
        name = str(path.relative_to(work_tree.resolve()))
        if not name.startswith(ATTACHMENTS_FOLDER + "/"):
            continue
        ticked = ticked_in_body(body, name)
        if not ticked:
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        for task in parse("\n".join(lines)).open_tasks:
            if task_text_in_body(task.text) in ticked:
                lines[task.line - 1] = _OPEN_BOX.sub(r"\1[x]", lines[task.line - 1], count=1)
                restored += 1
        path.write_text("\n".join(lines), encoding="utf-8")
    return restored
