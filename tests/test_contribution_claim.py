"""The claim rule: the open PR with the lowest number holds the issue."""

from __future__ import annotations

from symphony_bot.contribution.claim import OpenClaim, branch_prefix, describe, holder


def test_lowest_open_number_wins() -> None:
    claims = [OpenClaim(9, "u9", "bob"), OpenClaim(4, "u4", "alice"), OpenClaim(7, "u7", None)]
    assert holder(7, claims) == OpenClaim(4, "u4", "alice")
    assert holder(4, claims) is None
    assert holder(None, claims) == OpenClaim(4, "u4", "alice")
    assert holder(3, claims) is None  # ours is older than every other
    assert holder(5, []) is None and holder(None, []) is None


def test_every_racer_agrees_on_one_winner() -> None:
    numbers = [12, 3, 8, 5, 21]
    claims = [OpenClaim(n, f"u{n}", None) for n in numbers]
    winners = [n for n in numbers if holder(n, claims) is None]
    assert winners == [3]


def test_names() -> None:
    assert branch_prefix(12) == "symphony/12-"
    assert describe(OpenClaim(4, "u", "alice")) == "#4 by @alice" and describe(OpenClaim(4, "u", None)) == "#4"


def test_same_login_reads_a_bots_rest_and_graphql_spellings_as_one() -> None:
    from symphony_bot.contribution.claim import same_login

    assert same_login("github-actions[bot]", "github-actions")
    assert same_login("Octo", "octo")
    assert not same_login("octo", "octo-cat")
    assert not same_login(None, "") and not same_login("", "")
