"""Many repository files in few requests: GraphQL `object(expression: "REF:path")`, aliased, in batches.

The contents API costs one REST request per file. GraphQL reads up to FILES_PER_QUERY files in one query, across
repositories, with the file's size, whether it is binary, and its text. GitHub cuts `Blob.text` at 512,000 bytes
and says so in `isTruncated` (sveltia/sveltia-cms#950); such a file is read again through the contents API (it
serves up to 1 MB), so nothing is ever silently cut. Every value travels as a GraphQL variable, never spliced
into the query text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from symphony_bot.github.client import (
    MAX_FILE_BYTES,
    NOT_FOUND_ERROR_TYPE,
    FileTooLargeError,
    GitHubClient,
    GitHubError,
    GraphQLResponse,
    NotAFileError,
)

FILES_PER_QUERY = 50  # 50 documents of up to 512,000 bytes each stay well inside GitHub's answer limits
# Existence only (size and binary flag, no text): `object` is not a connection, so it adds nothing to GitHub's
# 500,000-node limit nor to the points (docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-
# the-graphql-api); what bounds a query is GitHub's 10-second timeout (each path is resolved in git), so a batch
# stays at 500, and a batch that fails is asked again in halves down to SMALLEST_RETRIED_BATCH.
EXISTENCE_PER_QUERY = 500
SMALLEST_RETRIED_BATCH = 50
_BLOB_FIELDS = "__typename ... on Blob { byteSize isBinary isTruncated text }"
_EXISTS_FIELDS = "__typename ... on Blob { byteSize isBinary }"


@dataclass(frozen=True)
class FileRequest:
    repository: str  # OWNER/NAME
    ref: str
    path: str


@dataclass(frozen=True)
class FileAnswer:
    text: str | None = None  # None: see `note`, or only existence was asked
    size: int | None = None
    note: str | None = None  # why there is no text: not found, a folder, binary, too large, unreadable
    missing: bool = False  # the ref holds no such path (GitHub answered null, without an error)
    checked: bool = True  # False: GitHub answered this file with an error, so nothing is known about it

    @property
    def exists(self) -> bool:
        return self.size is not None


def read_files(
    client: GitHubClient, requests: Iterable[FileRequest], *, text: bool = True
) -> dict[FileRequest, FileAnswer]:
    """Each distinct request's answer. `text=False` asks only whether each file exists (and its size)."""
    distinct = list(dict.fromkeys(requests))
    answers: dict[FileRequest, FileAnswer] = {}
    for batch in _batches(distinct, FILES_PER_QUERY if text else EXISTENCE_PER_QUERY):
        answers.update(_read_batch(client, batch, text) if text else _check_batch(client, batch))
    for request, answer in list(answers.items()):
        if answer.note == _TRUNCATED:
            answers[request] = _read_whole(client, request)
    return answers


_TRUNCATED = "truncated"


