"""GitHub REST JSON shapes for the sandbox's objects (pure functions of state + base URL).

Each renderer produces the full required field set of the matching @octokit/openapi schema (simple-user, label,
issue, issue-comment, reaction, pull-request, pull-request-simple, full-repository, minimal-repository,
timeline events...), with URLs under the sandbox's base URL so clients can follow them.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from symphony_bot.sandbox.state import (
    BOT_SUFFIX,
    INSTALLATION_PERMISSIONS_FALSE,
    Label,
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
    """A simple-user. A bot's URLs are GitHub's: `/users/name%5Bbot%5D` in the API, `/apps/name` on the web."""
    login = user.login
    quoted = urllib.parse.quote(login, safe="")
    api = urls.api(f"/users/{quoted}")
    is_app_bot = user.type == "Bot" and login.endswith(BOT_SUFFIX)
    return {
        "login": login,
        "id": user.id,
        "node_id": user.node_id,
        "avatar_url": urls.html(f"/avatars/{quoted}"),
        "gravatar_id": "",
        "url": api,
        "html_url": urls.html(f"/apps/{login.removesuffix(BOT_SUFFIX)}" if is_app_bot else f"/{login}"),
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
    if viewer is not None and state.acts_for_installation(viewer):
        # GitHub does not describe an installation token's grant here: it answers every flag false (or, since,
        # no `permissions` at all) even when the token can push. Recorded by an Octokit maintainer in
        # https://github.com/semantic-release/github/issues/182 ("admin": false, "push": false, "pull": false).
        if state.installation_repo_permissions == INSTALLATION_PERMISSIONS_FALSE:
            body["permissions"] = dict.fromkeys(("admin", "maintain", "push", "triage", "pull"), False)
    elif viewer is not None:
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
