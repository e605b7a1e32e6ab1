"""An issue body's edit history, kept as GitHub keeps it and served as GraphQL `Issue.userContentEdits`.

GitHub keeps no history for a body never edited (`userContentEdits` is empty, `includesCreatedEdit` false). The
first edit also records the creation: "includesCreatedEdit — Check if this comment was edited and includes an
edit with the creation data" (GitHub's GraphQL schema, @octokit/graphql-schema; the `UserContentEdit` object:
https://docs.github.com/en/graphql/reference/objects#usercontentedit). So after one edit there are two entries,
the author's creation (at the issue's creation time) and the edit, and each later edit adds one. The GraphQL
resolver (graphql_edits.py) serves them newest first, as GitHub lists them.
"""

from __future__ import annotations

from symphony_bot.sandbox.state.model import ContentEdit, Issue, iso_now
from symphony_bot.sandbox.state.users import UserStore


def record_body_edit(store: UserStore, issue: Issue, editor: str | None, new_body: str | None) -> None:
    """Record `editor` changing the body to `new_body` (nothing when the body stays the same, as on GitHub)."""
    if (new_body or "") == (issue.body or ""):
        return
    if not issue.body_edits:
        issue.body_edits.append(_edit(store, issue.user, issue.created_at))
    issue.body_edits.append(_edit(store, editor, iso_now()))


def _edit(store: UserStore, editor: str | None, at: str) -> ContentEdit:
    edit_id, node_id = store._new_id("UserContentEdit")
    edit = ContentEdit(edit_id, node_id, editor, at)
    store._register(node_id, edit)
    return edit