def _batches(items: list[FileRequest], size: int) -> Iterator[list[FileRequest]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class FileSelections:
    """The part of a query that reads one batch of files, to stand alone (`file_query`) or ride along in
    another query (the scan's): variable declarations, top-level fields and the variables' values. Every name
    starts with `prefix`, so it cannot meet the names of the query it joins."""

    declarations: list[str]
    fields: list[str]
    variables: dict[str, str]


def file_selections(batch: list[FileRequest], text: bool, prefix: str = "") -> FileSelections:
    """One `repository` alias per repository, one `object` per file, every value a variable."""
    by_repository: dict[str, list[int]] = {}
    for index, request in enumerate(batch):
        by_repository.setdefault(request.repository.casefold(), []).append(index)
    selections = FileSelections([], [], {})
    fields = _BLOB_FIELDS if text else _EXISTS_FIELDS
    for number, indexes in enumerate(by_repository.values()):
        owner, name = batch[indexes[0]].repository.split("/", 1)
        selections.variables[f"{prefix}o{number}"], selections.variables[f"{prefix}n{number}"] = owner, name
        selections.declarations += [f"${prefix}o{number}: String!", f"${prefix}n{number}: String!"]
        objects = []
        for index in indexes:
            selections.variables[f"{prefix}e{index}"] = f"{batch[index].ref}:{batch[index].path}"
            selections.declarations.append(f"${prefix}e{index}: String!")
            objects.append(f"{prefix}f{index}: object(expression: ${prefix}e{index}) {{ {fields} }}")
        selections.fields.append(
            f"{prefix}r{number}: repository(owner: ${prefix}o{number}, name: ${prefix}n{number}) "
            f"{{ {' '.join(objects)} }}"
        )
    return selections


def file_query(batch: list[FileRequest], text: bool) -> tuple[str, dict[str, str]]:
    """The query and its variables for one batch of files."""
    selections = file_selections(batch, text)
    query = f"query ReadFiles({', '.join(selections.declarations)}) {{ {' '.join(selections.fields)} }}"
    return query, selections.variables


def _check_batch(client: GitHubClient, batch: list[FileRequest]) -> dict[FileRequest, FileAnswer]:
    """Existence of a batch; one GitHub could not answer (a timeout) is asked again in halves, and what still
    fails is unchecked (never taken for missing)."""
    try:
        return _read_batch(client, batch, False)
    except GitHubError as error:
        if len(batch) <= SMALLEST_RETRIED_BATCH:
            return {request: FileAnswer(note=f"cannot be checked: {error}", checked=False) for request in batch}
    middle = len(batch) // 2
    return _check_batch(client, batch[:middle]) | _check_batch(client, batch[middle:])


def _read_batch(client: GitHubClient, batch: list[FileRequest], text: bool) -> dict[FileRequest, FileAnswer]:
    query, variables = file_query(batch, text)
    response = client.graphql(query, variables)
    if response.unplaced_errors():
        messages = "; ".join(str(error.get("message")) for error in response.unplaced_errors())
        raise GitHubError(f"GitHub could not read the files: {messages}")
    return answers_from(response, batch, text)


def answers_from(
    response: GraphQLResponse, batch: list[FileRequest], text: bool, prefix: str = ""
) -> dict[FileRequest, FileAnswer]:
    """Each file's answer from a response to `file_selections(batch, text, prefix)`.

    `object(expression:)` answers null, without an error, for a path the ref does not hold: that is a missing
    file. A file or repository GitHub answered with an error (a refusal, a resource limit's partial answer)
    was not checked: its answer says so and is never taken for a missing file. A repository that does not
    exist (NOT_FOUND) holds no file."""
    errors: dict[str, str] = {}
    for error in response.errors:
        path = error.get("path")
        if isinstance(path, list) and path and str(path[0]).startswith(f"{prefix}r"):
            missing_repository = len(path) == 1 and error.get("type") == NOT_FOUND_ERROR_TYPE
            if not missing_repository:
                errors[str(path[-1])] = str(error.get("message"))
    found: dict[str, object] = {}
    for key, repository in response.data.items():
        if key.startswith(f"{prefix}r") and isinstance(repository, dict):
            found.update(repository)
    answers = {}
    owners: dict[str, int] = {}  # numbered as `file_selections` numbers them: in order of first appearance
    for request in batch:
        owners.setdefault(request.repository.casefold(), len(owners))
    for index, request in enumerate(batch):
        refusal = errors.get(f"{prefix}f{index}") or errors.get(f"{prefix}r{owners[request.repository.casefold()]}")
        answers[request] = _answer(found.get(f"{prefix}f{index}"), request, text, refusal)
    return answers


def _answer(node: object, request: FileRequest, text: bool, refusal: str | None) -> FileAnswer:
    if refusal is not None:
        return FileAnswer(note=f"cannot be read: {refusal}", checked=False)
    if not isinstance(node, dict):
        return FileAnswer(note=f"not found on {request.ref}", missing=True)
    if node.get("__typename") != "Blob":
        return FileAnswer(note="is a directory, not a document")
    size = int(node.get("byteSize") or 0)
    if node.get("isBinary"):
        return FileAnswer(size=size, note="is not UTF-8 text")
    if size > MAX_FILE_BYTES:
        return FileAnswer(size=size, note=f"is {size:,} bytes; documents over 1 MB are not read")
    if not text:
        return FileAnswer(size=size)
    if node.get("isTruncated"):
        return FileAnswer(size=size, note=_TRUNCATED)
    return FileAnswer(text=str(node.get("text") or ""), size=size)


def _read_whole(client: GitHubClient, request: FileRequest) -> FileAnswer:
    """A file GraphQL cut short, read through the contents API instead (up to 1 MB)."""
    owner, name = request.repository.split("/", 1)
    try:
        raw = client.get_file(owner, name, request.path, request.ref, max_bytes=MAX_FILE_BYTES)
    except NotAFileError as error:
        return FileAnswer(note=f"is a {error.kind}, not a document")
    except FileTooLargeError as error:
        return FileAnswer(size=error.size, note=f"is {error.size:,} bytes; documents over 1 MB are not read")
    except GitHubError as error:
        return FileAnswer(note=f"cannot be read (HTTP {error.status})", checked=False)
    if raw is None:
        return FileAnswer(note=f"not found on {request.ref}")
    try:
        return FileAnswer(text=raw.decode("utf-8-sig"), size=len(raw))
    except UnicodeDecodeError:
        return FileAnswer(size=len(raw), note="is not UTF-8 text")
