"""REST JSON shapes for issues, pull requests, comments, reactions and timeline events (see rest_render)."""

from __future__ import annotations

import urllib.parse

from symphony_bot.sandbox.rest_render import (
    JSON,
    Urls,
    label_json,
    login_json,
    repo_json,
    user_json,
)
from symphony_bot.sandbox.state import (
    ChangedFile,
    Comparison,
    Issue,
    IssueComment,
    IssueEvent,
    Reaction,
    Repository,
    SandboxState,
)


def author_association(state: SandboxState, repo: Repository, login: str) -> str:
    if login.lower() == repo.owner.lower():
        return "OWNER"
    if login.lower() in repo.collaborators:
        return "COLLABORATOR"
    return "NONE"


def reactions_rollup(urls: Urls, api_path: str, reactions: list[Reaction]) -> JSON:
    counts = {content: 0 for content in ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")}
    for reaction in reactions:
        counts[reaction.content] += 1
    return {"url": urls.api(f"{api_path}/reactions"), "total_count": len(reactions), **counts}


def reaction_json(urls: Urls, state: SandboxState, reaction: Reaction) -> JSON:
    return {
        "id": reaction.id,
        "node_id": reaction.node_id,
        "user": login_json(urls, state, reaction.user),
        "content": reaction.content,
        "created_at": reaction.created_at,
    }


def issue_json(urls: Urls, state: SandboxState, repo: Repository, issue: Issue) -> JSON:
    api = urls.api(f"/repos/{repo.full_name}/issues/{issue.number}")
    kind = "pull" if issue.pull is not None else "issues"
    body: JSON = {
        "id": issue.id,
        "node_id": issue.node_id,
        "url": api,
        "repository_url": urls.api(f"/repos/{repo.full_name}"),
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": urls.html(f"/{repo.full_name}/{kind}/{issue.number}"),
        "timeline_url": f"{api}/timeline",
        "number": issue.number,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "title": issue.title,
        "body": issue.body,
        "user": login_json(urls, state, issue.user),
        "labels": [label_json(urls, repo, label) for label in state.issue_labels(repo, issue)],
        "assignee": login_json(urls, state, issue.assignees[0]) if issue.assignees else None,
        "assignees": [login_json(urls, state, login) for login in issue.assignees],
        "milestone": None,
        "locked": issue.locked,
        "active_lock_reason": issue.lock_reason,
        "comments": len(issue.comment_ids),
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "closed_by": login_json(urls, state, issue.closed_by) if issue.state == "closed" else None,
        "author_association": author_association(state, repo, issue.user),
        "reactions": reactions_rollup(urls, f"/repos/{repo.full_name}/issues/{issue.number}", issue.reactions),
        "performed_via_github_app": None,
    }
    if issue.pull is not None:
        pulls_api = urls.api(f"/repos/{repo.full_name}/pulls/{issue.number}")
        html = urls.html(f"/{repo.full_name}/pull/{issue.number}")
        body["draft"] = issue.pull.draft
        body["pull_request"] = {
            "url": pulls_api,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": issue.pull.merged_at,
        }
    return body


def comment_json(urls: Urls, state: SandboxState, repo: Repository, comment: IssueComment) -> JSON:
    api = urls.api(f"/repos/{repo.full_name}/issues/comments/{comment.id}")
    issue = repo.issues.get(comment.issue_number)
    kind = "pull" if issue is not None and issue.pull is not None else "issues"
    return {
        "id": comment.id,
        "node_id": comment.node_id,
        "url": api,
        "html_url": urls.html(f"/{repo.full_name}/{kind}/{comment.issue_number}#issuecomment-{comment.id}"),
        "issue_url": urls.api(f"/repos/{repo.full_name}/issues/{comment.issue_number}"),
        "body": comment.body,
        "user": login_json(urls, state, comment.user),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "author_association": author_association(state, repo, comment.user),
        "performed_via_github_app": None,
        "reactions": reactions_rollup(urls, f"/repos/{repo.full_name}/issues/comments/{comment.id}", comment.reactions),
    }


def _link(href: str) -> JSON:
    return {"href": href}


def pull_json(urls: Urls, state: SandboxState, repo: Repository, issue: Issue, *, full: bool = True) -> JSON:
    pull = issue.pull
    if pull is None:
        raise ValueError("not a pull request")
    api = urls.api(f"/repos/{repo.full_name}/pulls/{issue.number}")
    issue_api = urls.api(f"/repos/{repo.full_name}/issues/{issue.number}")
    html = urls.html(f"/{repo.full_name}/pull/{issue.number}")
    head_repo = state.repos.get(pull.head_repo_id)
    head_owner = state.user(head_repo.owner) if head_repo else None
    base_owner = state.user(repo.owner)
    statuses = urls.api(f"/repos/{repo.full_name}/statuses/{pull.head_sha}")
    body: JSON = {
        "url": api,
        "id": pull.id,
        "node_id": pull.node_id,
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_api,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": urls.api(f"/repos/{repo.full_name}/pulls/comments{{/number}}"),
        "comments_url": f"{issue_api}/comments",
        "statuses_url": statuses,
        "number": issue.number,
        "state": issue.state,
        "locked": issue.locked,
        "title": issue.title,
        "user": login_json(urls, state, issue.user),
        "body": issue.body,
        "labels": [label_json(urls, repo, label) for label in state.issue_labels(repo, issue)],
        "milestone": None,
        "active_lock_reason": issue.lock_reason,
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "merged_at": pull.merged_at,
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": login_json(urls, state, issue.assignees[0]) if issue.assignees else None,
        "assignees": [login_json(urls, state, login) for login in issue.assignees],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {
            "label": f"{head_repo.owner if head_repo else 'ghost'}:{pull.head_ref}",
            "ref": pull.head_ref,
            "sha": pull.head_sha,
            "user": user_json(urls, head_owner) if head_owner else None,
            "repo": repo_json(urls, state, head_repo, None, full=False) if head_repo else None,
        },
        "base": {
            "label": f"{repo.owner}:{pull.base_ref}",
            "ref": pull.base_ref,
            "sha": pull.base_sha,
            "user": user_json(urls, base_owner) if base_owner else None,
            "repo": repo_json(urls, state, repo, None, full=False),
        },
        "_links": {
            "self": _link(api),
            "html": _link(html),
            "issue": _link(issue_api),
            "comments": _link(f"{issue_api}/comments"),
            "review_comments": _link(f"{api}/comments"),
            "review_comment": _link(urls.api(f"/repos/{repo.full_name}/pulls/comments{{/number}}")),
            "commits": _link(f"{api}/commits"),
            "statuses": _link(statuses),
        },
        "author_association": author_association(state, repo, issue.user),
        "auto_merge": None,
        "draft": pull.draft,
    }
    if full:
        merged_by = login_json(urls, state, pull.merged_by)
        files = pull_comparison(state, repo, issue).files if state.git is not None else []
        computed = pull.mergeability_of == pull.mergeability_key
        known = True if computed and issue.state == "open" and not pull.merged else None
        body.update(
            {
                "merged": pull.merged,
                "mergeable": known,
                "rebaseable": known,
                "mergeable_state": "unknown" if known is None else ("draft" if pull.draft else "clean"),
                "merged_by": merged_by,
                "comments": len(issue.comment_ids),
                "review_comments": 0,
                "maintainer_can_modify": pull.maintainer_can_modify,
                "commits": pull.commits,
                "additions": sum(changed.additions for changed in files),
                "deletions": sum(changed.deletions for changed in files),
                "changed_files": len(files),
            }
        )
    return body


def pull_comparison(state: SandboxState, repo: Repository, issue: Issue) -> Comparison:
    """The PR's head against its base, from the real git objects (the SHAs the PR had when it was merged or
    closed, the current ones while it is open)."""
    pull = issue.pull
    if pull is None or state.git is None:
        return Comparison("", [], 0, [])
    return state.git.compare(repo, pull.base_sha, state.repos[pull.head_repo_id], pull.head_sha)


def diff_entry_json(urls: Urls, repo: Repository, ref: str, changed: ChangedFile) -> JSON:
    """GitHub's diff-entry (the patch itself is optional there and left out here)."""
    quoted = urllib.parse.quote(changed.filename)
    body: JSON = {
        "sha": changed.sha,
        "filename": changed.filename,
        "status": changed.status,
        "additions": changed.additions,
        "deletions": changed.deletions,
        "changes": changed.additions + changed.deletions,
        "blob_url": urls.html(f"/{repo.full_name}/blob/{ref}/{quoted}"),
        "raw_url": urls.html(f"/{repo.full_name}/raw/{ref}/{quoted}"),
        "contents_url": urls.api(f"/repos/{repo.full_name}/contents/{quoted}?ref={ref}"),
    }
    if changed.previous_filename is not None:
        body["previous_filename"] = changed.previous_filename
    return body


def event_json(urls: Urls, state: SandboxState, repo: Repository, issue: Issue, event: IssueEvent) -> JSON | None:
    """A timeline entry; None for events we keep internally but GitHub's timeline shapes differently."""
    api = urls.api(f"/repos/{repo.full_name}/issues/events/{event.id}")
    if event.event == "cross-referenced":
        source_repo = state.repos.get(event.source_repo_id or -1)
        source = source_repo.issues.get(event.source_number or -1) if source_repo else None
        if source_repo is None or source is None:
            return None
        return {
            "event": "cross-referenced",
            "actor": login_json(urls, state, event.actor),
            "created_at": event.created_at,
            "updated_at": event.created_at,
            "source": {"type": "issue", "issue": issue_json(urls, state, source_repo, source)},
        }
    body: JSON = {
        "id": event.id,
        "node_id": event.node_id,
        "url": api,
        "actor": login_json(urls, state, event.actor),
        "event": event.event,
        "commit_id": event.commit_id,
        "commit_url": urls.api(f"/repos/{repo.full_name}/commits/{event.commit_id}") if event.commit_id else None,
        "created_at": event.created_at,
        "performed_via_github_app": None,
    }
    if event.event in ("labeled", "unlabeled"):
        body["label"] = {"name": event.label_name, "color": event.label_color or ""}
    if event.event == "renamed":
        body["rename"] = {"from": event.rename_from, "to": event.rename_to}
    if event.event == "closed":
        body["state_reason"] = event.state_reason
    return body


def timeline_comment_json(urls: Urls, state: SandboxState, repo: Repository, comment: IssueComment) -> JSON:
    body = comment_json(urls, state, repo, comment)
    body["event"] = "commented"
    body["actor"] = login_json(urls, state, comment.user)
    return body
