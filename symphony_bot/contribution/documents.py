"""The run's documents, in the issue's order: repository paths checked in the clone, attachments downloaded
into a cache outside the work tree and written under ATTACHMENTS_FOLDER (no link followed: safe_files), which
no commit ever includes."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from symphony_bot.autorun.document import parse
from symphony_bot.contribution.config import ATTACHMENTS_FOLDER
from symphony_bot.contribution.preflight import PreflightError, check_document
from symphony_bot.contribution.state import DocumentProgress, TaskRow, TaskStatus
from symphony_bot.contribution.status_comment import task_text_in_body, ticked_in_body
from symphony_bot.issues.body import DocumentReference
from symphony_bot.workspace import safe_files
from symphony_bot.workspace.gitops import WorkTree

_OPEN_BOX = re.compile(r"^([ \t]*[-*+][ \t]*)\[[ \t]*\]")
_FOLDER_MODE = "040000"
_KIND_BY_MODE = {
    "120000": "a symbolic link",
    "160000": "a submodule",
    "100644": "a file",
    "100755": "an executable file",
}
ATTACHMENTS_NOT_A_FOLDER = (
    "this repository has {folder} as {kind}, not a plain folder; the bot writes the issue's attachments into that "
    "folder and writes only into a plain folder, so the run stops (remove {folder} from the repository, or add "
    "the documents to the repository and link them by path)"
)
ATTACHMENT_NOT_WRITTEN = (
    "the attachment {name} could not be written into {folder} ({error}); the bot writes only new, plain files "
    "there, so the run stops (remove {folder}/{name} from the repository)"
)


def resolve_documents(tree: WorkTree, references: Iterable[DocumentReference], cache: Path) -> list[Path]:
    from symphony_bot.github.attachments import AttachmentError, download

    paths = []
    attachments = _Attachments(tree)
    try:
        for index, reference in enumerate(references, start=1):
            if not reference.external:
                paths.append(check_document(tree.path, reference))
                continue
            assert reference.url is not None
            try:
                cached = download(reference.url, reference.name, cache, index=index)
            except AttachmentError as error:
                raise PreflightError(f"attachment on issue body line {reference.line}: {error}") from None
            paths.append(attachments.add(cached.name, cached.read_bytes()))
    finally:
        attachments.close()
    return paths


class _Attachments:
    """ATTACHMENTS_FOLDER in the work tree, written without following anything: the folder is made fresh by
    the harness (mkdirat) unless the repository commits it as a plain folder, and every file is new
    (O_CREAT|O_EXCL|O_NOFOLLOW, relative to the folder's descriptor). Anything else there is refused."""

    def __init__(self, tree: WorkTree) -> None:
        self.tree = tree
        self.folder: int | None = None

    def add(self, name: str, data: bytes) -> Path:
        if self.folder is None:
            self.folder = self._open()
        try:
            # A name the repository's plain folder already holds: the attachment takes its place.
            safe_files.create_file(self.folder, name, data, replace=True)
        except OSError as error:
            raise PreflightError(
                ATTACHMENT_NOT_WRITTEN.format(folder=ATTACHMENTS_FOLDER, name=name, error=error.strerror or error)
            ) from None
        return self.tree.path.resolve() / ATTACHMENTS_FOLDER / name

    def _open(self) -> int:
        committed = self.tree.committed_mode(ATTACHMENTS_FOLDER)
        if committed is not None and committed != _FOLDER_MODE:
            kind = _KIND_BY_MODE.get(committed, f"an entry of mode {committed}")
            raise PreflightError(ATTACHMENTS_NOT_A_FOLDER.format(folder=ATTACHMENTS_FOLDER, kind=kind))
        self.tree.exclude(f"/{ATTACHMENTS_FOLDER}")  # whatever it becomes later: never committed
        root = safe_files.open_directory(self.tree.path)
        try:
            found = safe_files.kind_of(root, ATTACHMENTS_FOLDER)
            if found is None:
                return safe_files.make_directory(root, ATTACHMENTS_FOLDER)
            if found == "directory" and committed == _FOLDER_MODE:
                return safe_files.open_child_directory(root, ATTACHMENTS_FOLDER)
            kind = "a folder the clone did not make" if found == "directory" else f"a {found}"
            raise PreflightError(ATTACHMENTS_NOT_A_FOLDER.format(folder=ATTACHMENTS_FOLDER, kind=kind))
        except OSError as error:
            kind = f"something it cannot open as a folder ({error.strerror or error})"
            raise PreflightError(ATTACHMENTS_NOT_A_FOLDER.format(folder=ATTACHMENTS_FOLDER, kind=kind)) from None
        finally:
            os.close(root)

    def close(self) -> None:
        if self.folder is not None:
            os.close(self.folder)
            self.folder = None


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
    task list says which): a resumed run does not redo them. Returns how many were ticked. The files are read
    and rewritten through the folder's descriptor, never by following a path."""
    restored = 0
    for path in paths:
        name = str(path.relative_to(work_tree.resolve()))
        if not name.startswith(ATTACHMENTS_FOLDER + "/"):
            continue
        ticked = ticked_in_body(body, name)
        if not ticked:
            continue
        root = safe_files.open_directory(work_tree)
        try:
            folder = safe_files.open_child_directory(root, ATTACHMENTS_FOLDER)
        finally:
            os.close(root)
        try:
            lines = safe_files.read_file(folder, path.name).decode("utf-8", errors="replace").split("\n")
            for task in parse("\n".join(lines)).open_tasks:
                if task_text_in_body(task.text) in ticked:
                    lines[task.line - 1] = _OPEN_BOX.sub(r"\1[x]", lines[task.line - 1], count=1)
                    restored += 1
            safe_files.rewrite_file(folder, path.name, "\n".join(lines).encode("utf-8"))
        finally:
            os.close(folder)
    return restored
