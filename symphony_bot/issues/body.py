"""Issue body -> the Auto Run documents it lists, and the issue's status.

Document references are read the way Maestro reads them (`parseDocumentPaths` in Maestro's symphony.ts), so
an issue written for the desktop app lists the same documents here:

- a repository path alone on its line, optionally in backticks, after a `-`/`*` bullet or a `1.` number, or
  bare (`[A-Za-z0-9_-./]` only), indented by at most 20 spaces/tabs, ending in `.md`;
- a markdown link whose text ends in `.md` (any case) and whose target starts with `http`: an attachment.

What we do differently, on purpose (the README lists these too):

- documents keep the order of the issue body (Maestro: links first, then bullets, numbered, bare lines);
- duplicates are the same full path or URL (Maestro: the same lower-cased file name, so `a/task.md` hides
  `b/task.md`); a duplicate is reported as a warning;
- fenced code blocks and HTML comments are skipped: what the rendered issue does not show is not run;
- line endings are normalised first (Maestro's JavaScript `$` treats a lone `\\r` as a line end; so do we);
- unsafe references are problems that make the issue invalid, found here rather than at start: absolute
  paths, `..` segments, backslashes, percent escapes, control and bidi characters, the `.git` directory,
  attachment URLs that are not https on GitHub's attachment hosts, and URLs with credentials or a port;
- an attachment's name is a safe base name built from the link text, never a path;
- a path ending in `.MD` (any case but `.md`) is not a document, as in Maestro, but we warn about it.

Everything is linear in the size of the body: lines are found with anchored patterns that cannot backtrack
across lines, and each candidate line is examined once with bounded patterns and `str` methods.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from symphony_bot.issues.safety import (
    DOCUMENT_SUFFIX,
    printable,
    safe_attachment_name,
    unsafe_path_reason,
    unsafe_url_reason,
)
from symphony_bot.report.findings import Severity

# Maestro truncates to MAX_BODY_SIZE = 1024 * 1024 characters before parsing; we cut at the same place.
MAX_BODY_CHARS = 1024 * 1024
MAX_REFERENCES = 1000  # no real issue lists more; a body that does is refused, not half-read
MAX_CANDIDATE_LINES = 5_000  # lines ending in ".md" examined before a body is refused as hostile
MAX_HIDDEN_REGIONS = 2_000  # code fences and HTML comments, likewise
MAX_PROBLEMS = 100  # a hostile body could otherwise produce one problem per line

# Problem codes (stable: the README and the JSON output use them; the safety codes are in issue_safety)
CODE_BODY_TRUNCATED = "body-truncated"
CODE_NO_DOCUMENTS = "no-documents"
CODE_DUPLICATE = "duplicate-document"
CODE_NAME_SANITISED = "attachment-name-sanitised"
CODE_UPPERCASE_SUFFIX = "uppercase-suffix"
CODE_UNCLOSED_FENCE = "unclosed-fence"
CODE_TOO_MANY_PROBLEMS = "too-many-problems"
CODE_TOO_MANY_DOCUMENTS = "too-many-documents"

# Maestro's DOCUMENT_PATH_PATTERNS (bullet, numbered, bare), one alternation, run over the whole body. The
# suffix matches in any case here so that `.MD` can be reported; only `.md` is accepted. No part can backtrack
# across a line, and inside a line the only repetition that backtracks is one run of non-space characters.
_PATH_LINE = re.compile(
    r"^[ \t]{0,20}(?:[-*]|\d{1,4}\.)[ \t]{1,4}`?(?P<listed>[^\s`]+\.(?i:md))`?[ \t]*$"
    r"|^[ \t]{0,20}(?P<bare>[a-zA-Z0-9_\-./]{1,200}\.(?i:md))[ \t]*$",
    re.MULTILINE,
)
# [text.md](target "optional title"): the text cannot hold brackets (the innermost link wins) and the target
# cannot hold spaces, brackets or parentheses, so matches never overlap and the scan stays linear.
_LINK = re.compile(
    r"\[(?P<text>[^\[\]\n]*\.(?i:md))\]\([ \t]*<?(?P<target>[^\s()\[\]<>]*)>?(?:[ \t][^()\[\]\n]{0,200})?\)"
)
# A line that could be a path reference ends in ".md" (any case), perhaps a backtick, perhaps blanks. Searching
# for these first is fast (the search starts from a literal "."); the full pattern then runs on those lines only.
_LINE_ENDING_IN_MD = re.compile(r"\.[mM][dD]`?[ \t]*$", re.MULTILINE)
# Where hidden regions may start: a fence (``` or ~~~, checked to open its line) or an HTML comment.
_COMMENT_OPEN = "<!--"
_COMMENT_CLOSE = "-->"
_HIDDEN_MARK = re.compile(r"```|~~~|<!--")  # plain literals: the regex engine skips ahead fast
_FENCE_RUN = {"`": re.compile("`+"), "~": re.compile("~+")}
MAX_FENCE_INDENT = 40


@dataclass(frozen=True)
class DocumentReference:
    """One Auto Run document named by an issue: a path in the repository, or an attachment URL."""

    name: str  # a safe file name: the path's last segment, or the attachment's sanitised link text
    path: str | None  # repository-relative path, normalised (no "./", no empty segments)
    url: str | None  # attachment URL (https, allow-listed host)
    line: int  # 1-based line of the issue body

    @property
    def external(self) -> bool:
        return self.url is not None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "url": self.url, "external": self.external, "line": self.line}


@dataclass(frozen=True)
class Problem:
    line: int
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "message": self.message, "severity": str(self.severity)}


@dataclass(frozen=True)
class ParsedBody:
    documents: tuple[DocumentReference, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(problem for problem in self.problems if problem.severity is Severity.ERROR)

    @property
    def valid(self) -> bool:
        """Usable as it is: at least one document and nothing unsafe."""
        return bool(self.documents) and not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": [document.to_json() for document in self.documents],
            "problems": [problem.to_json() for problem in self.problems],
        }


class _Collector:
    def __init__(self) -> None:
        self.documents: list[DocumentReference] = []
        self.problems: list[Problem] = []
        self.seen: dict[str, int] = {}  # dedupe key -> line of the first reference
        self.references = 0  # accepted or rejected: "no documents" means none of either
        self.stopped = False  # the body was refused part-way as hostile
        self._dropped = 0

    def problem(self, line: int, code: str, message: str, severity: Severity = Severity.ERROR) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, code, message, severity))
        else:
            self._dropped += 1

    def document(self, key: str, reference: DocumentReference) -> None:
        first = self.seen.get(key)
        if first is not None:
            self.problem(
                reference.line,
                CODE_DUPLICATE,
                f"{printable(key)} is already listed on line {first}; it runs once",
                Severity.WARNING,
            )
            return
        self.seen[key] = reference.line
        self.documents.append(reference)

    def result(self) -> ParsedBody:
        problems = list(self.problems)
        if self._dropped:
            problems.append(
                Problem(
                    problems[-1].line,
                    CODE_TOO_MANY_PROBLEMS,
                    f"{self._dropped} more problems not shown; fix the ones above first",
                    Severity.ERROR if any(p.severity is Severity.ERROR for p in problems) else Severity.WARNING,
                )
            )
        return ParsedBody(tuple(self.documents), tuple(problems))


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_body(body: str | None) -> ParsedBody:
    """The documents an issue body lists, in body order, and every problem found on the way."""
    collector = _Collector()
    text = body or ""
    if len(text) > MAX_BODY_CHARS:
        cut_line = normalise_newlines(text[:MAX_BODY_CHARS]).count("\n") + 1
        collector.problem(
            cut_line,
            CODE_BODY_TRUNCATED,
            f"the body is {len(text):,} characters; only the first {MAX_BODY_CHARS:,} are read "
            "(references after this line are ignored)",
            Severity.WARNING,
        )
        text = text[:MAX_BODY_CHARS]
    text = normalise_newlines(text)

    hidden = _HiddenRegions(text)
    references = heapq.merge(
        ((match.start(), True, match) for match in _LINK.finditer(text)),
        _path_lines(text),
        key=lambda item: item[0],
    )
    line_number = 1
    counted_to = 0
    for start, is_link, match in references:
        if match is None:
            collector.problem(
                text.count("\n", 0, start) + 1,
                CODE_TOO_MANY_DOCUMENTS,
                f"more than {MAX_CANDIDATE_LINES} lines end in .md; the rest of the body is not read",
            )
            collector.stopped = True
            break
        try:
            if hidden.covers(start):
                continue
        except _HostileBodyError as error:
            collector.problem(
                text.count("\n", 0, error.position) + 1,
                CODE_TOO_MANY_DOCUMENTS,
                f"{error.what}; the rest of the body is not read",
            )
            collector.stopped = True
            break
        line_number += text.count("\n", counted_to, start)
        counted_to = start
        if collector.references >= MAX_REFERENCES:
            collector.problem(
                line_number,
                CODE_TOO_MANY_DOCUMENTS,
                f"more than {MAX_REFERENCES} document references; split the work over several issues",
            )
            collector.stopped = True
            break
        if is_link:
            _read_link(match.group("text"), match.group("target"), line_number, collector)
        else:
            _read_path(match.group("listed") or match.group("bare"), line_number, collector)

    for fence_start, fence, hidden_count in hidden.unclosed_fences():
        collector.problem(
            text.count("\n", 0, fence_start) + 1,
            CODE_UNCLOSED_FENCE,
            f"the code fence opened here is never closed, so {hidden_count} reference(s) after it are code "
            f"and ignored; close it with {fence}",
            Severity.WARNING,
        )
    if collector.references == 0 and not collector.stopped:
        collector.problem(
            1,
            CODE_NO_DOCUMENTS,
            "no Auto Run document is listed; put each document's repository path on its own line "
            "(for example `- docs/task.md`) or attach it as a markdown link ([task.md](https://github.com/…))",
        )
    return collector.result()


def _path_lines(text: str) -> Iterator[tuple[int, bool, re.Match[str] | None]]:
    """Lines that are a path reference, in order; a final (position, False, None) when too many lines had to
    be examined (a hostile body, not an issue)."""
    for examined, ending in enumerate(_LINE_ENDING_IN_MD.finditer(text)):
        line_start = text.rfind("\n", 0, ending.start()) + 1
        if examined >= MAX_CANDIDATE_LINES:
            yield line_start, False, None
            return
        match = _PATH_LINE.match(text, line_start, ending.end())
        if match is not None:
            yield line_start, False, match


class _HostileBodyError(Exception):
    """The body has far more structure than any issue; reading on would only cost time."""

    def __init__(self, position: int, what: str) -> None:
        super().__init__(what)
        self.position = position
        self.what = what


class _HiddenRegions:
    """Fenced code and HTML comments, found lazily in body order: `covers` is asked about increasing
    positions, so each region is found once and text is never scanned twice."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._search_from = 0
        self._region: tuple[int, int, str] | None = None  # start, end, the fence when unclosed ("" otherwise)
        self._done = False
        self._unclosed: dict[int, tuple[str, int]] = {}  # fence start -> (fence, references hidden)
        self._regions_seen = 0

    def covers(self, position: int) -> bool:
        while not self._done and (self._region is None or self._region[1] <= position):
            self._advance()
        region = self._region
        if region is None or not region[0] <= position < region[1]:
            return False
        if region[2]:
            fence, count = self._unclosed.get(region[0], (region[2], 0))
            self._unclosed[region[0]] = (fence, count + 1)
        return True

    def unclosed_fences(self) -> list[tuple[int, str, int]]:
        return [(start, fence, count) for start, (fence, count) in self._unclosed.items()]

    def _advance(self) -> None:
        text = self._text
        while True:
            match = _HIDDEN_MARK.search(text, self._search_from)
            if match is None:
                self._done = True
                self._region = None
                return
            self._search_from = match.end()
            if match.group() == _COMMENT_OPEN:
                self._regions_seen += 1
                if self._regions_seen > MAX_HIDDEN_REGIONS:
                    raise _HostileBodyError(match.start(), f"more than {MAX_HIDDEN_REGIONS} HTML comments and fences")
                close = text.find(_COMMENT_CLOSE, match.end())
                self._region = (match.start(), len(text) if close < 0 else close + len(_COMMENT_CLOSE), "")
                break
            line_start = _line_start_if_indented(text, match.start())
            if line_start is None:
                continue  # backticks inside a line: inline code, not a fence
            self._regions_seen += 1
            if self._regions_seen > MAX_HIDDEN_REGIONS:
                raise _HostileBodyError(match.start(), f"more than {MAX_HIDDEN_REGIONS} code fences")
            fence_end = _FENCE_RUN[match.group()[0]].match(text, match.start())
            assert fence_end is not None  # the mark itself is a run of at least three
            fence = fence_end.group()
            self._search_from = fence_end.end()
            line_end = text.find("\n", fence_end.end())
            line_end = len(text) if line_end < 0 else line_end
            if fence[0] == "`" and "`" in text[fence_end.end() : line_end]:
                continue  # CommonMark: a backtick fence's info string cannot hold a backtick (```a``` is code)
            end = _closing_fence_end(text, fence, line_end)
            self._region = (line_start, len(text) if end is None else end, fence if end is None else "")
            break
        self._search_from = max(self._search_from, self._region[1])


