"""Pull request reviews, review comments and the threads they form.

GitHub's model (https://docs.github.com/rest/pulls/reviews, https://docs.github.com/rest/pulls/comments and the
GraphQL `PullRequestReviewThread`): a review (`APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`) carries comments on
lines of the diff; each such comment starts a thread; replies (`in_reply_to_id`) join the thread of the comment
they answer (a reply to a reply joins the same thread); a thread is resolved or not as a whole
(`resolveReviewThread`), by anyone with write access or the pull request's author.

The diff hunk of a comment is computed by the caller that holds git (REST handler) and passed in, so this store
stays free of subprocesses like the rest of the state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from symphony_bot.sandbox.state.model import (
    GitBackend,
    Issue,
    Repository,
    SandboxError,
    check_lengths,
    iso_now,
    make_node_id,
    not_found,
    validation_failed,
)
from symphony_bot.sandbox.state.pulls import PullStore

REVIEW_EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
SIDES = ("LEFT", "RIGHT")
REVIEW_PREFIX, REVIEW_COMMENT_PREFIX, THREAD_PREFIX = "PRR", "PRRC", "PRRT"

# GitHub's 422 for a review that requests changes or comments without a body
# ("**Required** when using `REQUEST_CHANGES` or `COMMENT`", @octokit/openapi pulls/create-review).
MESSAGE_REVIEW_BODY_REQUIRED = "Review body is required for this event."
MESSAGE_PENDING_UNSUPPORTED = "The sandbox submits reviews at once: pass event APPROVE, REQUEST_CHANGES or COMMENT."
MESSAGE_LINE_OUTSIDE_DIFF = "pull_request_review_thread.line must be part of the diff"
MESSAGE_PATH_OUTSIDE_DIFF = "pull_request_review_thread.path must be part of the diff"


@dataclass
class PullReview:
    id: int
    node_id: str
    repo_id: int
    pull_number: int
    user: str
    body: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED
    commit_id: str
    submitted_at: str


@dataclass
class ReviewComment:
    id: int
    node_id: str
    repo_id: int
    pull_number: int
    review_id: int
    thread_id: int
    user: str
    body: str
    path: str
    line: int
    start_line: int | None
    side: str
    start_side: str | None
    diff_hunk: str
    commit_id: str
    created_at: str
    updated_at: str
    in_reply_to_id: int | None = None


@dataclass
class ReviewThread:
    id: int
    node_id: str
    repo_id: int
    pull_number: int
    path: str
    line: int
    start_line: int | None
    side: str
    start_side: str | None
    comment_ids: list[int] = field(default_factory=list)
    resolved_by: str | None = None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_by is not None


@dataclass(frozen=True)
class DraftComment:
    """One comment of a review being created: where it goes and, from the caller's git, its diff hunk."""

    path: str
    body: str
    line: int
    side: str = "RIGHT"
    start_line: int | None = None
    start_side: str | None = None
    diff_hunk: str = ""


