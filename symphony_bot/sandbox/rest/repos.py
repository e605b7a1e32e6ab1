"""GitHub's `repos` operations: repositories, contents, forks, collaborator permission, branches."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox import rest_render as render
from symphony_bot.sandbox import rest_render_git as render_git
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
    bool_field,
    page_reply,
    text_field,
)
from symphony_bot.sandbox.state import (
    SandboxError,
    User,
    not_found,
    validation_failed,
)


def get_repo(context: Context) -> Reply:
    repo = context.repo()
    body = render.repo_json(context.urls, context.state, repo, context.login)
    return Reply(200, body, last_modified=max(repo.updated_at, repo.pushed_at or repo.updated_at))


def update_repo(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    archived = payload.get("archived")
    private = payload.get("private")
    context.state.update_repo(
        repo,
        context.actor(),
        name=text_field(payload, "name", "Repository"),
        archived=bool_field(archived, "archived", "Repository") if archived is not None else None,
        private=bool_field(private, "private", "Repository") if private is not None else None,
        default_branch=text_field(payload, "default_branch", "Repository"),
        description=text_field(payload, "description", "Repository"),
    )
    return Reply(200, render.repo_json(context.urls, context.state, repo, context.login))


def get_content(context: Context) -> Reply:
    """A file (base64, as GitHub serves files up to 1 MB) or a directory listing, on `ref` or the default branch."""
    repo = context.repo()
    if context.repositories is None:
        raise not_found()
    ref = context.arg("ref") or repo.default_branch
    path = context.params["path"].strip("/")
    content = context.repositories.read_file(repo, ref, path)
    if content is not None:
        return Reply(200, render_git.content_file_json(context.urls, repo, ref, path, content))
    entries = context.repositories.list_tree(repo, ref, path)
    if entries is None:
        raise not_found()
    return Reply(200, [render_git.content_entry_json(context.urls, repo, ref, path, entry) for entry in entries])


def list_forks(context: Context) -> Reply:
    repo = context.repo()
    forks = [fork for fork in context.state.forks(repo) if context.state.can_see(fork, context.viewer)]
    forks.sort(key=lambda fork: fork.created_at, reverse=True)
    return page_reply(
        context, forks, lambda fork: render.repo_json(context.urls, context.state, fork, context.login, full=False)
    )


def create_fork(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    fork = context.state.fork_repo(repo, context.actor(), text_field(payload, "name", "Repository"))
    return Reply(202, render.repo_json(context.urls, context.state, fork, context.login))


def get_collaborator_permission(context: Context) -> Reply:
    repo = context.repo()
    context.actor()
    user = context.state.require_user(context.params["username"])
    permission = context.state.granted_role(repo, user.login)
    if permission == "none":
        classic, role = "none", "none"
    else:
        classic, role = render.CLASSIC_PERMISSION[permission], render.ROLE_FOR_PERMISSION[permission]
    collaborator = render.user_json(context.urls, user)
    collaborator["role_name"] = role
    collaborator["permissions"] = permission_flags(permission)
    return Reply(200, {"permission": classic, "role_name": role, "user": collaborator})


def list_branches(context: Context) -> Reply:
    repo = context.repo()
    names = sorted(repo.branches)
    return page_reply(
        context, names, lambda name: render_git.branch_short_json(context.urls, repo, name, repo.branches[name])
    )


def get_branch(context: Context) -> Reply:
    repo = context.repo()
    name = context.params["branch"]
    sha = repo.branches.get(name)
    if sha is None or context.repositories is None:
        raise SandboxError(404, "Branch not found")
    info = context.repositories.commit_info(repo, sha)
    if info is None:
        raise SandboxError(404, "Branch not found")
    api = context.urls.api(f"/repos/{repo.full_name}/branches/{name}")
    return Reply(
        200,
        {
            "name": name,
            "commit": render_git.commit_json(context.urls, context.state, repo, sha, info),
            "_links": {"self": api, "html": context.urls.html(f"/{repo.full_name}/tree/{name}")},
            "protected": False,
            "protection": {
                "enabled": False,
                "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
            },
            "protection_url": f"{api}/protection",
        },
    )


def list_collaborators(context: Context) -> Reply:
    """The owner and the collaborators with their role (`affiliation` is accepted; all are direct here)."""
    repo = context.repo()
    context.state.require(repo, context.actor(), "write")  # GitHub: push access to list collaborators
    logins = [repo.owner, *sorted(repo.collaborators)]
    users = [user for login in logins if (user := context.state.user(login)) is not None]
    permission_filter = context.arg("permission")

    def one(user: User) -> dict[str, Any]:
        role = context.state.granted_role(repo, user.login)
        body = render.user_json(context.urls, user)
        body["permissions"] = permission_flags(role)
        body["role_name"] = render.ROLE_FOR_PERMISSION.get(role, role)
        return body

    if permission_filter:
        if permission_filter not in PERMISSION_FLAGS:
            raise validation_failed("Collaborator", "", "invalid", "permission")
        users = [u for u in users if permission_flags(context.state.granted_role(repo, u.login))[permission_filter]]
    return page_reply(context, users, one)


PERMISSION_FLAGS = ("pull", "triage", "push", "maintain", "admin")


def permission_flags(permission: str) -> dict[str, bool]:
    return {
        "admin": permission == "admin",
        "maintain": permission in ("admin", "maintain"),
        "push": permission in ("admin", "maintain", "write"),
        "triage": permission in ("admin", "maintain", "write", "triage"),
        "pull": permission != "none",
    }