def _line_start_if_indented(text: str, position: int) -> int | None:
    """The start of the line when only blanks (at most MAX_FENCE_INDENT) precede `position` on it."""
    window_start = max(0, position - MAX_FENCE_INDENT - 1)
    newline = text.rfind("\n", window_start, position)
    if newline < 0 and window_start > 0:
        return None
    line_start = newline + 1
    return line_start if not text[line_start:position].strip(" \t") else None


def _closing_fence_end(text: str, fence: str, search_from: int) -> int | None:
    """Where the line closing `fence` ends: the same character, at least as many, nothing else on the line."""
    pattern = _closing_fence(fence[0], len(fence))
    position = search_from
    while True:
        match = pattern.search(text, position)
        if match is None:
            return None
        if _line_start_if_indented(text, match.start()) is not None and (
            match.start() == 0 or text[match.start() - 1] != fence[0]
        ):
            return match.end()
        position = match.end()


@functools.lru_cache(maxsize=64)
def _closing_fence(char: str, length: int) -> re.Pattern[str]:
    # Starts with a literal, so the search skips ahead quickly; the line start is checked by the caller.
    return re.compile(rf"{re.escape(char)}{{{length},}}[ \t]*$", re.MULTILINE)


def _read_path(candidate: str, line_number: int, collector: _Collector) -> None:
    if candidate.startswith("http"):
        return  # Maestro drops these too: a URL is only a document as a markdown link
    if not candidate.endswith(DOCUMENT_SUFFIX):
        collector.problem(
            line_number,
            CODE_UPPERCASE_SUFFIX,
            f"`{printable(candidate)}` is not read as a document: only a lower-case {DOCUMENT_SUFFIX} suffix "
            "counts (as in Maestro); rename the file or fix the reference",
            Severity.WARNING,
        )
        return
    collector.references += 1
    _add_repository_path(candidate, line_number, collector)


