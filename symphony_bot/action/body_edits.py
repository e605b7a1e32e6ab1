"""Whose words a run follows: the issue body as a maintainer offered it, not as someone edited it since.

The Symphony label vouches for the issue body as it was when someone with triage access applied it. A run
follows the body as it is at run time, so an edit after the label by someone who could not have labelled the
issue (no triage access) would smuggle in documents nobody with access has looked at. Before a run the action
reads the body's edit history (GraphQL `userContentEdits`, newest first) and the label's newest `LabeledEvent`:
every edit after that label must come from someone who passes the label rule (`policy.may_label`), otherwise
the run refuses and names the editor — a maintainer re-applies the label after reading the edit.

GitHub keeps the edit history of an issue body in `Issue.userContentEdits` (an edit: `editedAt`, `editor`);
`timelineItems(itemTypes: [LABELED_EVENT])` gives when the label was applied. Both are read in one query
(EDITS_QUERY, validated against GitHub's schema in the tests). The sandbox GitHub does not serve
`userContentEdits`: the decision (`untrusted_editor`) is tested as a pure function on the query's real shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EDITS_QUERY = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      userContentEdits(first: 50) {
        nodes { editedAt editor { login __typename } }
      }
      timelineItems(itemTypes: [LABELED_EVENT], last: 50) {
        nodes { ... on LabeledEvent { createdAt label { name } } }
      }
    }
  }
}
"""
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
    for node in (issue.get("userContentEdits") or {}).get("nodes") or []:
        if not isinstance(node, dict) or not node.get("editedAt"):
            continue
        editor = node.get("editor") or {}
        edits.append(
            Edit(str(editor.get("login") or "ghost"), str(editor.get("__typename") or "User"), node["editedAt"])
        )
    labelled = [
        str(node["createdAt"])
        for node in (issue.get("timelineItems") or {}).get("nodes") or []
        if isinstance(node, dict)
        and node.get("createdAt")
        and str((node.get("label") or {}).get("name") or "").casefold() == label.casefold()
    ]
    return edits, max(labelled) if labelled else None


def untrusted_editor(
    edits: list[Edit], labelled_at: str | None, may_label: Callable[[Edit], tuple[bool, str]]
) -> str | None:
    """Why the run must refuse (the newest edit after the label by someone the label rule refuses), or None."""
    if labelled_at is None:
        return None  # no label event to compare with: the label check itself decides
    for edit in sorted(edits, key=lambda e: e.edited_at, reverse=True):
        if edit.edited_at <= labelled_at:
            break
        allowed, reason = may_label(edit)
        if not allowed:
            return EDITED_AFTER_LABEL.format(login=edit.login, when=edit.edited_at, reason=reason)
    return None
