"""Pull requests against the sandbox: create as draft, adopt on 422 "already exists", find, ready, close."""

from __future__ import annotations

import pytest

from symphony_bot.github import pulls
from symphony_bot.github.client import GitHubClient, GitHubError
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox


@pytest.fixture
def world():
    with Sandbox() as sb:
        sb.add_user("owner", token="owner-token")
        sb.add_user("bot", token="bot-token")
        sb.create_repo("owner", "r", files={"README.md": "x\n"})
        sb.set_permission("owner", "r", "bot", "write")
        sb.create_issue("owner", "r", "Issue", "body")
        sb.push_branch("owner", "r", "symphony/1-abc", {"a.txt": "a\n"})
        with GitHubClient(sb.api_url, sb.graphql_url, "bot-token", pacer=Pacer(Limits.unlimited())) as client:
            yield sb, client


def _create(client, **overrides):
    options = {
        "title": "[WIP] Symphony: Issue (#1)",
        "body": "Closes #1",
        "head_owner": "owner",
        "branch": "symphony/1-abc",
        "base": "main",
        "head": "symphony/1-abc",
    }
    options.update(overrides)
    return pulls.create(client, "owner/r", **options)


def test_create_a_draft_then_adopt_it_on_422(world) -> None:
    sb, client = world
    created = _create(client)
    assert created.pull.draft and not created.adopted and created.pull.author == "bot"
    again = _create(client)  # GitHub: 422 "A pull request already exists for owner:symphony/1-abc."
    assert again.adopted and again.pull.number == created.pull.number
    assert len(sb.pulls("owner", "r")) == 1
    assert pulls.find_open(client, "owner/r", "owner", "symphony/1-abc").number == created.pull.number
    assert pulls.find_ours(client, "owner/r", "bot", "symphony/1-").number == created.pull.number
    assert pulls.find_ours(client, "owner/r", "someone-else", "symphony/1-") is None
    [linked] = pulls.linked(client, "owner/r", 1)
    assert (linked.number, linked.state, linked.draft) == (created.pull.number, "OPEN", True)


def test_a_failed_post_is_looked_up_not_repeated(world) -> None:
    sb, client = world
    sb.faults.inject("pulls/create", "reset", times=1)
    created = _create(client)
    assert len(sb.pulls("owner", "r")) == 1 and created.pull.draft
    assert sb.requests.calls("pulls/create") == 2  # the reset one, then one more after the lookup found none


def test_ready_update_close_and_delete_branch(world) -> None:
    sb, client = world
    created = _create(client)
    pulls.mark_ready(client, created.pull.node_id)
    pulls.update(client, "owner/r", created.pull.number, title="Symphony: Issue (#1)", state="closed")
    [pull] = sb.pulls("owner", "r")
    assert not pull.pull.draft and pull.state == "closed" and pull.title == "Symphony: Issue (#1)"
    pulls.delete_branch(client, "owner/r", "symphony/1-abc")
    pulls.delete_branch(client, "owner/r", "symphony/1-abc")  # already gone: fine
    assert "symphony/1-abc" not in sb.branches("owner", "r")


def test_other_422s_are_errors(world) -> None:
    _, client = world
    with pytest.raises(GitHubError, match="422"):
        _create(client, branch="nope", head="nope")
