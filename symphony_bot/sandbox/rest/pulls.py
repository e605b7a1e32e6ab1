"""GitHub's `pulls` operations: list, open, read, edit and merge pull requests."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox import rest_render_git as render_git
from symphony_bot.sandbox import rest_render_issues as render_issues
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
    bool_field,
    page_reply,
    text_field,
)
from symphony_bot.sandbox.state import (
    Repository,
    SandboxError,
    not_found,
    validation_failed,
)

MAX_PULL_COMMITS = 250
MAX_PULL_FILES = 3000


def list_pulls(context: Context) -> Reply:
    repo = context.repo()
    state_filter = context.arg("state", "open") or "open"
    if state_filter not in ("open", "closed", "all"):
        raise validation_failed("PullRequest", "", "invalid", "state")
    pulls = context.state.list_pulls(
        repo,
        state=state_filter,
        head=context.arg("head"),
        base=context.arg("base"),
        sort=context.arg("sort", "created") or "created",
        direction=context.arg("direction", "desc") or "desc",
    )
    return page_reply(
        context, pulls, lambda issue: render_issues.pull_json(context.urls, context.state, repo, issue, full=False)
    )


def create_pull(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    actor = context.actor()
    draft = payload.get("draft", False)
    modify = payload.get("maintainer_can_modify", False)
    issue = context.state.open_pull(
        repo,
        title=text_field(payload, "title", "PullRequest", required=True) or "",
        head=text_field(payload, "head", "PullRequest", required=True) or "",
        base=text_field(payload, "base", "PullRequest", required=True),
        body=text_field(payload, "body", "PullRequest"),
        draft=bool_field(draft, "draft", "PullRequest"),
        author=actor,
        actor=actor,
        maintainer_can_modify=bool_field(modify, "maintainer_can_modify", "PullRequest"),
    )
    return Reply(201, render_issues.pull_json(context.urls, context.state, repo, issue))


def get_pull(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    body = render_issues.pull_json(context.urls, context.state, repo, issue)
    context.state.compute_mergeability(issue)  # the first read starts it; later reads know
    return Reply(200, body, last_modified=issue.updated_at)


def update_pull(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    payload = context.body_object()
    state_value = text_field(payload, "state", "PullRequest")
    if state_value is not None and state_value not in ("open", "closed"):
        raise validation_failed("PullRequest", "", "invalid", "state")
    context.state.update_pull(
        repo,
        issue,
        context.actor(),
        title=text_field(payload, "title", "PullRequest"),
        body=text_field(payload, "body", "PullRequest"),
        set_body="body" in payload,
        state=state_value,
        base=text_field(payload, "base", "PullRequest"),
    )
    return Reply(200, render_issues.pull_json(context.urls, context.state, repo, issue))


def check_merged(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    if issue.pull is not None and issue.pull.merged:
        return Reply(204, None)
    raise not_found()


def merge_pull(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    payload = context.body_object()
    sha = text_field(payload, "sha", "PullRequest")
    if sha and issue.pull is not None and sha != issue.pull.head_sha:
        raise SandboxError(409, "Head branch was modified. Review and try the merge again.")
    title = text_field(payload, "commit_title", "PullRequest")
    message = text_field(payload, "commit_message", "PullRequest")
    full_message = "\n\n".join(part for part in (title, message) if part) or None
    context.state.merge_pull(repo, issue, context.actor(), commit_message=full_message)
    merged_sha = issue.pull.merge_commit_sha if issue.pull else None
    return Reply(200, {"sha": merged_sha, "merged": True, "message": "Pull Request successfully merged"})


def list_pull_commits(context: Context) -> Reply:
    """The PR's commits, oldest first (GitHub stops at 250)."""
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    comparison = render_issues.pull_comparison(context.state, repo, issue)
    return page_reply(context, comparison.commits[:MAX_PULL_COMMITS], lambda sha: commit_reply_json(context, repo, sha))


def list_pull_files(context: Context) -> Reply:
    """The files the PR changes since its merge base (GitHub stops at 3,000)."""
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    pull = issue.pull
    comparison = render_issues.pull_comparison(context.state, repo, issue)
    head = pull.head_sha if pull is not None else ""
    files = comparison.files[:MAX_PULL_FILES]
    return page_reply(context, files, lambda changed: render_issues.diff_entry_json(context.urls, repo, head, changed))


def commit_reply_json(context: Context, repo: Repository, sha: str) -> dict[str, Any]:
    info = context.repositories.commit_info(repo, sha) if context.repositories is not None else None
    if info is None:
        raise not_found()
    return render_git.commit_json(context.urls, context.state, repo, sha, info)