class ReviewStore(PullStore):
    """Reviews, review comments and threads, indexed by pull request."""

    def __init__(self, git: GitBackend | None = None) -> None:
        super().__init__(git)
        self.reviews: dict[int, PullReview] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self.review_threads: dict[int, ReviewThread] = {}
        self._review_nodes: dict[str, PullReview | ReviewComment | ReviewThread] = {}

    def _review_id(self, prefix: str) -> tuple[int, str]:
        self._next_id += 1
        return self._next_id, make_node_id(prefix, self._next_id)

    def review_node(self, node_id: str) -> PullReview | ReviewComment | ReviewThread | None:
        with self.lock:
            return self._review_nodes.get(node_id)

    def pull_reviews(self, repo: Repository, issue: Issue) -> list[PullReview]:
        with self.lock:
            return [r for r in self.reviews.values() if r.repo_id == repo.id and r.pull_number == issue.number]

    def pull_review_comments(self, repo: Repository, issue: Issue) -> list[ReviewComment]:
        with self.lock:
            return [c for c in self.review_comments.values() if c.repo_id == repo.id and c.pull_number == issue.number]

    def pull_review_threads(self, repo: Repository, issue: Issue) -> list[ReviewThread]:
        with self.lock:
            return [t for t in self.review_threads.values() if t.repo_id == repo.id and t.pull_number == issue.number]

    def thread_comments(self, thread: ReviewThread) -> list[ReviewComment]:
        with self.lock:
            return [self.review_comments[cid] for cid in thread.comment_ids if cid in self.review_comments]

    def create_review(
        self,
        repo: Repository,
        issue: Issue,
        actor: str | None,
        *,
        author: str,
        event: str | None,
        body: str | None,
        commit_id: str | None = None,
        comments: list[DraftComment] | None = None,
    ) -> PullReview:
        """Submit a review at once (`event` given); each comment opens a thread on the PR's head commit."""
        with self.lock:
            pull = self._pull_of(issue)
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if event not in REVIEW_EVENTS:
                raise SandboxError(422, MESSAGE_PENDING_UNSUPPORTED)
            if event != "APPROVE" and not (body or "").strip():
                raise validation_failed("PullRequestReview", MESSAGE_REVIEW_BODY_REQUIRED, "missing_field", "body")
            check_lengths("IssueComment", actor, body=body)
            for draft in comments or []:
                if draft.side not in SIDES or (draft.start_side is not None and draft.start_side not in SIDES):
                    raise validation_failed("PullRequestReviewComment", "", "invalid", "side")
                if not draft.body.strip():
                    raise validation_failed("PullRequestReviewComment", "", "missing_field", "body")
                if draft.start_line is not None and draft.start_line > draft.line:
                    raise validation_failed("PullRequestReviewComment", "start_line must precede line")
            user = self.require_user(author)
            review_id, review_node = self._review_id(REVIEW_PREFIX)
            review = PullReview(
                id=review_id,
                node_id=review_node,
                repo_id=repo.id,
                pull_number=issue.number,
                user=user.login,
                body=body or "",
                state=REVIEW_EVENTS[event],
                commit_id=commit_id or pull.head_sha,
                submitted_at=iso_now(),
            )
            self.reviews[review_id] = review
            self._review_nodes[review_node] = review
            for draft in comments or []:
                thread_id, thread_node = self._review_id(THREAD_PREFIX)
                thread = ReviewThread(
                    id=thread_id,
                    node_id=thread_node,
                    repo_id=repo.id,
                    pull_number=issue.number,
                    path=draft.path,
                    line=draft.line,
                    start_line=draft.start_line,
                    side=draft.side,
                    start_side=draft.start_side,
                )
                self.review_threads[thread_id] = thread
                self._review_nodes[thread_node] = thread
                self._add_review_comment(review, thread, user.login, draft.body, draft.diff_hunk, reply_to=None)
            issue.updated_at = iso_now()
            self.touch()
            return review

    def _add_review_comment(
        self, review: PullReview, thread: ReviewThread, login: str, body: str, diff_hunk: str, *, reply_to: int | None
    ) -> ReviewComment:
        comment_id, node_id = self._review_id(REVIEW_COMMENT_PREFIX)
        now = iso_now()
        comment = ReviewComment(
            id=comment_id,
            node_id=node_id,
            repo_id=review.repo_id,
            pull_number=review.pull_number,
            review_id=review.id,
            thread_id=thread.id,
            user=login,
            body=body,
            path=thread.path,
            line=thread.line,
            start_line=thread.start_line,
            side=thread.side,
            start_side=thread.start_side,
            diff_hunk=diff_hunk,
            commit_id=review.commit_id,
            created_at=now,
            updated_at=now,
            in_reply_to_id=reply_to,
        )
        self.review_comments[comment_id] = comment
        self._review_nodes[node_id] = comment
        thread.comment_ids.append(comment_id)
        return comment

    def review_comment(self, repo: Repository, comment_id: int) -> ReviewComment:
        found = self.review_comments.get(comment_id)
        if found is None or found.repo_id != repo.id:
            raise not_found()
        return found

    def reply_to_thread(
        self, repo: Repository, thread: ReviewThread, body: str, author: str, actor: str | None
    ) -> ReviewComment:
        """A reply joins the thread as a single-comment `COMMENTED` review, as GitHub records it."""
        with self.lock:
            issue = self.pull(repo, thread.pull_number)
            pull = self._pull_of(issue)
            self.require(repo, actor, "read")
            self.require_writable(repo)
            if not body or not body.strip():
                raise validation_failed("PullRequestReviewComment", "", "missing_field", "body")
            check_lengths("IssueComment", actor, body=body)
            user = self.require_user(author)
            comments = self.thread_comments(thread)
            first = comments[0]
            review_id, review_node = self._review_id(REVIEW_PREFIX)
            review = PullReview(
                id=review_id,
                node_id=review_node,
                repo_id=repo.id,
                pull_number=issue.number,
                user=user.login,
                body="",
                state="COMMENTED",
                commit_id=pull.head_sha,
                submitted_at=iso_now(),
            )
            self.reviews[review_id] = review
            self._review_nodes[review_node] = review
            reply = self._add_review_comment(review, thread, user.login, body, first.diff_hunk, reply_to=first.id)
            issue.updated_at = reply.created_at
            self.touch()
            return reply

    def set_thread_resolved(self, repo: Repository, thread: ReviewThread, resolved: bool, actor: str | None) -> None:
        """Anyone with write access, or the pull request's author, may resolve or unresolve a thread."""
        with self.lock:
            issue = self.pull(repo, thread.pull_number)
            self.require_writable(repo)
            if actor is None or actor.lower() != issue.user.lower():
                self.require(repo, actor, "write")
            thread.resolved_by = (actor or repo.owner) if resolved else None
            self.touch()

    def reviews_snapshot(self) -> dict[str, list[dict[str, object]]]:
        """Reviews, review comments and threads as plain data (persistence.py saves it with the rest)."""
        with self.lock:
            return {
                "reviews": [asdict(review) for review in self.reviews.values()],
                "review_comments": [asdict(comment) for comment in self.review_comments.values()],
                "review_threads": [asdict(thread) for thread in self.review_threads.values()],
            }

    def restore_reviews(self, data: dict[str, list[dict[str, Any]]]) -> None:
        """The inverse of `reviews_snapshot` (a file saved before reviews existed restores none)."""
        with self.lock:
            self.reviews = {item["id"]: PullReview(**item) for item in data.get("reviews", [])}
            self.review_comments = {item["id"]: ReviewComment(**item) for item in data.get("review_comments", [])}
            self.review_threads = {item["id"]: ReviewThread(**item) for item in data.get("review_threads", [])}
            nodes: list[PullReview | ReviewComment | ReviewThread] = [
                *self.reviews.values(),
                *self.review_comments.values(),
                *self.review_threads.values(),
            ]
            self._review_nodes = {item.node_id: item for item in nodes}
