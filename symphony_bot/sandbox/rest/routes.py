# ruff: noqa: E501 - the table reads best, and greps best, one whole route per line
"""The one routing table of the sandbox's REST API: method, path template, GitHub operation id, handler, and
what a GitHub App installation token needs for it (app_permissions.py).

Order matters where two templates match the same path (`issues/comments` before `issues/{issue_number}`): the
first route that matches wins, as GitHub's own router resolves its literal segments first.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from symphony_bot.sandbox.app_permissions import (
    ACTIONS_READ,
    ACTIONS_WRITE,
    ADMINISTRATION,
    APP_JWT,
    CONTENTS_READ,
    CONTENTS_WRITE,
    ISSUES_ONLY_WRITE,
    ISSUES_READ,
    ISSUES_WRITE,
    METADATA,
    PUBLIC,
    PULLS_CREATE,
    PULLS_READ,
    PULLS_WRITE,
    TARGET_READ,
    TARGET_WRITE,
    USER_ONLY,
    AppPermission,
)
from symphony_bot.sandbox.rest import (
    actions,
    apps,
    commits,
    git,
    issues,
    pulls,
    reactions,
    repos,
    reviews,
    search,
    users,
)
from symphony_bot.sandbox.rest.context import Context, Reply

Handler = Callable[[Context], Reply]


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", template)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(regex + "/?")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    operation: str
    handler: Handler
    app_permission: AppPermission | None  # what an installation token needs (app_permissions.py)
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _compile(self.template))


# fmt: off
ROUTES: list[Route] = [
    Route("GET", "/user", "users/get-authenticated", users.get_authenticated_user, USER_ONLY),
    Route("GET", "/users/{username}", "users/get-by-username", users.get_user, PUBLIC),
    Route("GET", "/rate_limit", "rate-limit/get", users.get_rate_limit, PUBLIC),
    Route("GET", "/repos/{owner}/{repo}", "repos/get", repos.get_repo, METADATA),
    Route("PATCH", "/repos/{owner}/{repo}", "repos/update", repos.update_repo, ADMINISTRATION),
    Route("GET", "/repos/{owner}/{repo}/contents/{path:path}", "repos/get-content", repos.get_content, CONTENTS_READ),
    Route("GET", "/repos/{owner}/{repo}/forks", "repos/list-forks", repos.list_forks, METADATA),
    Route("POST", "/repos/{owner}/{repo}/forks", "repos/create-fork", repos.create_fork, ADMINISTRATION),
    Route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "repos/get-collaborator-permission-level", repos.get_collaborator_permission, METADATA),
    Route("GET", "/repos/{owner}/{repo}/branches", "repos/list-branches", repos.list_branches, METADATA),
    Route("GET", "/repos/{owner}/{repo}/branches/{branch:path}", "repos/get-branch", repos.get_branch, METADATA),
    Route("GET", "/repos/{owner}/{repo}/collaborators", "repos/list-collaborators", repos.list_collaborators, METADATA),
    Route("GET", "/repos/{owner}/{repo}/commits", "repos/list-commits", commits.list_commits, CONTENTS_READ),
    Route("GET", "/repos/{owner}/{repo}/commits/{ref:path}", "repos/get-commit", commits.get_commit, CONTENTS_READ),
    Route("GET", "/repos/{owner}/{repo}/compare/{basehead:path}", "repos/compare-commits-with-basehead", commits.compare_commits, CONTENTS_READ),
    Route("GET", "/repos/{owner}/{repo}/git/ref/{ref:path}", "git/get-ref", git.get_ref, CONTENTS_READ),
    Route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref:path}", "git/list-matching-refs", git.list_matching_refs, CONTENTS_READ),
    Route("POST", "/repos/{owner}/{repo}/git/refs", "git/create-ref", git.create_ref, CONTENTS_WRITE),
    Route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref:path}", "git/update-ref", git.update_ref, CONTENTS_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref:path}", "git/delete-ref", git.delete_ref, CONTENTS_WRITE),
    Route("GET", "/repos/{owner}/{repo}/labels", "issues/list-labels-for-repo", issues.list_labels, ISSUES_READ),
    Route("POST", "/repos/{owner}/{repo}/labels", "issues/create-label", issues.create_label, ISSUES_WRITE),
    Route("GET", "/repos/{owner}/{repo}/labels/{name}", "issues/get-label", issues.get_label, ISSUES_READ),
    Route("PATCH", "/repos/{owner}/{repo}/labels/{name}", "issues/update-label", issues.update_label, ISSUES_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/labels/{name}", "issues/delete-label", issues.delete_label, ISSUES_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues", "issues/list-for-repo", issues.list_issues, ISSUES_READ),
    Route("POST", "/repos/{owner}/{repo}/issues", "issues/create", issues.create_issue, ISSUES_ONLY_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/comments", "issues/list-comments-for-repo", issues.list_repo_comments, ISSUES_READ),
    Route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/get-comment", issues.get_comment, TARGET_READ),
    Route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/update-comment", issues.update_comment, TARGET_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/delete-comment", issues.delete_comment, TARGET_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/list-for-issue-comment", reactions.list_comment_reactions, TARGET_READ),
    Route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/create-for-issue-comment", reactions.create_comment_reaction, TARGET_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}", "reactions/delete-for-issue-comment", reactions.delete_comment_reaction, TARGET_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/get", issues.get_issue, TARGET_READ),
    Route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/update", issues.update_issue, TARGET_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/list-labels-on-issue", issues.list_issue_labels, TARGET_READ),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/add-labels", issues.add_issue_labels, TARGET_WRITE),
    Route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/set-labels", issues.set_issue_labels, TARGET_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "issues/remove-label", issues.remove_issue_label, TARGET_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/list-comments", issues.list_comments, TARGET_READ),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/create-comment", issues.create_comment, TARGET_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "reactions/list-for-issue", reactions.list_issue_reactions, TARGET_READ),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "reactions/create-for-issue", reactions.create_issue_reaction, TARGET_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/reactions/{reaction_id}", "reactions/delete-for-issue", reactions.delete_issue_reaction, TARGET_WRITE),
    Route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/lock", "issues/lock", issues.lock_issue, TARGET_WRITE),
    Route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/lock", "issues/unlock", issues.unlock_issue, TARGET_WRITE),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/timeline", "issues/list-events-for-timeline", issues.list_timeline, TARGET_READ),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", "issues/list-events", issues.list_issue_events, TARGET_READ),
    Route("GET", "/repos/{owner}/{repo}/pulls", "pulls/list", pulls.list_pulls, PULLS_READ),
    Route("POST", "/repos/{owner}/{repo}/pulls", "pulls/create", pulls.create_pull, PULLS_CREATE),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get", pulls.get_pull, PULLS_READ),
    Route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/update", pulls.update_pull, PULLS_WRITE),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/check-if-merged", pulls.check_merged, PULLS_READ),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", "pulls/list-commits", pulls.list_pull_commits, PULLS_READ),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "pulls/list-files", pulls.list_pull_files, PULLS_READ),
    Route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/merge", pulls.merge_pull, CONTENTS_WRITE),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/list-reviews", reviews.list_reviews, PULLS_READ),
    Route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "pulls/create-review", reviews.create_review, PULLS_WRITE),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", "pulls/list-review-comments", reviews.list_review_comments, PULLS_READ),
    Route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies", "pulls/create-reply-for-review-comment", reviews.create_reply, PULLS_WRITE),
    Route("GET", "/search/issues", "search/issues-and-pull-requests", search.search_issues, PUBLIC),
    Route("GET", "/repos/{owner}/{repo}/installation", "apps/get-repo-installation", apps.get_repo_installation, APP_JWT),
    Route("POST", "/app/installations/{installation_id}/access_tokens", "apps/create-installation-access-token", apps.create_installation_token, APP_JWT),
    Route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}", "actions/get-workflow-run", actions.get_workflow_run, ACTIONS_READ),
    Route("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel", "actions/cancel-workflow-run", actions.cancel_workflow_run, ACTIONS_WRITE),
    Route("GET", "/repos/{owner}/{repo}/actions/permissions/workflow", "actions/get-github-actions-default-workflow-permissions-repository", actions.get_workflow_permissions, ADMINISTRATION),
    Route("POST", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", "actions/create-workflow-dispatch", actions.create_workflow_dispatch, ACTIONS_WRITE),
    Route("POST", "/repos/{owner}/{repo}/dispatches", "repos/create-dispatch-event", actions.create_dispatch_event, CONTENTS_WRITE),
]
# fmt: on


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in ROUTES:
        if candidate.method != method:
            continue
        found = candidate.pattern.fullmatch(path)
        if found:
            return candidate, {key: urllib.parse.unquote(value) for key, value in found.groupdict().items()}
    return None


def paths_for(path: str) -> bool:
    """Whether any route serves this path under some method (405 vs 404)."""
    return any(candidate.pattern.fullmatch(path) for candidate in ROUTES)
