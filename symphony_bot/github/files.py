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

from symphony_bot.github.client import MAX_FILE_BYTES, FileTooLargeError, GitHubClient, GitHubError, NotAFileError

FILES_PER_QUERY = 50  # 50 documents of up to 512,000 bytes each stay well inside GitHub's answer limits
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

    @property
    def exists(self) -> bool:
        return self.size is not None


def read_files(
    client: GitHubClient, requests: Iterable[FileRequest], *, text: bool = True
) -> dict[FileRequest, FileAnswer]:
    """Each distinct request's answer. `text=False` asks only whether each file exists (and its size)."""
    distinct = list(dict.fromkeys(requests))
    answers: dict[FileRequest, FileAnswer] = {}
    for batch in _batches(distinct, FILES_PER_QUERY if text else FILES_PER_QUERY * 10):
        answers.update(_read_batch(client, batch, text))
    for request, answer in list(answers.items()):
        if answer.note == _TRUNCATED:
            answers[request] = _read_whole(client, request)
    return answers


_TRUNCATED = "truncated"


def _batches(items: list[FileRequest], size: int) -> Iterator[list[FileRequest]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def file_query(batch: list[FileRequest], text: bool) -> tuple[str, dict[str, str]]:
    """The query and its variables for one batch: one `repository` alias per repository, one `object` per file."""
    by_repository: dict[str, list[int]] = {}
    for index, request in enumerate(batch):
        by_repository.setdefault(request.repository.casefold(), []).append(index)
    declarations: list[str] = []
    selections: list[str] = []
    variables: dict[str, str] = {}
    fields = _BLOB_FIELDS if text else _EXISTS_FIELDS
    for number, indexes in enumerate(by_repository.values()):
        owner, name = batch[indexes[0]].repository.split("/", 1)
        variables[f"o{number}"], variables[f"n{number}"] = owner, name
        declarations += [f"$o{number}: String!", f"$n{number}: String!"]
        objects = []
        for index in indexes:
            variables[f"e{index}"] = f"{batch[index].ref}:{batch[index].path}"
            declarations.append(f"$e{index}: String!")
            objects.append(f"f{index}: object(expression: $e{index}) {{ {fields} }}")
        selections.append(f"r{number}: repository(owner: $o{number}, name: $n{number}) {{ {' '.join(objects)} }}")
    query = f"query ReadFiles({', '.join(declarations)}) {{ {' '.join(selections)} }}"
    return query, variables


def _read_batch(client: GitHubClient, batch: list[FileRequest], text: bool) -> dict[FileRequest, FileAnswer]:
    query, variables = file_query(batch, text)
    response = client.graphql(query, variables)
    if response.unplaced_errors():
        messages = "; ".join(str(error.get("message")) for error in response.unplaced_errors())
        raise GitHubError(f"GitHub could not read the files: {messages}")
    refusals = {
        str(error["path"][-1]): str(error.get("message"))
        for error in response.errors
        if isinstance(error.get("path"), list) and error["path"] and error.get("type") == "FORBIDDEN"
    }
    found: dict[str, object] = {}
    for key, repository in response.data.items():
        if key.startswith("r") and isinstance(repository, dict):
            found.update(repository)
    return {
        request: _answer(found.get(f"f{index}"), request, text, refusals.get(f"f{index}"))
        for index, request in enumerate(batch)
    }


def _answer(node: object, request: FileRequest, text: bool, refusal: str | None) -> FileAnswer:
    if not isinstance(node, dict):
        return FileAnswer(note=f"cannot be read: {refusal}" if refusal else f"not found on {request.ref}")
    if node.get("__typename") != "Blob":
        return FileAnswer(note="is a directory, not a document")
    size = int(node.get("byteSize") or 0)
    if node.get("isBinary"):
        return FileAnswer(size=size, note="is not UTF-8 text")
    if not text:
        return FileAnswer(size=size)
    if size > MAX_FILE_BYTES:
        return FileAnswer(size=size, note=f"is {size:,} bytes; documents over 1 MB are not read")
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
        return FileAnswer(note=f"cannot be read (HTTP {error.status})")
    if raw is None:
        return FileAnswer(note=f"not found on {request.ref}")
    try:
        return FileAnswer(text=raw.decode("utf-8-sig"), size=len(raw))
    except UnicodeDecodeError:
        return FileAnswer(size=len(raw), note="is not UTF-8 text")
