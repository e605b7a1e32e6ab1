"""Whose words a run follows: the issue body as a maintainer offered it, not as someone edited it since.

The Symphony label vouches for the issue body as it was when someone with triage access applied it. A run
follows the body as it is at run time, so an edit after the label by someone who could not have labelled the
issue (no triage access) would smuggle in documents nobody with access has looked at. Before a run the action
reads the body's edit history (GraphQL `userContentEdits`, newest first) and the label's newest `LabeledEvent`:
every edit after that label must come from someone who passes the label rule (`policy.may_label`), otherwise
the run refuses and names the editor — a maintainer re-applies the label after reading the edit.

GitHub keeps the edit history of an issue body in `Issue.userContentEdits` (an edit: `editedAt`, `editor`;
https://docs.github.com/en/graphql/reference/objects#usercontentedit): empty until the first edit, which also
brings in the creation as the oldest entry (schema: `includesCreatedEdit`). `timelineItems(itemTypes:
[LABELED_EVENT])` gives when the label was applied. Both are read in one query (EDITS_QUERY, validated against
GitHub's schema in the tests; the sandbox GitHub serves both). The creation entry is not an edit after the label
(nothing can be labelled before it exists), so it is left out.

GitHub's times are whole seconds: an edit in the same second as the label cannot be ordered against it, so it is
checked as if it came after (a refusal a maintainer lifts by labelling again beats a smuggled body).

`check_before_run` is what the action calls before every run it starts for an issue (the label with
`auto-start`, `/symphony run`, a dispatch): the refusal is one reply to the person who asked, naming the editor
and the fix, and an Outcome `refused` (exit code 0: the action did its job; the reply and the job summary say
why nothing ran). A history GitHub will not give is a failure (exit code 1): the run never starts unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from symphony_bot.action.policy import BOT_SUFFIX, GHOST_LOGIN, Actor, may_label
from symphony_bot.action.replies import Outcome, refusal_reply
from symphony_bot.github import triggers
from symphony_bot.github.client import GitHubError

if TYPE_CHECKING:
    from symphony_bot.action.context import ActionContext

EDITS_QUERY = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      createdAt
      userContentEdits(first: 50) {
        pageInfo { hasNextPage }
        nodes { editedAt editor { login __typename } }
      }
      timelineItems(itemTypes: [LABELED_EVENT], last: 50) {
        pageInfo { hasPreviousPage }
        nodes { ... on LabeledEvent { createdAt label { name } } }
      }
    }
  }
}
"""
HISTORY_UNREADABLE = (
    "could not read the issue body's edit history from GitHub ({error}), so the run did not start: a body edited "
    "after the label is never run unchecked. Check that the token can read issues (Issues: read), then try again"
)
HISTORY_TOO_LONG = (
    "the issue has more edits or label events than one read of its history holds, and the part read does not "
    "reach back to when the Symphony label was applied; a maintainer must read the body and apply the label again"
)
RUN_COMMAND = "run"
NOT_FOUND = "NOT_FOUND"  # GitHub's GraphQL error type for a repository or issue the token cannot see
REFUSED = "refused"
EDITED_AFTER_LABEL = (
    "the issue body was edited by {login} at {when}, after the Symphony label was applied, and {login} could not "
    "have labelled it ({reason}); a maintainer must read the edit and apply the label again"
)


@dataclass(frozen=True)
class Edit:
    login: str
    kind: str  # "User", "Bot", ...
    edited_at: str  # ISO 8601, as GitHub gives it (comparable as text: same format, UTC)


