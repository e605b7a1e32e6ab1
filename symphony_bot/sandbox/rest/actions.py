"""GitHub's `actions` operations on workflow runs and dispatches, and `repos/create-dispatch-event`: what an
Action needs to start, read and cancel runs. Runs are records; nothing executes them (see state/actions.py)."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox import rest_render_actions as render_actions
from symphony_bot.sandbox.rest.context import Context, Reply, text_field
from symphony_bot.sandbox.state import MESSAGE_NO_ADMIN, WORKFLOWS_DIRECTORY, not_found, validation_failed


def _run_reply(context: Context, status: int, run_id: int) -> Reply:
    repo = context.repo()
    run = context.state.run(repo, run_id)
    info = context.repositories.commit_info(repo, run.head_sha) if context.repositories is not None else None
    if info is None:
        raise not_found()
    return Reply(status, render_actions.workflow_run_json(context.urls, context.state, repo, run, info))


def get_workflow_run(context: Context) -> Reply:
    return _run_reply(context, 200, context.number("run_id"))


def cancel_workflow_run(context: Context) -> Reply:
    repo = context.repo()
    run = context.state.run(repo, context.number("run_id"))
    context.state.cancel_run(repo, run, context.actor())
    return Reply(202, {})


def create_workflow_dispatch(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    ref = text_field(payload, "ref", "Workflow", required=True) or ""
    inputs = payload.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise validation_failed("Workflow", "", "invalid", "inputs")
    path = context.state.workflow_path(repo, context.params["workflow_id"])
    branch = ref.removeprefix("refs/heads/")
    content = context.repositories.read_file(repo, branch, path) if context.repositories is not None else None
    text = content.decode(errors="replace") if content is not None else None
    context.state.dispatch_workflow(repo, path, ref=ref, inputs=inputs, actor=context.actor(), text=text)
    return Reply(204, None)


def create_dispatch_event(context: Context) -> Reply:
    repo = context.repo()
    payload = context.body_object()
    event_type = text_field(payload, "event_type", "Dispatch", required=True) or ""
    if not event_type:
        raise validation_failed("Dispatch", "", "missing_field", "event_type")
    workflows: dict[str, str] = {}
    git = context.repositories
    entries = git.list_tree(repo, repo.default_branch, WORKFLOWS_DIRECTORY.rstrip("/")) if git is not None else None
    for kind, name, _sha, _size in entries or []:
        path = f"{WORKFLOWS_DIRECTORY}{name}"
        content = git.read_file(repo, repo.default_branch, path) if git is not None and kind == "file" else None
        if content is not None:
            workflows[path] = content.decode(errors="replace")
    client_payload: Any = payload.get("client_payload")
    del client_payload  # accepted and kept out of the record: nothing runs the workflows
    context.state.dispatch_repository(repo, workflows, context.actor())
    return Reply(204, None)


DEFAULT_WORKFLOW_PERMISSIONS = "read"  # GitHub's default for new repositories (contents and metadata: read)


def get_workflow_permissions(context: Context) -> Reply:
    """Settings > Actions > General > Workflow permissions: the `GITHUB_TOKEN`'s default and "Allow GitHub Actions
    to create and approve pull requests". Admins only (administration: read for apps; the `GITHUB_TOKEN` has no
    such permission), so a workflow cannot learn the setting before the pull request is refused."""
    repo = context.repo()
    context.state.require(repo, context.actor(), "admin", MESSAGE_NO_ADMIN)
    return Reply(
        200,
        {
            "default_workflow_permissions": DEFAULT_WORKFLOW_PERMISSIONS,
            "can_approve_pull_request_reviews": repo.actions_can_create_pulls,
        },
    )
