"""Auto Run documents: markdown checklists, read the way the agent and the reviewer read them.

A task is a checkbox bullet on its own line (`-`, `*` or `+`, any indent) with text after the box, outside
fenced code. `[ ]` is open; `[x]`, `[X]`, `✓` and `✔` are done. The halt marker
`<!-- maestro:halt: reason -->` (case-insensitive, outside fences) stops a run.

Everything here is a pure function of the text and runs in one linear pass: no regex here can backtrack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

CHECKED_MARKS = frozenset("xX✓✔")
DEFAULT_HALT_REASON = "Halted by agent"
PREVIEW_LENGTH = 120

# "- [ ] text": indent, one bullet, optional spaces, a box with one mark or blanks, then text.
_TASK = re.compile(r"^[ \t]*[-*+][ \t]*\[(?P<mark>[ \t]*|[xX✓✔])\][ \t]*(?P<text>\S.*)$")
_HALT_START = re.compile(r"<!--[ \t]*maestro:halt\b", re.IGNORECASE)
_TASK_MARKS = re.compile(r"^[ \t]*[-*+][ \t]*\[([ \t]*|[xX✓✔])\][ \t]*\S", re.MULTILINE)
_FIRST_UNCHECKED = re.compile(r"^[ \t]*[-*+][ \t]*\[[ \t]*\][ \t]*(?P<text>\S.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Task:
    line: int  # 1-based
    text: str
    checked: bool

    @property
    def preview(self) -> str:
        return self.text if len(self.text) <= PREVIEW_LENGTH else self.text[: PREVIEW_LENGTH - 1] + "…"


@dataclass(frozen=True)
class Halt:
    line: int
    reason: str


@dataclass(frozen=True)
class DocumentState:
    tasks: tuple[Task, ...]
    halt: Halt | None

    @property
    def checked(self) -> int:
        return sum(1 for task in self.tasks if task.checked)

    @property
    def unchecked(self) -> int:
        return len(self.tasks) - self.checked

    @property
    def first_unchecked(self) -> Task | None:
        return next((task for task in self.tasks if not task.checked), None)

    @property
    def open_tasks(self) -> list[Task]:
        return [task for task in self.tasks if not task.checked]


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines_outside_fences(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line) for every line that is not fenced code. An unclosed fence hides the rest,
    as it does when markdown is rendered."""
    fence_char = ""
    fence_length = 0
    for number, line in enumerate(normalise_newlines(text).split("\n"), start=1):
        stripped = line.lstrip(" \t")
        if stripped[:3] in ("```", "~~~"):
            char = stripped[0]
            length = len(stripped) - len(stripped.lstrip(char))
            if not fence_char:
                fence_char, fence_length = char, length
                continue
            if char == fence_char and length >= fence_length and not stripped[length:].strip():
                fence_char, fence_length = "", 0
                continue
        if not fence_char:
            yield number, line


def parse(text: str) -> DocumentState:
    tasks: list[Task] = []
    halt: Halt | None = None
    for number, line in _lines_outside_fences(text):
        if "[" in line:
            match = _TASK.match(line)
            if match:
                mark = match.group("mark")
                tasks.append(Task(number, match.group("text").rstrip(), mark in CHECKED_MARKS))
                continue
        if halt is None and "<!--" in line:
            halt = _halt_in(line, number)
    return DocumentState(tuple(tasks), halt)


def _halt_in(line: str, number: int) -> Halt | None:
    start = _HALT_START.search(line)
    if start is None:
        return None
    end = line.find("-->", start.end())
    if end < 0:
        return None
    rest = line[start.end() : end].strip()
    # Unlike Maestro, a ">" inside the reason does not hide the marker: we look for "-->", not ">".
    reason = rest[1:].strip() if rest.startswith(":") else ""
    if rest and not rest.startswith(":"):
        return None  # "maestro:haltx" or similar: not our marker
    return Halt(number, reason or DEFAULT_HALT_REASON)


@dataclass(frozen=True)
class Counts:
    """What the engine needs after every run, without building a Task per line."""

    checked: int
    unchecked: int
    first_unchecked: Task | None
    halt: Halt | None


def count(text: str) -> Counts:
    """Same answer as `parse`, computed in C-speed regex passes when the document has no fenced code (the
    common case); documents with fences take the line-by-line path."""
    text = normalise_newlines(text)
    if "```" in text or "~~~" in text:
        state = parse(text)
        return Counts(state.checked, state.unchecked, state.first_unchecked, state.halt)
    marks = _TASK_MARKS.findall(text)
    unchecked = sum(1 for mark in marks if mark not in CHECKED_MARKS)
    checked = len(marks) - unchecked
    first: Task | None = None
    match = _FIRST_UNCHECKED.search(text)
    if match is not None:
        first = Task(text.count("\n", 0, match.start()) + 1, match.group("text").rstrip(), False)
    halt = None
    for found in _HALT_START.finditer(text):
        line_start = text.rfind("\n", 0, found.start()) + 1
        line_end = text.find("\n", found.start())
        number = text.count("\n", 0, found.start()) + 1
        halt = _halt_in(text[line_start : line_end if line_end >= 0 else len(text)], number)
        if halt is not None:
            break
    return Counts(checked, unchecked, first, halt)


def reset(text: str) -> str:
    """Uncheck every task outside fences, keeping everything else (indent, line endings) byte for byte."""
    task_lines = {task.line for task in parse(text).tasks if task.checked}
    if not task_lines:
        return text
    pieces = re.split(r"(\r\n|\r|\n)", text)
    # pieces alternates line, separator, line, …; line N is pieces[2 * (N - 1)]
    for number in task_lines:
        index = 2 * (number - 1)
        line = pieces[index]
        bracket = line.index("[")
        close = line.index("]", bracket)
        pieces[index] = line[: bracket + 1] + " " + line[close:]
    return "".join(pieces)
