"""GitHub's `search/issues-and-pull-requests`: qualifiers, free words, scopes and ordering as GitHub reads them."""

from __future__ import annotations

import re

from symphony_bot.sandbox import rest_render_issues as render_issues
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
    paginate,
)
from symphony_bot.sandbox.state import (
    Issue,
    Repository,
    SandboxError,
    SandboxState,
    validation_failed,
)

MESSAGE_SEARCH_NEEDS_TYPE = "Query must include 'is:issue' or 'is:pull-request'"


MESSAGE_SEARCH_INACCESSIBLE = (
    "The listed users and repositories cannot be searched either because the resources do not exist or you do not "
    "have permission to view them."
)


_QUALIFIER = re.compile(r'(-?)(\w[\w-]*):("(?:[^"]*)"|\S+)|("[^"]*"|\S+)')


def _search_terms(query: str) -> tuple[list[tuple[bool, str, str]], list[str]]:
    qualifiers: list[tuple[bool, str, str]] = []
    words: list[str] = []
    for found in _QUALIFIER.finditer(query):
        if found.group(2):
            qualifiers.append((found.group(1) == "-", found.group(2).lower(), found.group(3).strip('"')))
        elif found.group(4):
            words.append(found.group(4).strip('"').lower())
    return qualifiers, words


def search_issues(context: Context) -> Reply:
    query = context.arg("q")
    if not query:
        raise validation_failed("Search", "", "missing", "q")
    qualifiers, words = _search_terms(query)
    kinds = {value.lower() for negated, key, value in qualifiers if key in ("is", "type") and not negated}
    want_issues = bool(kinds & {"issue"})
    want_pulls = bool(kinds & {"pr", "pull-request"})
    if not want_issues and not want_pulls:
        raise SandboxError(422, MESSAGE_SEARCH_NEEDS_TYPE, [{"resource": "Search", "field": "q", "code": "invalid"}])
    state = context.state
    scope: list[Repository] = []
    for negated, key, value in qualifiers:
        if key == "repo" and not negated:
            owner, _, name = value.partition("/")
            repo = state.find_repo(owner, name)
            if repo is None or not state.can_see(repo, context.viewer):
                raise SandboxError(
                    422, MESSAGE_SEARCH_INACCESSIBLE, [{"resource": "Search", "field": "q", "code": "invalid"}]
                )
            scope.append(repo)
    in_fields = {value.lower() for negated, key, value in qualifiers if key == "in" and not negated} or {
        "title",
        "body",
    }
    found: list[tuple[Repository, Issue]] = []
    with state.lock:
        candidates = (
            [(repo, issue) for repo in scope for issue in repo.issues.values()]
            if scope
            else list(state.all_issues(context.viewer))
        )
        for repo, issue in candidates:
            if _search_matches(
                state,
                repo,
                issue,
                qualifiers=qualifiers,
                words=words,
                in_fields=in_fields,
                want_issues=want_issues,
                want_pulls=want_pulls,
            ):
                found.append((repo, issue))
    sort = context.arg("sort")
    key = "updated_at" if sort == "updated" else "created_at"
    found.sort(key=lambda pair: (getattr(pair[1], key), pair[1].id), reverse=context.arg("order", "desc") != "asc")
    chunk, headers = paginate(context, found)
    items = []
    for repo, issue in chunk:
        item = render_issues.issue_json(context.urls, state, repo, issue)
        item["score"] = 1.0
        items.append(item)
    body = {"total_count": len(found), "incomplete_results": False, "items": items, "search_type": "lexical"}
    return Reply(200, body, headers)


def _search_matches(
    state: SandboxState,
    repo: Repository,
    issue: Issue,
    *,
    qualifiers: list[tuple[bool, str, str]],
    words: list[str],
    in_fields: set[str],
    want_issues: bool,
    want_pulls: bool,
) -> bool:
    if issue.pull is not None and not want_pulls:
        return False
    if issue.pull is None and not want_issues:
        return False
    labels = {name.lower() for name in issue.labels}
    for negated, key, value in qualifiers:
        lowered = value.lower()
        if key == "label":
            hit = any(name in labels for name in lowered.split(","))
        elif key == "state" or (key == "is" and lowered in ("open", "closed")):
            hit = issue.state == lowered
        elif key == "is" and lowered == "merged":
            hit = issue.pull is not None and issue.pull.merged
        elif key == "is" and lowered == "draft":
            hit = issue.pull is not None and issue.pull.draft
        elif key in ("author", "user", "org", "involves", "assignee"):
            hit = _search_person(repo, issue, key, lowered)
        elif key == "no" and lowered == "label":
            hit = not labels
        else:
            continue  # is:issue / repo: / in: handled by the caller; unknown qualifiers are ignored
        if hit == negated:
            return False
    if words:
        haystack = " ".join(
            text for field_name, text in (("title", issue.title), ("body", issue.body or "")) if field_name in in_fields
        ).lower()
        if not all(word in haystack for word in words):
            return False
    return True


def _search_person(repo: Repository, issue: Issue, key: str, login: str) -> bool:
    if key in ("user", "org"):
        return repo.owner.lower() == login
    if key == "assignee":
        return login in (name.lower() for name in issue.assignees)
    return issue.user.lower() == login
