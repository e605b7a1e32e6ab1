"""The permission matrix: every kind of account against every `who-can-run` policy, with the roles coming from the
sandbox's collaborator-permission API (the same call GitHub answers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from symphony_bot.action.policy import (
    Actor,
    Permission,
    PolicyError,
    may_command,
    may_label,
    parse_allowed_bots,
    parse_who_can_run,
)
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.github.triggers import role_of
from symphony_bot.sandbox import Sandbox

OWNER, REPO = "maintainer", "project"
SLUG = f"{OWNER}/{REPO}"
BOT_LOGIN = "symphony-app[bot]"
ROLES = {"admin": "admin", "maintainer2": "maintain", "writer": "write", "triager": "triage", "reader": "read"}
# actor -> (login, type)
ACTORS = {
    "admin": ("admin", "User"),
    "maintain": ("maintainer2", "User"),
    "write": ("writer", "User"),
    "triage": ("triager", "User"),
    "read": ("reader", "User"),
    "none": ("outsider", "User"),
    "bot": ("renovate[bot]", "Bot"),
    "listed bot": ("helper[bot]", "Bot"),
    "self": (BOT_LOGIN, "Bot"),
    "ghost": ("ghost", "User"),
}
POLICIES = {
    "write": "write",
    "maintain": "maintain",
    "admin": "admin",
    "anyone": "anyone",
    "list": "reader, outsider, renovate[bot]",
}
Y, N = True, False
# policy -> allowed, per actor in ACTORS order; "anyone" here is on a labelled issue.
MATRIX = {
    #            admin maint write triage read none bot listed self ghost
    "write": (Y, Y, Y, N, N, N, N, Y, N, N),
    "maintain": (Y, Y, N, N, N, N, N, Y, N, N),
    "admin": (Y, N, N, N, N, N, N, Y, N, N),
    "anyone": (Y, Y, Y, Y, Y, Y, N, Y, N, N),
    "list": (N, N, N, N, Y, Y, N, Y, N, N),  # a bot in who-can-run is still refused: bots need allowed-bots
}
LABEL_ROW = (Y, Y, Y, Y, N, N, N, Y, Y, N)


@pytest.fixture(scope="module")
def client() -> Iterator[GitHubClient]:
    with Sandbox() as sb:
        sb.add_user(OWNER, token="owner-token")
        sb.create_repo(OWNER, REPO, files={"README.md": "hi\n"}, private=True)  # outsiders: none, not read
        for login, role in ROLES.items():
            sb.add_user(login)
            sb.set_permission(OWNER, REPO, login, role)
        for login in ("outsider", "ghost"):
            sb.add_user(login)
        for login in ("renovate[bot]", "helper[bot]", BOT_LOGIN):
            sb.add_user(login, type="Bot")
        with GitHubClient(sb.api_url, sb.graphql_url, "owner-token", pacer=Pacer(Limits.unlimited())) as github:
            yield github


class CountingLookup:
    def __init__(self, client: GitHubClient) -> None:
        self.client = client
        self.asked: list[str] = []

    def __call__(self, login: str) -> Permission:
        self.asked.append(login)
        return Permission.parse(role_of(self.client, SLUG, login))


@pytest.mark.parametrize("policy_name", list(MATRIX))
@pytest.mark.parametrize("actor_name", list(ACTORS))
def test_command_matrix(client: GitHubClient, policy_name: str, actor_name: str) -> None:
    login, kind = ACTORS[actor_name]
    lookup = CountingLookup(client)
    decision = may_command(
        Actor(login, kind),
        parse_who_can_run(POLICIES[policy_name]),
        lookup,
        bot_login=BOT_LOGIN,
        allowed_bots=parse_allowed_bots(["helper[bot]"]),
        issue_labelled=True,
    )
    expected = MATRIX[policy_name][list(ACTORS).index(actor_name)]
    assert decision.allowed is expected, decision.reason
    assert decision.reason
    if actor_name in ("ghost", "self", "bot", "listed bot") or policy_name in ("anyone", "list"):
        assert lookup.asked == []  # decided without asking GitHub
    else:
        assert lookup.asked == [login]


@pytest.mark.parametrize("actor_name", list(ACTORS))
def test_anyone_needs_the_label(client: GitHubClient, actor_name: str) -> None:
    login, kind = ACTORS[actor_name]
    decision = may_command(
        Actor(login, kind),
        parse_who_can_run("anyone"),
        CountingLookup(client),
        bot_login=BOT_LOGIN,
        allowed_bots=frozenset({"helper[bot]"}),
        issue_labelled=False,
    )
    assert decision.allowed is (actor_name == "listed bot")


@pytest.mark.parametrize("actor_name", list(ACTORS))
def test_label_matrix(client: GitHubClient, actor_name: str) -> None:
    login, kind = ACTORS[actor_name]
    decision = may_label(
        Actor(login, kind), CountingLookup(client), bot_login=BOT_LOGIN, allowed_bots=frozenset({"helper[bot]"})
    )
    assert decision.allowed is LABEL_ROW[list(ACTORS).index(actor_name)], decision.reason


def test_roles_come_from_the_permission_api(client: GitHubClient) -> None:
    assert [role_of(client, SLUG, login) for login in ROLES] == list(ROLES.values())
    assert role_of(client, SLUG, "outsider") == "none"
    assert role_of(client, SLUG, "nobody-at-all") == "none"  # unknown login: 404, no access


def test_a_login_suffix_alone_makes_a_bot() -> None:
    # The "[bot]"-suffix bypass (claude-code-action, fixed in v1.0.94): a payload saying type User for a login
    # ending in [bot] is still a bot.
    decision = may_command(
        Actor("renovate[bot]", "User"),
        parse_who_can_run("anyone"),
        lambda _: Permission.ADMIN,
        bot_login=None,
        issue_labelled=True,
    )
    assert not decision.allowed


def test_bot_itself_is_refused_even_when_listed() -> None:
    decision = may_command(
        Actor(BOT_LOGIN.upper(), "Bot"),
        parse_who_can_run("anyone"),
        lambda _: Permission.ADMIN,
        bot_login=BOT_LOGIN,
        allowed_bots=frozenset({BOT_LOGIN}),
        issue_labelled=True,
    )
    assert not decision.allowed and "own comment" in decision.reason


@pytest.mark.parametrize(
    ("value", "minimum", "anyone", "logins"),
    [
        (None, Permission.WRITE, False, frozenset()),
        ("", Permission.WRITE, False, frozenset()),
        ("write", Permission.WRITE, False, frozenset()),
        ("MAINTAIN", Permission.MAINTAIN, False, frozenset()),
        (" admin ", Permission.ADMIN, False, frozenset()),
        ("anyone", None, True, frozenset()),
        ("Alice, bob\ncarol", None, False, frozenset({"alice", "bob", "carol"})),
        (["Alice", "bob"], None, False, frozenset({"alice", "bob"})),
        ("alice", None, False, frozenset({"alice"})),
    ],
)
def test_policy_values(value: object, minimum: Permission | None, anyone: bool, logins: frozenset[str]) -> None:
    policy = parse_who_can_run(value)  # type: ignore[arg-type]
    assert (policy.minimum, policy.anyone, policy.logins) == (minimum, anyone, logins)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("write, alice", "cannot be combined"),
        ("triage", "cannot be combined"),
        ("read", "cannot be combined"),
        ("al ice; drop", "neither a level"),
        ("-bad", "neither a level"),
    ],
)
def test_bad_policies_are_explained(value: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_who_can_run(value)


@pytest.mark.parametrize(("value", "message"), [("*[bot]", "wildcards"), ("*", "wildcards"), ("alice", "not a bot")])
def test_allowed_bots_are_exact_logins(value: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_allowed_bots([value])
