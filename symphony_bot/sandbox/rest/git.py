"""GitHub's `git` operations: refs (branches) read, created, moved and deleted."""

from __future__ import annotations

from symphony_bot.sandbox import rest_render_git as render_git
from symphony_bot.sandbox.rest.context import (
    Context,
    Reply,
    text_field,
)
from symphony_bot.sandbox.state import (
    SandboxError,
    is_valid_ref_name,
    not_found,
    validation_failed,
)

MESSAGE_INVALID_REF = "{ref} is not a valid ref name."
MESSAGE_REF_UPDATE_FAILED = "Reference update failed"


def get_ref(context: Context) -> Reply:
    repo = context.repo()
    ref = context.params["ref"]
    name = ref.removeprefix("heads/")
    if not ref.startswith("heads/") or name not in repo.branches:
        raise not_found()
    return Reply(200, render_git.git_ref_json(context.urls, repo, name, repo.branches[name]))


def list_matching_refs(context: Context) -> Reply:
    repo = context.repo()
    wanted = context.params["ref"]
    if not wanted.startswith("heads"):
        names: list[str] = []  # tags and other namespaces: the sandbox has branches only
    else:
        prefix = wanted.removeprefix("heads").removeprefix("/")
        names = sorted(name for name in repo.branches if name.startswith(prefix))
    return Reply(200, [render_git.git_ref_json(context.urls, repo, name, repo.branches[name]) for name in names])


def create_ref(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    ref = text_field(payload, "ref", "Reference", required=True) or ""
    sha = text_field(payload, "sha", "Reference", required=True) or ""
    context.state.require(repo, context.actor(), "write")
    context.state.require_writable(repo)
    if not ref.startswith("refs/heads/"):
        raise validation_failed("Reference", "Reference name must start with 'refs/heads/'", "custom", "ref")
    if not is_valid_ref_name(ref):
        raise SandboxError(422, MESSAGE_INVALID_REF.format(ref=ref))
    name = ref.removeprefix("refs/heads/")
    if name in repo.branches:
        raise validation_failed("Reference", "Reference already exists")
    if context.repositories is None or context.repositories.commit_info(repo, sha) is None:
        raise validation_failed("Reference", "Object does not exist")
    if any(other.startswith(f"{name}/") or name.startswith(f"{other}/") for other in repo.branches):
        raise SandboxError(422, MESSAGE_REF_UPDATE_FAILED)  # git cannot hold both `a` and `a/b`
    context.repositories.set_branch(repo, name, sha)
    context.state.refresh_branches(repo, context.login)
    return Reply(201, render_git.git_ref_json(context.urls, repo, name, sha))


def update_ref(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    sha = text_field(payload, "sha", "Reference", required=True) or ""
    context.state.require(repo, context.actor(), "write")
    context.state.require_writable(repo)
    name = context.params["ref"].removeprefix("heads/")
    if name not in repo.branches:
        raise validation_failed("Reference", "Reference does not exist")
    if context.repositories is None or context.repositories.commit_info(repo, sha) is None:
        raise validation_failed("Reference", "Object does not exist")
    context.repositories.set_branch(repo, name, sha)
    context.state.refresh_branches(repo, context.login)
    return Reply(200, render_git.git_ref_json(context.urls, repo, name, sha))


def delete_ref(context: Context) -> Reply:
    repo = context.repo()
    context.state.delete_branch(repo, context.params["ref"].removeprefix("heads/"), context.actor())
    return Reply(204, None)
