"""Who may trigger what: the `who-can-run` policy for commands and the triage rule for the label.

Pure: the caller passes a `lookup` that asks GitHub's collaborator-permission API (`github/triggers.role_of`),
so the rules are tested against the sandbox and read here in one place. The order of the checks matters and is
deliberate (github-semantics §5.4, anchors-bots §2):

1. `ghost` (a deleted account) is refused;
2. the bot itself is refused — its own comments must never start anything, even with an App token whose comment
   edits do raise `issue_comment` events;
3. any other bot (type Bot, or a login ending in `[bot]`, which no human login can) is refused unless the
   repository lists it by its exact login in `allowed-bots` — there is no wildcard;
4. then the policy: a permission level (`write` by default; `maintain`; `admin`) compared with the role GitHub
   reports, `anyone` — only on issues that carry the Symphony label, which someone with triage or above applied —
   or a list of logins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum

GHOST_LOGIN = "ghost"
BOT_SUFFIX = "[bot]"
ANYONE = "anyone"
DEFAULT_POLICY = "write"
MAX_POLICY_LOGINS = 500
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_SEPARATORS = re.compile(r"[\s,]+")


class Permission(IntEnum):
    """Repository roles in order. `role_name` of the permission API gives them; custom roles map to their base."""

    NONE = 0
    READ = 1
    TRIAGE = 2
    WRITE = 3
    MAINTAIN = 4
    ADMIN = 5

    @classmethod
    def parse(cls, text: str | None) -> Permission:
        return _BY_NAME.get((text or "").strip().lower(), cls.NONE)

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def access(self) -> str:
        """ "no access", "read access", ... for messages."""
        return "no access" if self is Permission.NONE else f"{self.label} access"


_BY_NAME = {member.name.lower(): member for member in Permission}
# The levels `who-can-run` accepts; `triage` and `read` are not offered: running spends the donor's budget and
# pushes to the repository, which the triage role itself may not do.
POLICY_LEVELS = {"write": Permission.WRITE, "maintain": Permission.MAINTAIN, "admin": Permission.ADMIN}
LABEL_MINIMUM = Permission.TRIAGE


class PolicyError(ValueError):
    """A `who-can-run` value that means nothing; the message says what is accepted."""


@dataclass(frozen=True)
class WhoCanRun:
    minimum: Permission | None = Permission.WRITE
    anyone: bool = False
    logins: frozenset[str] = frozenset()  # casefolded

    @property
    def description(self) -> str:
        if self.anyone:
            return "anyone (on labelled issues)"
        if self.logins:
            return "the listed logins: " + ", ".join(sorted(self.logins))
        assert self.minimum is not None
        return f"people with {self.minimum.label} access or more"


@dataclass(frozen=True)
class Actor:
    login: str
    type: str = "User"  # the payload's user.type: User, Bot, Organization

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot" or self.login.lower().endswith(BOT_SUFFIX)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # shown to people: why they may, or why not and what would change that
    permission: Permission | None = None  # what GitHub reported, when it was asked


def parse_who_can_run(value: str | Iterable[str] | None) -> WhoCanRun:
    """`write` (default), `maintain`, `admin`, `anyone`, or logins (a list, or one string split on commas/spaces)."""
    if value is None:
        return WhoCanRun()
    words = _SEPARATORS.split(value.strip()) if isinstance(value, str) else [str(item).strip() for item in value]
    words = [word for word in words if word]
    if not words:
        return WhoCanRun()
    if len(words) == 1 and words[0].lower() in POLICY_LEVELS:
        return WhoCanRun(minimum=POLICY_LEVELS[words[0].lower()])
    if len(words) == 1 and words[0].lower() == ANYONE:
        return WhoCanRun(minimum=None, anyone=True)
    keywords = [word for word in words if word.lower() in (*POLICY_LEVELS, ANYONE, "triage", "read")]
    if keywords:
        raise PolicyError(
            f"who-can-run: {keywords[0]!r} cannot be combined with other values; use one of write, maintain, "
            "admin, anyone, or a list of logins"
        )
    bad = [word for word in words if not _LOGIN.match(word)]
    if bad:
        raise PolicyError(
            f"who-can-run: {bad[0][:60]!r} is neither a level (write, maintain, admin, anyone) nor a GitHub login"
        )
    if len(words) > MAX_POLICY_LOGINS:
        raise PolicyError(f"who-can-run lists {len(words)} logins; at most {MAX_POLICY_LOGINS} are accepted")
    return WhoCanRun(minimum=None, logins=frozenset(word.casefold() for word in words))


def parse_allowed_bots(logins: Iterable[str]) -> frozenset[str]:
    """Exact bot logins; a wildcard or a login that is not a bot's is refused (openai/codex-action does the same)."""
    allowed = set()
    for login in logins:
        if "*" in login or "?" in login:
            raise PolicyError(f"allowed-bots: {login!r}: wildcards are not accepted; list each bot by its login")
        if not login.endswith(BOT_SUFFIX) or not _LOGIN.match(login):
            raise PolicyError(f"allowed-bots: {login!r} is not a bot login (like renovate[bot])")
        allowed.add(login.casefold())
    return frozenset(allowed)


