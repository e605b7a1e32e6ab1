"""GitHub REST JSON shapes for the sandbox's objects (pure functions of state + base URL).

Each renderer produces the full required field set of the matching @octokit/openapi schema (simple-user, label,
issue, issue-comment, reaction, pull-request, pull-request-simple, full-repository, minimal-repository,
timeline events...), with URLs under the sandbox's base URL so clients can follow them.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from dataclasses import dataclass
from typing import Any

from symphony_bot.sandbox.state import (
    Issue,
    IssueComment,
    IssueEvent,
    Label,
    Reaction,
    Repository,
    SandboxState,
    User,
)

JSON = dict[str, Any]
GIT_PREFIX = "/git"
ROLE_FOR_PERMISSION = {"admin": "admin", "maintain": "maintain", "write": "write", "triage": "triage", "read": "read"}
# GitHub's collaborator-permission API folds the five roles into the classic four.
CLASSIC_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}


@dataclass(frozen=True)
class Urls:
    """Where things live for this server: API base and the "web" base used for html_url fields."""

    base: str

    def api(self, path: str) -> str:
        return f"{self.base}{path}"

    def html(self, path: str) -> str:
        return f"{self.base}/html{path}"

    def git(self, owner: str, name: str) -> str:
        return f"{self.base}{GIT_PREFIX}/{owner}/{name}.git"


def user_json(urls: Urls, user: User) -> JSON:
    login = user.login
    api = urls.api(f"/users/{login}")
    return {
        "login": login,
        "id": user.id,
        "node_id": user.node_id,
        "avatar_url": urls.html(f"/avatars/{login}"),
        "gravatar_id": "",
        "url": api,
        "html_url": urls.html(f"/{login}"),
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": user.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def full_user_json(urls: Urls, state: SandboxState, user: User, *, private: bool) -> JSON:
    owned = [repo for repo in state.repos.values() if repo.owner.lower() == user.login.lower()]
    body = user_json(urls, user)
    body.update(
        {
            "name": user.name,
            "company": None,
            "blog": "",
            "location": None,
            "email": user.email,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": sum(1 for repo in owned if not repo.private),
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": user.created_at,
            "updated_at": user.created_at,
        }
    )
    if private:
        body.update(
            {
                "user_view_type": "private",
                "private_gists": 0,
                "total_private_repos": sum(1 for repo in owned if repo.private),
                "owned_private_repos": sum(1 for repo in owned if repo.private),
                "disk_usage": 0,
                "collaborators": 0,
                "two_factor_authentication": False,
            }
        )
    return body


def login_json(urls: Urls, state: SandboxState, login: str | None) -> JSON | None:
    if login is None:
        return None
    user = state.user(login)
    return user_json(urls, user) if user is not None else None


def repo_json(urls: Urls, state: SandboxState, repo: Repository, viewer: str | None, *, full: bool = True) -> JSON:
    owner = state.user(repo.owner)
    api = urls.api(f"/repos/{repo.full_name}")
    open_issues = sum(1 for issue in repo.issues.values() if issue.state == "open")
    forks = len(state.forks(repo))
    permission = state.permission(repo, viewer)
    body: JSON = {
        "id": repo.id,
        "node_id": repo.node_id,
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": user_json(urls, owner) if owner is not None else None,
        "private": repo.private,
        "html_url": urls.html(f"/{repo.full_name}"),
        "description": repo.description,
        "fork": repo.parent_id is not None,
        "url": api,
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{api}/assignees{{/user}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "contributors_url": f"{api}/contributors",
        "deployments_url": f"{api}/deployments",
        "downloads_url": f"{api}/downloads",
        "events_url": f"{api}/events",
        "forks_url": f"{api}/forks",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_url": urls.git(repo.owner, repo.name),
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "keys_url": f"{api}/keys{{/key_id}}",
        "labels_url": f"{api}/labels{{/name}}",
        "languages_url": f"{api}/languages",
        "merges_url": f"{api}/merges",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "releases_url": f"{api}/releases{{/id}}",
        "ssh_url": f"git@sandbox:{repo.full_name}.git",
        "stargazers_url": f"{api}/stargazers",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "tags_url": f"{api}/tags",
        "teams_url": f"{api}/teams",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "clone_url": urls.git(repo.owner, repo.name),
        "mirror_url": None,
        "hooks_url": f"{api}/hooks",
        "svn_url": urls.html(f"/{repo.full_name}"),
        "homepage": None,
        "language": None,
        "forks_count": forks,
        "forks": forks,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": 0,
        "default_branch": repo.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": repo.archived,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "pushed_at": repo.pushed_at or repo.created_at,
        "created_at": repo.created_at,
        "updated_at": repo.updated_at,
        "license": None,
        "allow_forking": True,
        "web_commit_signoff_required": False,
    }
    if viewer is not None:
        body["permissions"] = {
            "admin": permission == "admin",
            "maintain": permission in ("admin", "maintain"),
            "push": permission in ("admin", "maintain", "write"),
            "triage": permission in ("admin", "maintain", "write", "triage"),
            "pull": permission != "none",
        }
    if full:
        body.update(
            {
                "network_count": forks,
                "subscribers_count": 0,
                "allow_rebase_merge": True,
                "allow_squash_merge": True,
                "allow_merge_commit": True,
                "allow_auto_merge": False,
                "delete_branch_on_merge": False,
            }
        )
        if repo.parent_id is not None and repo.parent_id in state.repos:
            parent = state.repos[repo.parent_id]
            body["parent"] = repo_json(urls, state, parent, viewer, full=False)
            body["source"] = repo_json(urls, state, state.root_repo(repo), viewer, full=False)
    return body


def label_json(urls: Urls, repo: Repository, label: Label) -> JSON:
    return {
        "id": label.id,
        "node_id": label.node_id,
        "url": urls.api(f"/repos/{repo.full_name}/labels/{urllib.parse.quote(label.name)}"),
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    }


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
        "active_lock_reason": None,
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
        "active_lock_reason": None,
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
        body.update(
            {
                "merged": pull.merged,
                "mergeable": None if issue.state == "closed" else True,
                "rebaseable": None if issue.state == "closed" else True,
                "mergeable_state": "draft" if pull.draft else ("unknown" if issue.state == "closed" else "clean"),
                "merged_by": merged_by,
                "comments": len(issue.comment_ids),
                "review_comments": 0,
                "maintainer_can_modify": pull.maintainer_can_modify,
                "commits": pull.commits,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            }
        )
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


def branch_short_json(urls: Urls, repo: Repository, name: str, sha: str) -> JSON:
    return {
        "name": name,
        "commit": {"sha": sha, "url": urls.api(f"/repos/{repo.full_name}/commits/{sha}")},
        "protected": False,
    }


def commit_json(urls: Urls, state: SandboxState, repo: Repository, sha: str, info: dict[str, Any]) -> JSON:
    api = urls.api(f"/repos/{repo.full_name}/commits/{sha}")
    return {
        "url": api,
        "sha": sha,
        "node_id": f"C_sandbox{sha[:20]}",
        "html_url": urls.html(f"/{repo.full_name}/commit/{sha}"),
        "comments_url": f"{api}/comments",
        "commit": {
            "url": urls.api(f"/repos/{repo.full_name}/git/commits/{sha}"),
            "author": {"name": info["author_name"], "email": info["author_email"], "date": info["author_date"]},
            "committer": {
                "name": info["committer_name"],
                "email": info["committer_email"],
                "date": info["committer_date"],
            },
            "message": info["message"],
            "comment_count": 0,
            "tree": {"sha": info["tree"], "url": urls.api(f"/repos/{repo.full_name}/git/trees/{info['tree']}")},
        },
        "author": login_json(urls, state, info["author_name"]) or {},
        "committer": login_json(urls, state, info["committer_name"]) or {},
        "parents": [
            {
                "sha": parent,
                "url": urls.api(f"/repos/{repo.full_name}/commits/{parent}"),
                "html_url": urls.html(f"/{repo.full_name}/commit/{parent}"),
            }
            for parent in info["parents"]
        ],
    }


def git_ref_json(urls: Urls, repo: Repository, name: str, sha: str) -> JSON:
    return {
        "ref": f"refs/heads/{name}",
        "node_id": f"REF_sandbox{repo.id}_{name}",
        "url": urls.api(f"/repos/{repo.full_name}/git/refs/heads/{name}"),
        "object": {
            "type": "commit",
            "sha": sha,
            "url": urls.api(f"/repos/{repo.full_name}/git/commits/{sha}"),
        },
    }


def _content_links(urls: Urls, repo: Repository, ref: str, path: str, *, kind: str, sha: str) -> JSON:
    quoted = urllib.parse.quote(path)
    self_url = urls.api(f"/repos/{repo.full_name}/contents/{quoted}?ref={urllib.parse.quote(ref)}")
    git_url = urls.api(f"/repos/{repo.full_name}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}")
    html_url = urls.html(f"/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{quoted}")
    return {
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": urls.api(f"/raw/{repo.full_name}/{ref}/{quoted}") if kind == "file" else None,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def content_entry_json(urls: Urls, repo: Repository, ref: str, parent: str, entry: tuple[str, str, str, int]) -> JSON:
    kind, name, sha, size = entry
    path = f"{parent}/{name}" if parent else name
    return {
        "type": kind,
        "size": size,
        "name": name,
        "path": path,
        "sha": sha,
        **_content_links(urls, repo, ref, path, kind=kind, sha=sha),
    }


def content_file_json(urls: Urls, repo: Repository, ref: str, path: str, content: bytes) -> JSON:
    # The blob id git itself would give these bytes.
    sha = hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": base64.encodebytes(content).decode(),
        "sha": sha,
        **_content_links(urls, repo, ref, path, kind="file", sha=sha),
    }
