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


# ---- may this token open pull requests? Asked without opening one --------------------------------------------
# GitHub: 403 "GitHub Actions is not permitted to create or approve pull requests." to GITHUB_TOKEN while the
# repository's "Allow GitHub Actions to create and approve pull requests" is off (peter-evans/create-pull-request
# #1175, #3979); 403 "Resource not accessible by integration" to an App token without Pull requests: write.

ACTIONS_JOB = {"contents": "write", "issues": "write", "pull-requests": "write"}


def _installation_client(sb, token):
    return GitHubClient(sb.api_url, sb.graphql_url, token, pacer=Pacer(Limits.unlimited()))


def test_the_probe_sees_the_actions_setting_and_opens_nothing(world) -> None:
    sb, _ = world
    token = sb.add_actions_token("owner", "r", permissions=ACTIONS_JOB)
    with _installation_client(sb, token) as client:
        refused = pulls.probe_create(client, "owner/r", "main")
        sb.set_actions_can_create_pulls("owner", "r")
        allowed = pulls.probe_create(client, "owner/r", "main")
    assert not refused.allowed and refused.actions_setting and "not permitted" in refused.refusal
    assert allowed.allowed and not allowed.actions_setting
    assert sb.pulls("owner", "r") == []


def test_the_probe_sees_a_missing_permission(world) -> None:
    sb, _ = world
    grant = sb.add_installation_token("helper", account="owner", permissions={"contents": "write"})
    with _installation_client(sb, grant.token) as client:
        probe = pulls.probe_create(client, "owner/r", "main")
    assert not probe.allowed and not probe.actions_setting and "not accessible" in probe.refusal


def test_a_create_refused_by_the_actions_setting_says_so(world) -> None:
    sb, _ = world
    token = sb.add_actions_token("owner", "r", permissions=ACTIONS_JOB)
    with _installation_client(sb, token) as client, pytest.raises(pulls.CreateRefused) as refused:
        _create(client)
    assert refused.value.actions_setting and refused.value.status == 403
    assert sb.pulls("owner", "r") == []


def test_a_repository_that_refuses_drafts_gets_a_normal_pull_request_and_says_so(world) -> None:
    # GitHub: 422 "Draft pull requests are not supported in this repository." on private repositories of Free
    # plans (docs "About pull requests": drafts in private repositories need Team or Enterprise Cloud).
    sb, client = world
    sb.create_repo("owner", "private", files={"README.md": "x\n"}, private=True)  # the owner is on Free
    sb.set_permission("owner", "private", "bot", "write")
    sb.push_branch("owner", "private", "symphony/1-abc", {"a.txt": "a\n"})
    created = pulls.create(
        client, "owner/private", title="[WIP] t", body="b", head_owner="owner", branch="symphony/1-abc",
        base="main", head="symphony/1-abc",
    )  # fmt: skip
    assert created.drafts_refused and not created.pull.draft and not created.adopted
    assert len(sb.pulls("owner", "private")) == 1


def test_a_draft_gets_its_last_words_and_is_marked_ready_in_one_request(world) -> None:
    # Issue 21: mutations that belong together share one GraphQL document (one request, one write slot).
    sb, client = world
    created = _create(client)
    before = len(sb.requests)
    pulls.update_and_mark_ready(client, created.pull.node_id, title="Done", body="All tasks done.")
    assert [entry.graphql_operation for entry in sb.requests[before:]] == ["UpdateAndMarkReady"]
    pull = pulls.get(client, "owner/r", created.pull.number)
    assert (pull.title, pull.body, pull.draft) == ("Done", "All tasks done.", False)
