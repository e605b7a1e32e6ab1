"""What the scan and the contributions reader share: slugs, the batched query, the per-repository cache key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from symphony_bot.github.client import GitHubClient
from symphony_bot.github.repository_batches import (
    RATE_LIMIT_FIELD,
    alias,
    batch_query,
    batch_variables,
    parse_slug,
    repository_cache_key,
    unique_slugs,
)

GRAPHQL_URL = "http://127.0.0.1:9/graphql"  # never asked: nothing here sends a request


def test_slug_parsing() -> None:
    assert parse_slug("RunMaestro/Maestro") == ("RunMaestro", "Maestro")
    assert parse_slug("a/b.c_d-e") == ("a", "b.c_d-e")
    for bad in ("", "owner", "a/b/c", "-owner/x", "o/..", "o/a b", "o/" + "x" * 101, "ö/x"):
        assert parse_slug(bad) is None, bad


def test_unique_slugs_skips_repeats_without_case_and_marks_malformed_ones() -> None:
    assert list(unique_slugs(["a/b", "A/B", "bad", "c/d", "bad", "a/b"])) == [
        ("a/b", ("a", "b")),
        ("bad", None),
        ("c/d", ("c", "d")),
    ]


def test_the_cache_key_names_the_token_without_revealing_it() -> None:
    secret = GitHubClient("http://127.0.0.1:9", GRAPHQL_URL, "s3cret")
    other = GitHubClient("http://127.0.0.1:9", GRAPHQL_URL, "other")
    anonymous = GitHubClient("http://127.0.0.1:9", GRAPHQL_URL, None)
    key = repository_cache_key(secret, "Alice/Proj")
    # The contributions' key as it was before it was shared: caches written by earlier versions still answer.
    assert key == f"{GRAPHQL_URL}|{hashlib.sha256(b's3cret').hexdigest()[:16]}|alice/proj"
    assert "s3cret" not in key
    assert key != repository_cache_key(other, "alice/proj")
    assert repository_cache_key(anonymous, "alice/proj") == f"{GRAPHQL_URL}|anonymous|alice/proj"
    assert repository_cache_key(secret, "alice/proj", "OPEN,CLOSED") == key + "|OPEN,CLOSED"


@dataclass
class _Item:
    owner: str
    name: str
    cursor: str | None


def test_batch_query_repeats_the_selection_per_alias() -> None:
    query = batch_query("Q", 3, "    things(after: $c0) { x }\n", "fragment F on X { y }\n", declarations=["$l: Int"])
    assert query.startswith("query Q($l: Int, $o0: String!, $n0: String!, $c0: String, $o1: String!")
    assert RATE_LIMIT_FIELD in query
    for index in range(3):
        assert f"  {alias(index)}: repository(owner: $o{index}, name: $n{index}) {{\n" in query
        assert f"things(after: $c{index})" in query
    assert query.endswith("}\nfragment F on X { y }\n")
    items = [_Item("a", "b", None), _Item("c", "d", "cursor")]
    assert batch_variables(items) == {"o0": "a", "n0": "b", "c0": None, "o1": "c", "n1": "d", "c1": "cursor"}
