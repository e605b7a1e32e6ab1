"""Small pieces of English every printer shares."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 issue`, `2 issues`, `0 repositories` (give the plural when it is not the noun plus "s")."""
    return f"{count:,} {noun if count == 1 else plural_noun or noun + 's'}"
