"""`Repository.object(expression:)`: a file or folder at a revision, as GitHub's GraphQL answers it.

The bot reads many documents in one query with it (aliased `object(expression: "BRANCH:path")`, `... on Blob`).
GitHub cuts `Blob.text` at exactly 512,000 bytes and says so in `isTruncated` (sveltia/sveltia-cms#950 measured
it byte for byte); `text` is null for a binary blob; a path that does not exist is null, not an error.
"""

from __future__ import annotations

from symphony_bot.sandbox.graphql_execution import BlobObject, Info, TreeObject, context_of
from symphony_bot.sandbox.state import Repository

BLOB_TEXT_LIMIT_BYTES = 512_000
_BINARY_SNIFF_BYTES = 8000  # git's own test: a NUL in the first 8,000 bytes


def repository_object(
    repo: Repository, info: Info, expression: str | None = None, oid: str | None = None
) -> BlobObject | TreeObject | None:
    repositories = context_of(info).repositories
    spec = expression if expression is not None else oid
    if repositories is None or not spec:
        return None
    found = repositories.read_object(repo, spec)
    if found is None:
        return None
    kind, object_id, data = found
    if kind == "blob":
        return BlobObject(repo, object_id, data)
    if kind == "tree":
        return TreeObject(repo, object_id)
    return None


def blob_is_binary(blob: BlobObject) -> bool:
    return b"\0" in blob.data[:_BINARY_SNIFF_BYTES]


def blob_text(blob: BlobObject) -> str | None:
    if blob_is_binary(blob):
        return None
    return blob.data[:BLOB_TEXT_LIMIT_BYTES].decode("utf-8", errors="replace")