def edits_and_label_time(data: dict[str, Any], label: str) -> tuple[list[Edit], str | None]:
    """The edits (any order) and the time the label was last applied, from EDITS_QUERY's `data`."""
    issue = ((data.get("repository") or {}).get("issue")) or {}
    edits = []
    nodes = [node for node in (issue.get("userContentEdits") or {}).get("nodes") or [] if isinstance(node, dict)]
    if nodes and issue.get("createdAt") and nodes[-1].get("editedAt") == issue["createdAt"]:
        nodes = nodes[:-1]  # the creation (the oldest entry, newest first), not an edit
    for node in nodes:
        if not node.get("editedAt"):
            continue
        editor = node.get("editor") or {}
        login, kind = str(editor.get("login") or GHOST_LOGIN), str(editor.get("__typename") or "User")
        if kind == "Bot" and not login.endswith(BOT_SUFFIX):
            login += BOT_SUFFIX  # GraphQL names a bot without the suffix REST, the policy and `allowed-bots` use
        edits.append(Edit(login, kind, node["editedAt"]))
    labelled = [
        str(node["createdAt"])
        for node in (issue.get("timelineItems") or {}).get("nodes") or []
        if isinstance(node, dict)
        and node.get("createdAt")
        and str((node.get("label") or {}).get("name") or "").casefold() == label.casefold()
    ]
    return edits, max(labelled) if labelled else None


def history_cut_short(data: dict[str, Any], edits: list[Edit], labelled_at: str | None) -> bool:
    """True when the page read may miss what the decision needs: older edits that could still be after the
    label (the page of edits is full and its oldest is not before the label), or the label event itself (no
    Symphony label among the newest label events, and older ones exist)."""
    issue = ((data.get("repository") or {}).get("issue")) or {}
    more_edits = bool(((issue.get("userContentEdits") or {}).get("pageInfo") or {}).get("hasNextPage"))
    more_labels = bool(((issue.get("timelineItems") or {}).get("pageInfo") or {}).get("hasPreviousPage"))
    if labelled_at is None:
        return more_labels
    return more_edits and (not edits or min(edit.edited_at for edit in edits) >= labelled_at)


def untrusted_editor(
    edits: list[Edit], labelled_at: str | None, may_label: Callable[[Edit], tuple[bool, str]]
) -> str | None:
    """Why the run must refuse (the newest edit after the label by someone the label rule refuses), or None."""
    if labelled_at is None:
        return None  # no label event to compare with: the label check itself decides
    for edit in sorted(edits, key=lambda e: e.edited_at, reverse=True):
        if edit.edited_at < labelled_at:  # the label's own second is checked (see the module docstring)
            break
        allowed, reason = may_label(edit)
        if not allowed:
            return EDITED_AFTER_LABEL.format(login=edit.login, when=edit.edited_at, reason=reason)
    return None


def check_before_run(
    context: ActionContext, repo: str, number: int | None, requester: str | None, event: str
) -> Outcome | None:
    """Before a run of `repo#number`: None when the body may be run, else the Outcome of the refusal (the
    requester, when there is one, got one reply naming the editor and the fix)."""
    if number is None:
        return None  # `pick`: the runner chooses the issue itself
    target = f"{repo}#{number}"
    owner, _, name = repo.partition("/")
    try:
        response = context.client.graphql(EDITS_QUERY, {"owner": owner, "name": name, "number": number})
    except GitHubError as error:
        return Outcome("failed", HISTORY_UNREADABLE.format(error=error), failed=True, event=event, target=target)
    if response.errors and all(error.get("type") == NOT_FOUND for error in response.errors):
        return None  # no such issue (or repository) for this token: the runner cannot read a body either, and says so
    if response.errors:
        reason = "; ".join(str(error.get("message")) for error in response.errors)
        return Outcome("failed", HISTORY_UNREADABLE.format(error=reason), failed=True, event=event, target=target)
    edits, labelled_at = edits_and_label_time(response.data, context.config.symphony_label)
    lookup = context.lookup_for(repo)

    def label_rule(edit: Edit) -> tuple[bool, str]:
        decision = may_label(
            Actor(edit.login, edit.kind), lookup, bot_login=context.bot().login, allowed_bots=context.allowed_bots
        )
        return decision.allowed, decision.reason

    cut_short = history_cut_short(response.data, edits, labelled_at)
    refusal = HISTORY_TOO_LONG if cut_short else untrusted_editor(edits, labelled_at, label_rule)
    if refusal is None:
        return None
    if requester and not context.dry_run:
        triggers.reply(context.client, repo, number, refusal_reply(requester, RUN_COMMAND, refusal))
    return Outcome(REFUSED, refusal, event=event, target=target, details=[f"> {refusal}"])
