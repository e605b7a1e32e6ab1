"""GitHub's `issues` operations: issues, labels, comments, the timeline and issue events."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox import rest_render as render
from symphony_bot.sandbox import rest_render_issues as render_issues
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
    label_names,
    page_reply,
    paginate,
    text_field,
)
from symphony_bot.sandbox.state import (
    Issue,
    Repository,
    not_found,
    updated_since,
    validation_failed,
)

COMMENT_SORTS = ("created", "updated")


def _issue_reply(context: Context, repo: Repository, issue: Issue, status: int = 200) -> Reply:
    body = render_issues.issue_json(context.urls, context.state, repo, issue)
    return Reply(status, body, last_modified=issue.updated_at)


def list_labels(context: Context) -> Reply:
    repo = context.repo()
    labels = sorted(repo.labels.values(), key=lambda label: label.id)
    return page_reply(context, labels, lambda label: render.label_json(context.urls, repo, label))


def create_label(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    label = context.state.create_label(
        repo,
        text_field(payload, "name", "Label", required=True) or "",
        context.actor(),
        color=text_field(payload, "color", "Label") or "ededed",
        description=text_field(payload, "description", "Label"),
    )
    return Reply(201, render.label_json(context.urls, repo, label))


def get_label(context: Context) -> Reply:
    repo = context.repo()
    label = repo.label(context.params["name"])
    if label is None:
        raise not_found()
    return Reply(200, render.label_json(context.urls, repo, label))


def update_label(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    state = context.state
    with state.lock:
        state.require(repo, context.actor(), "write")
        state.require_writable(repo)
        label = repo.label(context.params["name"])
        if label is None:
            raise not_found()
        new_name = text_field(payload, "new_name", "Label")
        if new_name and new_name.lower() != label.name.lower():
            if repo.label(new_name) is not None:
                raise validation_failed("Label", "", "already_exists", "name")
            del repo.labels[label.name.lower()]
            for issue in repo.issues.values():
                issue.labels = [new_name if name.lower() == label.name.lower() else name for name in issue.labels]
            label.name = new_name
            repo.labels[new_name.lower()] = label
        elif new_name:
            label.name = new_name
        color = text_field(payload, "color", "Label")
        if color is not None:
            label.color = color.lstrip("#").lower()
        description = text_field(payload, "description", "Label")
        if description is not None:
            label.description = description
        state.touch()
    return Reply(200, render.label_json(context.urls, repo, label))


def delete_label(context: Context) -> Reply:
    repo = context.repo()
    state = context.state
    with state.lock:
        state.require(repo, context.actor(), "write")
        state.require_writable(repo)
        label = repo.label(context.params["name"])
        if label is None:
            raise not_found()
        del repo.labels[label.name.lower()]
        for issue in repo.issues.values():
            issue.labels = [name for name in issue.labels if name.lower() != label.name.lower()]
        state.touch()
    return Reply(204, None)


def list_issues(context: Context) -> Reply:
    repo = context.repo()
    state_filter = context.arg("state", "open") or "open"
    if state_filter not in ("open", "closed", "all"):
        raise validation_failed("Issue", "", "invalid", "state")
    labels_arg = context.arg("labels")
    issues = context.state.list_issues(
        repo,
        state=state_filter,
        labels=[name.strip() for name in labels_arg.split(",") if name.strip()] if labels_arg else None,
        since=context.arg("since"),
        creator=context.arg("creator"),
        sort=context.arg("sort", "created") or "created",
        direction=context.arg("direction", "desc") or "desc",
    )
    return page_reply(context, issues, lambda issue: render_issues.issue_json(context.urls, context.state, repo, issue))


def create_issue(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    actor = context.actor()
    labels = payload.get("labels")
    assignees = payload.get("assignees")
    issue = context.state.create_issue(
        repo,
        text_field(payload, "title", "Issue", required=True) or "",
        text_field(payload, "body", "Issue"),
        author=actor,
        labels=label_names(labels) if labels is not None else None,
        assignees=[str(login) for login in assignees] if isinstance(assignees, list) else None,
        actor=actor,
    )
    return _issue_reply(context, repo, issue, 201)


def list_repo_comments(context: Context) -> Reply:
    """Oldest first by default; `sort` (created / updated) orders by that time, `direction` (default desc) applies
    only with `sort`, as GitHub documents it."""
    repo = context.repo()
    since = context.arg("since")
    comments = [
        comment
        for comment in context.state.comments.values()
        if comment.repo_id == repo.id and updated_since(comment.updated_at, since)
    ]
    sort = context.arg("sort")
    if sort is not None and sort not in COMMENT_SORTS:
        raise validation_failed("IssueComment", "", "invalid", "sort")
    direction = context.arg("direction") or "desc"
    if direction not in ("asc", "desc"):
        raise validation_failed("IssueComment", "", "invalid", "direction")
    if sort is None:
        comments.sort(key=lambda comment: comment.id)
    else:
        attribute = "updated_at" if sort == "updated" else "created_at"
        comments.sort(key=lambda comment: (getattr(comment, attribute), comment.id), reverse=direction == "desc")
    return page_reply(
        context, comments, lambda comment: render_issues.comment_json(context.urls, context.state, repo, comment)
    )


def get_comment(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    body = render_issues.comment_json(context.urls, context.state, repo, comment)
    return Reply(200, body, last_modified=comment.updated_at)


def update_comment(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    payload = context.body_object()
    body = text_field(payload, "body", "IssueComment", required=True) or ""
    context.state.update_comment(repo, comment, body, context.actor())
    return Reply(200, render_issues.comment_json(context.urls, context.state, repo, comment))


def delete_comment(context: Context) -> Reply:
    repo = context.repo()
    comment = context.state.comment(repo, context.number("comment_id"))
    context.state.delete_comment(repo, comment, context.actor())
    return Reply(204, None)


def get_issue(context: Context) -> Reply:
    repo = context.repo()
    return _issue_reply(context, repo, context.state.issue(repo, context.number()))


def update_issue(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    payload = context.body_object()
    labels = payload.get("labels")
    assignees = payload.get("assignees")
    state_value = text_field(payload, "state", "Issue")
    reason = text_field(payload, "state_reason", "Issue")
    if reason is not None and reason not in ("completed", "not_planned", "reopened", "duplicate"):
        raise validation_failed("Issue", "", "invalid", "state_reason")
    context.state.update_issue(
        repo,
        issue,
        context.actor(),
        title=text_field(payload, "title", "Issue"),
        body=text_field(payload, "body", "Issue"),
        set_body="body" in payload,
        state=state_value,
        state_reason=reason,
        labels=label_names(labels) if labels is not None else None,
        assignees=[str(login) for login in assignees] if isinstance(assignees, list) else None,
    )
    return _issue_reply(context, repo, issue)


def list_issue_labels(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    labels = context.state.issue_labels(repo, issue)
    return page_reply(context, labels, lambda label: render.label_json(context.urls, repo, label))


def add_issue_labels(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    labels = context.state.add_labels(repo, issue, label_names(context.json()), context.actor())
    return Reply(200, [render.label_json(context.urls, repo, label) for label in labels])


def set_issue_labels(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    context.state.update_issue(repo, issue, context.actor(), labels=label_names(context.json()))
    labels = context.state.issue_labels(repo, issue)
    return Reply(200, [render.label_json(context.urls, repo, label) for label in labels])


def remove_issue_label(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    labels = context.state.remove_label(repo, issue, context.params["name"], context.actor())
    return Reply(200, [render.label_json(context.urls, repo, label) for label in labels])


def list_comments(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    comments = context.state.issue_comments(repo, issue, context.arg("since"))
    return page_reply(
        context, comments, lambda comment: render_issues.comment_json(context.urls, context.state, repo, comment)
    )


def create_comment(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    body = text_field(context.body_object(), "body", "IssueComment", required=True) or ""
    actor = context.actor()
    comment = context.state.create_comment(repo, issue, body, actor, actor)
    return Reply(201, render_issues.comment_json(context.urls, context.state, repo, comment))


def list_timeline(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    state = context.state
    with state.lock:
        entries: list[tuple[str, int, Any]] = [(event.created_at, event.id, event) for event in issue.events]
        entries += [(comment.created_at, comment.id, comment) for comment in state.issue_comments(repo, issue)]
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        rendered = []
        for _, _, item in entries:
            if hasattr(item, "event"):
                body = render_issues.event_json(context.urls, state, repo, issue, item)
            else:
                body = render_issues.timeline_comment_json(context.urls, state, repo, item)
            if body is not None:
                rendered.append(body)
    chunk, headers = paginate(context, rendered)
    return Reply(200, chunk, headers)


def list_issue_events(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    rendered = []
    for event in issue.events:
        if event.event == "cross-referenced":
            continue  # timeline-only, as on GitHub
        body = render_issues.event_json(context.urls, context.state, repo, issue, event)
        if body is not None:
            rendered.append(body)
    chunk, headers = paginate(context, rendered)
    return Reply(200, chunk, headers)


def lock_issue(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    reason = text_field(context.body_object(), "lock_reason", "Issue")
    context.state.set_locked(repo, issue, True, context.actor(), reason)
    return Reply(204, None)


def unlock_issue(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.issue(repo, context.number())
    context.state.set_locked(repo, issue, False, context.actor(), None)
    return Reply(204, None)
