"""GraphQL `Issue.userContentEdits` (the body's edit history) and `Issue.timelineItems` for label events.

`userContentEdits` lists the history newest first, as GitHub does; it is empty until the body is first edited, and
then its oldest entry is the creation by the author (state/body_edits.py; the `UserContentEdit` object:
https://docs.github.com/en/graphql/reference/objects#usercontentedit). `timelineItems` serves the timeline's
`LabeledEvent` and `UnlabeledEvent` items, oldest first like GitHub's timeline (other item types are not modelled:
without `itemTypes` the sandbox answers only these two kinds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from symphony_bot.sandbox.graphql_execution import Info, connection, context_of
from symphony_bot.sandbox.graphql_resolvers import actor, repo_of
from symphony_bot.sandbox.state import ContentEdit, Issue, IssueEvent, Label, User

TIMELINE_TYPES = {"LABELED_EVENT": ("labeled", "LabeledEvent"), "UNLABELED_EVENT": ("unlabeled", "UnlabeledEvent")}
_TYPENAME = "__typename"  # read by graphql-core's default type resolver for the IssueTimelineItems union


def issue_user_content_edits(issue: Issue, info: Info, **page: Any) -> dict[str, Any]:
    return connection(list(reversed(issue.body_edits)), lambda edit: edit.id, page)


def issue_timeline_items(issue: Issue, info: Info, itemTypes: list[str] | None = None, **page: Any) -> dict[str, Any]:
    wanted = dict(TIMELINE_TYPES[name] for name in itemTypes or TIMELINE_TYPES)
    repo = repo_of(context_of(info).state, issue)
    items = [
        {_TYPENAME: wanted[event.event], "event": event, "labels": repo.labels}
        for event in issue.events
        if event.event in wanted
    ]
    return connection(items, lambda item: item["event"].id, page)


def _event(getter: Callable[[IssueEvent], Any]) -> Callable[..., Any]:
    def resolve(item: dict[str, Any], info: Info, **_args: Any) -> Any:
        return getter(item["event"])

    return resolve


def _event_actor(item: dict[str, Any], info: Info) -> User | None:
    return actor(context_of(info).state, item["event"].actor)


def _event_label(item: dict[str, Any], info: Info) -> Label:
    event: IssueEvent = item["event"]
    name = event.label_name or ""
    found = item["labels"].get(name.lower())
    # A label deleted since the event: GitHub still names it; a stand-in with the recorded name and colour.
    return found if found is not None else Label(0, "", name, event.label_color or "ededed")


def _edit(getter: Callable[[ContentEdit], Any]) -> Callable[..., Any]:
    def resolve(edit: ContentEdit, info: Info, **_args: Any) -> Any:
        return getter(edit)

    return resolve


def _editor(edit: ContentEdit, info: Info) -> User | None:
    return actor(context_of(info).state, edit.editor)  # None for a deleted account, as GitHub's `editor: null`


EDIT_RESOLVERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("Issue", "userContentEdits"): issue_user_content_edits,
    ("Issue", "timelineItems"): issue_timeline_items,
    ("UserContentEdit", "id"): _edit(lambda edit: edit.node_id),
    ("UserContentEdit", "editedAt"): _edit(lambda edit: edit.edited_at),
    ("UserContentEdit", "createdAt"): _edit(lambda edit: edit.edited_at),
    ("UserContentEdit", "updatedAt"): _edit(lambda edit: edit.edited_at),
    ("UserContentEdit", "editor"): _editor,
    **{
        (kind, name): resolver
        for kind in ("LabeledEvent", "UnlabeledEvent")
        for name, resolver in (
            ("id", _event(lambda event: event.node_id)),
            ("createdAt", _event(lambda event: event.created_at)),
            ("actor", _event_actor),
            ("label", _event_label),
        )
    },
}
