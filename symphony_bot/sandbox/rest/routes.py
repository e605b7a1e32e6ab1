# ruff: noqa: E501 - the table reads best, and greps best, one whole route per line
"""The one routing table of the sandbox's REST API: method, path template, GitHub operation id, handler.

Order matters where two templates match the same path (`issues/comments` before `issues/{issue_number}`): the
first route that matches wins, as GitHub's own router resolves its literal segments first.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from symphony_bot.sandbox.rest import git, issues, pulls, reactions, repos, search, users
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
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", _compile(self.template))


# fmt: off
ROUTES: list[Route] = [
    Route("GET", "/user", "users/get-authenticated", users.get_authenticated_user),
    Route("GET", "/users/{username}", "users/get-by-username", users.get_user),
    Route("GET", "/rate_limit", "rate-limit/get", users.get_rate_limit),
    Route("GET", "/repos/{owner}/{repo}", "repos/get", repos.get_repo),
    Route("PATCH", "/repos/{owner}/{repo}", "repos/update", repos.update_repo),
    Route("GET", "/repos/{owner}/{repo}/contents/{path:path}", "repos/get-content", repos.get_content),
    Route("GET", "/repos/{owner}/{repo}/forks", "repos/list-forks", repos.list_forks),
    Route("POST", "/repos/{owner}/{repo}/forks", "repos/create-fork", repos.create_fork),
    Route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", "repos/get-collaborator-permission-level", repos.get_collaborator_permission),
    Route("GET", "/repos/{owner}/{repo}/branches", "repos/list-branches", repos.list_branches),
    Route("GET", "/repos/{owner}/{repo}/branches/{branch:path}", "repos/get-branch", repos.get_branch),
    Route("GET", "/repos/{owner}/{repo}/git/ref/{ref:path}", "git/get-ref", git.get_ref),
    Route("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref:path}", "git/list-matching-refs", git.list_matching_refs),
    Route("POST", "/repos/{owner}/{repo}/git/refs", "git/create-ref", git.create_ref),
    Route("PATCH", "/repos/{owner}/{repo}/git/refs/{ref:path}", "git/update-ref", git.update_ref),
    Route("DELETE", "/repos/{owner}/{repo}/git/refs/{ref:path}", "git/delete-ref", git.delete_ref),
    Route("GET", "/repos/{owner}/{repo}/labels", "issues/list-labels-for-repo", issues.list_labels),
    Route("POST", "/repos/{owner}/{repo}/labels", "issues/create-label", issues.create_label),
    Route("GET", "/repos/{owner}/{repo}/labels/{name}", "issues/get-label", issues.get_label),
    Route("PATCH", "/repos/{owner}/{repo}/labels/{name}", "issues/update-label", issues.update_label),
    Route("DELETE", "/repos/{owner}/{repo}/labels/{name}", "issues/delete-label", issues.delete_label),
    Route("GET", "/repos/{owner}/{repo}/issues", "issues/list-for-repo", issues.list_issues),
    Route("POST", "/repos/{owner}/{repo}/issues", "issues/create", issues.create_issue),
    Route("GET", "/repos/{owner}/{repo}/issues/comments", "issues/list-comments-for-repo", issues.list_repo_comments),
    Route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/get-comment", issues.get_comment),
    Route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/update-comment", issues.update_comment),
    Route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues/delete-comment", issues.delete_comment),
    Route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/list-for-issue-comment", reactions.list_comment_reactions),
    Route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "reactions/create-for-issue-comment", reactions.create_comment_reaction),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/get", issues.get_issue),
    Route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues/update", issues.update_issue),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/list-labels-on-issue", issues.list_issue_labels),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/add-labels", issues.add_issue_labels),
    Route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues/set-labels", issues.set_issue_labels),
    Route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "issues/remove-label", issues.remove_issue_label),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/list-comments", issues.list_comments),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues/create-comment", issues.create_comment),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "reactions/list-for-issue", reactions.list_issue_reactions),
    Route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/reactions", "reactions/create-for-issue", reactions.create_issue_reaction),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/timeline", "issues/list-events-for-timeline", issues.list_timeline),
    Route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", "issues/list-events", issues.list_issue_events),
    Route("GET", "/repos/{owner}/{repo}/pulls", "pulls/list", pulls.list_pulls),
    Route("POST", "/repos/{owner}/{repo}/pulls", "pulls/create", pulls.create_pull),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/get", pulls.get_pull),
    Route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", "pulls/update", pulls.update_pull),
    Route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/check-if-merged", pulls.check_merged),
    Route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "pulls/merge", pulls.merge_pull),
    Route("GET", "/search/issues", "search/issues-and-pull-requests", search.search_issues),
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
