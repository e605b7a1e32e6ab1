"""What the scan and the contributions reader share: one aliased GraphQL query over a batch of repositories,
the slugs they are asked for, and the cache key of one repository's answer.

Both read up to BATCH_SIZE repositories per request as aliases `r0`, `r1`, … with the variables $o{i}, $n{i}
(owner, name) and $c{i} (the cursor of the connection being paged); both skip a repeated slug (GitHub compares
slugs without case) and report a malformed one on its own, and both cache an answer per repository and token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from symphony_bot.github.client import GitHubClient

RATE_LIMIT_FIELD = "  rateLimit { cost remaining resetAt limit }\n"
ALIAS_PREFIX = "r"

_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


class PagedRepository(Protocol):
    """One repository of a batch: who it is, and where its connection's next page starts."""

    owner: str
    name: str
    cursor: str | None


def parse_slug(text: str) -> tuple[str, str] | None:
    """("owner", "name") for a valid `owner/name`, else None."""
    owner, slash, name = text.strip().partition("/")
    if not slash or not _OWNER.fullmatch(owner) or not _NAME.fullmatch(name) or name in (".", ".."):
        return None
    return owner, name


def unique_slugs(slugs: Iterable[str]) -> Iterator[tuple[str, tuple[str, str] | None]]:
    """Each slug the first time it comes (compared without case), with its (owner, name), or None if malformed."""
    seen: set[str] = set()
    for slug in slugs:
        if slug.casefold() in seen:
            continue
        seen.add(slug.casefold())
        yield slug, parse_slug(slug)


def repository_cache_key(client: GitHubClient, slug: str, *qualifiers: str) -> str:
    """Different tokens see different repositories: the key carries a fingerprint of the token, never the token."""
    return "|".join([client.graphql_url, client.token_fingerprint, slug.casefold(), *qualifiers])


def alias(index: int) -> str:
    return f"{ALIAS_PREFIX}{index}"


def batch_query(
    operation: str,
    count: int,
    selection: str,
    fragments: str,
    *,
    declarations: Sequence[str] = (),
    extra_fields: Sequence[str] = (),
) -> str:
    """`query operation(…) { rateLimit … r0: repository(owner: $o0, name: $n0) { selection } … } fragments`.

    `selection` is the body of each repository field, written for index 0 (`$c0` is its cursor); it is
    repeated for each index with the variables renamed. `extra_fields` are more top-level fields riding in
    the same request (their variables among `declarations`), such as the scan's document checks.
    """
    names = list(declarations)
    fields = []
    for index in range(count):
        names += [f"$o{index}: String!", f"$n{index}: String!", f"$c{index}: String"]
        fields.append(
            f"  {alias(index)}: repository(owner: $o{index}, name: $n{index}) {{\n"
            + selection.replace("$c0", f"$c{index}")
            + "  }"
        )
    fields += [f"  {field}" for field in extra_fields]
    return f"query {operation}({', '.join(names)}) {{\n" + RATE_LIMIT_FIELD + "\n".join(fields) + "\n}\n" + fragments


def batch_variables(batch: Sequence[PagedRepository]) -> dict[str, Any]:
    """The $o{i}, $n{i}, $c{i} values of `batch_query` for these repositories, in order."""
    variables: dict[str, Any] = {}
    for index, item in enumerate(batch):
        variables.update({f"o{index}": item.owner, f"n{index}": item.name, f"c{index}": item.cursor})
    return variables
