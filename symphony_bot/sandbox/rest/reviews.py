"""GitHub's pull request reviews and review comments (REST): create a review with comments, list reviews, list
review comments, reply to a review comment. https://docs.github.com/rest/pulls/reviews and
https://docs.github.com/rest/pulls/comments; bodies validate against @octokit/openapi's `pull-request-review` and
`pull-request-review-comment`."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox.rest.context import Context, Reply, page_reply, text_field
from symphony_bot.sandbox.rest_render import Urls, login_json
from symphony_bot.sandbox.rest_render_issues import author_association, reactions_rollup
from symphony_bot.sandbox.review_diff import file_patch, hunk_for_line
from symphony_bot.sandbox.state import Issue, Repository, SandboxState, not_found, validation_failed
from symphony_bot.sandbox.state.reviews import (
    MESSAGE_LINE_OUTSIDE_DIFF,
    DraftComment,
    PullReview,
    ReviewComment,
)

JSON = dict[str, Any]


def review_json(urls: Urls, state: SandboxState, repo: Repository, review: PullReview) -> JSON:
    html_pull = urls.html(f"/{repo.full_name}/pull/{review.pull_number}")
    api_pull = urls.api(f"/repos/{repo.full_name}/pulls/{review.pull_number}")
    html = f"{html_pull}#pullrequestreview-{review.id}"
    return {
        "id": review.id,
        "node_id": review.node_id,
        "user": login_json(urls, state, review.user),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": api_pull,
        "_links": {"html": {"href": html}, "pull_request": {"href": api_pull}},
        "submitted_at": review.submitted_at,
        "commit_id": review.commit_id,
        "author_association": author_association(state, repo, review.user),
    }


def review_comment_json(urls: Urls, state: SandboxState, repo: Repository, comment: ReviewComment) -> JSON:
    api = urls.api(f"/repos/{repo.full_name}/pulls/comments/{comment.id}")
    api_pull = urls.api(f"/repos/{repo.full_name}/pulls/{comment.pull_number}")
    html = urls.html(f"/{repo.full_name}/pull/{comment.pull_number}#discussion_r{comment.id}")
    body: JSON = {
        "url": api,
        "pull_request_review_id": comment.review_id,
        "id": comment.id,
        "node_id": comment.node_id,
        "diff_hunk": comment.diff_hunk,
        "path": comment.path,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.commit_id,
        "user": login_json(urls, state, comment.user),
        "body": comment.body,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "html_url": html,
        "pull_request_url": api_pull,
        "author_association": author_association(state, repo, comment.user),
        "_links": {"self": {"href": api}, "html": {"href": html}, "pull_request": {"href": api_pull}},
        "start_line": comment.start_line,
        "original_start_line": comment.start_line,
        "start_side": comment.start_side,
        "line": comment.line,
        "original_line": comment.line,
        "side": comment.side,
        "subject_type": "line",
        "reactions": reactions_rollup(urls, f"/repos/{repo.full_name}/pulls/comments/{comment.id}", []),
    }
    if comment.in_reply_to_id is not None:
        body["in_reply_to_id"] = comment.in_reply_to_id
    return body


def _int_field(entry: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise validation_failed("PullRequestReviewComment", "", "missing_field" if value is None else "invalid", name)
    return value


def _drafts(context: Context, repo: Repository, issue: Issue, entries: Any) -> list[DraftComment]:
    """The review's comments, each placed on the diff (a line outside it is GitHub's 422)."""
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise validation_failed("PullRequestReview", "", "invalid", "comments")
    pull = issue.pull
    drafts = []
    for entry in entries:
        path = text_field(entry, "path", "PullRequestReviewComment", required=True) or ""
        body = text_field(entry, "body", "PullRequestReviewComment", required=True) or ""
        line = _int_field(entry, "line", required=True) or 0
        start_line = _int_field(entry, "start_line", required=False)
        side = text_field(entry, "side", "PullRequestReviewComment") or "RIGHT"
        start_side = text_field(entry, "start_side", "PullRequestReviewComment")
        if start_line is not None and start_side is None:
            start_side = side
        hunk = ""
        if context.repositories is not None and pull is not None:
            head_repo = context.state.repos[pull.head_repo_id]
            patch = file_patch(context.repositories, repo, pull.base_sha, head_repo, pull.head_sha, path=path)
            found = hunk_for_line(patch, line, side)
            if found is None:
                raise validation_failed("PullRequestReviewComment", MESSAGE_LINE_OUTSIDE_DIFF)
            hunk = found
        drafts.append(DraftComment(path, body, line, side, start_line, start_side, hunk))
    return drafts


def create_review(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    payload = context.body_object()
    actor = context.actor()
    review = context.state.create_review(
        repo,
        issue,
        actor,
        author=actor,
        event=text_field(payload, "event", "PullRequestReview"),
        body=text_field(payload, "body", "PullRequestReview"),
        commit_id=text_field(payload, "commit_id", "PullRequestReview"),
        comments=_drafts(context, repo, issue, payload.get("comments")),
    )
    return Reply(200, review_json(context.urls, context.state, repo, review))


def list_reviews(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    reviews = context.state.pull_reviews(repo, issue)
    return page_reply(context, reviews, lambda review: review_json(context.urls, context.state, repo, review))


def list_review_comments(context: Context) -> Reply:
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    comments = context.state.pull_review_comments(repo, issue)
    return page_reply(context, comments, lambda item: review_comment_json(context.urls, context.state, repo, item))


def create_reply(context: Context) -> Reply:
    """A reply joins the thread of the comment it answers; GitHub answers 404 for a comment of another PR."""
    repo = context.repo()
    issue = context.state.pull(repo, context.number("pull_number"))
    target = context.state.review_comment(repo, context.number("comment_id"))
    if target.pull_number != issue.number:
        raise not_found()
    thread = context.state.review_threads[target.thread_id]
    actor = context.actor()
    body = text_field(context.body_object(), "body", "PullRequestReviewComment", required=True) or ""
    reply = context.state.reply_to_thread(repo, thread, body, actor, actor)
    return Reply(201, review_comment_json(context.urls, context.state, repo, reply))