def identity_refusal(actor: Actor, bot_login: str | None, allowed_bots: frozenset[str]) -> Decision | None:
    login = actor.login.casefold()
    if login == GHOST_LOGIN:
        return Decision(False, "the account was deleted (ghost); nothing is done for it")
    if bot_login and login == bot_login.casefold():
        return Decision(False, "this is the bot's own comment; the bot never triggers itself")
    if actor.is_bot and login not in allowed_bots:
        return Decision(
            False, f"{actor.login} is a bot; bots may trigger Symphony only when listed by login in `allowed-bots`"
        )
    return None


def may_command(
    actor: Actor,
    policy: WhoCanRun,
    lookup: Callable[[str], Permission],
    *,
    bot_login: str | None,
    allowed_bots: frozenset[str] = frozenset(),
    issue_labelled: bool,
) -> Decision:
    """Whether `actor` may run a state-changing command (run, stop, cancel, finalize)."""
    refused = identity_refusal(actor, bot_login, allowed_bots)
    if refused is not None:
        return refused
    if actor.is_bot:
        return Decision(True, f"{actor.login} is listed in `allowed-bots`")
    if policy.anyone:
        if issue_labelled:
            return Decision(True, "anyone may run labelled issues in this repository")
        return Decision(False, "this issue is not labelled for Symphony; a maintainer must label it first")
    if policy.logins:
        if actor.login.casefold() in policy.logins:
            return Decision(True, f"{actor.login} is listed in `who-can-run`")
        return Decision(False, f"{actor.login} is not listed in `who-can-run`; ask a maintainer to add you")
    assert policy.minimum is not None
    permission = lookup(actor.login)
    if permission >= policy.minimum:
        return Decision(True, f"{actor.login} has {permission.access}", permission)
    return Decision(
        False,
        f"{actor.login} has {permission.access}; this repository lets {policy.description} run Symphony",
        permission,
    )


def may_label(
    actor: Actor,
    lookup: Callable[[str], Permission],
    *,
    bot_login: str | None,
    allowed_bots: frozenset[str] = frozenset(),
) -> Decision:
    """Whether the label `actor` applied counts: triage or above (whoever can label), bots only when listed."""
    login = actor.login.casefold()
    if bot_login and login == bot_login.casefold():
        # The bot labelling an issue itself (an automation with an App token) is the repository's own doing.
        return Decision(True, "applied by the bot itself")
    refused = identity_refusal(actor, None, allowed_bots)
    if refused is not None:
        return refused
    if actor.is_bot:
        return Decision(True, f"{actor.login} is listed in `allowed-bots`")
    permission = lookup(actor.login)
    if permission >= LABEL_MINIMUM:
        return Decision(True, f"{actor.login} has {permission.access}", permission)
    return Decision(
        False,
        f"{actor.login} has {permission.access}; only people with triage access or more can offer an issue",
        permission,
    )
