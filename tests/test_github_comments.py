"""The status comment: our marker AND our login, one comment, a failed POST looked up before it is repeated."""

from __future__ import annotations

import pytest

from symphony_bot.github import comments
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox

MARKER = "<!-- symphony-bot:status v1 -->"


@pytest.fixture
def world():
    with Sandbox() as sb:
        sb.add_user("owner", token="owner-token")
        sb.add_user("bot", token="bot-token")
        sb.create_repo("owner", "r", files={"README.md": "x\n"})
        sb.create_issue("owner", "r", "Issue", "body")
        with GitHubClient(sb.api_url, sb.graphql_url, "bot-token", pacer=Pacer(Limits.unlimited())) as client:
            yield sb, client


def test_someone_elses_marker_is_not_ours(world) -> None:
    sb, client = world
    sb.comment("owner", "r", 1, f"{MARKER} a fake status", author="owner")
    mine = comments.find_or_create(client, "owner/r", 1, marker=MARKER, login="bot", body=f"{MARKER} real")
    assert mine.author == "bot"
    again = comments.find_or_create(client, "owner/r", 1, marker=MARKER, login="bot", body=f"{MARKER} again")
    assert again.id == mine.id
    comments.edit(client, "owner/r", mine.id, f"{MARKER} edited")
    assert [c.body for c in sb.comments("owner", "r", 1)] == [f"{MARKER} a fake status", f"{MARKER} edited"]


@pytest.mark.parametrize("kind", ["reset", "status"])
def test_a_failed_post_never_makes_two(world, kind) -> None:
    sb, client = world
    sb.faults.inject("issues/create-comment", kind, status=502, times=1)
    comments.find_or_create(client, "owner/r", 1, marker=MARKER, login="bot", body=f"{MARKER} x")
    assert len(sb.comments("owner", "r", 1)) == 1


def test_reacting_twice_is_one_reaction(world) -> None:
    sb, client = world
    trigger = sb.comment("owner", "r", 1, "/symphony run", author="owner")
    comments.react(client, "owner/r", trigger.id)
    comments.react(client, "owner/r", trigger.id)
    assert sb.requests.calls("reactions/create-for-issue-comment") == 2
    data = client.github.requester.requestJsonAndCheck("GET", f"/repos/owner/r/issues/comments/{trigger.id}/reactions")
    assert [reaction["content"] for reaction in data[1]] == ["eyes"]


def test_a_token_without_issues_write_is_a_refusal_that_says_so(world) -> None:
    # GitHub: 403 "Resource not accessible by integration" to an App token lacking Issues: write
    # (docs.github.com/rest/issues/comments#create-an-issue-comment, fine-grained permissions).
    sb, _ = world
    grant = sb.add_installation_token("helper", account="owner", permissions={"contents": "write"})
    with (
        GitHubClient(sb.api_url, sb.graphql_url, grant.token, pacer=Pacer(Limits.unlimited())) as client,
        pytest.raises(comments.CommentRefused) as refused,
    ):
        comments.find_or_create(client, "owner/r", 1, marker=MARKER, login="helper[bot]", body=f"{MARKER} x")
    assert refused.value.reason == comments.REFUSED_NO_PERMISSION
    assert sb.comments("owner", "r", 1) == []