def _read_link(text: str, target: str, line_number: int, collector: _Collector) -> None:
    if not target.startswith("http"):
        return  # Maestro's rule: a relative link target is not an attachment
    collector.references += 1
    _add_attachment(text, target, line_number, collector)


def _add_repository_path(raw: str, line_number: int, collector: _Collector) -> None:
    reason = unsafe_path_reason(raw)
    if reason is not None:
        code, message = reason
        collector.problem(line_number, code, f"`{printable(raw)}` {message}")
        return
    segments = [segment for segment in raw.split("/") if segment not in ("", ".")]
    path = "/".join(segments)
    collector.document(path, DocumentReference(name=segments[-1], path=path, url=None, line=line_number))


def _add_attachment(text: str, url: str, line_number: int, collector: _Collector) -> None:
    reason = unsafe_url_reason(url)
    if reason is not None:
        code, message = reason
        collector.problem(line_number, code, f"{printable(url)} {message}")
        return
    name = safe_attachment_name(text, url)
    if name != text:
        collector.problem(
            line_number,
            CODE_NAME_SANITISED,
            f"the link text {printable(text)!r} is not a plain file name; the attachment is saved as {name!r}",
            Severity.WARNING,
        )
    collector.document(url, DocumentReference(name=name, path=None, url=url, line=line_number))
