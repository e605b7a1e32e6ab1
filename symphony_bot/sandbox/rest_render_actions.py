"""REST JSON shapes for GitHub Apps' installations, installation tokens and workflow runs (see rest_render)."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox.rest_render import JSON, Urls, repo_json, user_json
from symphony_bot.sandbox.state import (
    App,
    Installation,
    InstallationToken,
    Repository,
    SandboxState,
    WorkflowRun,
)


def installation_json(urls: Urls, state: SandboxState, app: App, installation: Installation) -> JSON:
    account = state.user(installation.account) or state.add_user(installation.account)
    return {
        "id": installation.id,
        "app_id": app.id,
        "app_slug": app.slug,
        "target_id": account.id,
        "target_type": account.type if account.type != "Bot" else "User",
        "single_file_name": None,
        "repository_selection": "all" if installation.repository_ids is None else "selected",
        "access_tokens_url": urls.api(f"/app/installations/{installation.id}/access_tokens"),
        "html_url": urls.html(f"/settings/installations/{installation.id}"),
        "repositories_url": urls.api("/installation/repositories"),
        "events": [],
        "account": user_json(urls, account),
        "permissions": _visible_permissions(installation.permissions),
        "created_at": installation.created_at,
        "updated_at": installation.created_at,
        "suspended_by": None,
        "suspended_at": None,
    }


def _visible_permissions(permissions: dict[str, str]) -> dict[str, str]:
    """GitHub lists only what is granted; `workflows` is spelled `workflows` there too."""
    return {scope: level for scope, level in permissions.items() if level != "none"}


def installation_token_json(urls: Urls, state: SandboxState, grant: InstallationToken) -> JSON:
    body: JSON = {
        "token": grant.token,
        "expires_at": grant.expires_at,
        "permissions": _visible_permissions(grant.permissions),
        "repository_selection": "all" if grant.repository_ids is None else "selected",
    }
    if grant.repository_ids is not None:
        body["repositories"] = [
            repo_json(urls, state, state.repos[repo_id], None, full=False) for repo_id in grant.repository_ids
        ]
    return body


def workflow_run_json(
    urls: Urls, state: SandboxState, repo: Repository, run: WorkflowRun, info: dict[str, Any]
) -> JSON:
    api = urls.api(f"/repos/{repo.full_name}/actions/runs/{run.id}")
    minimal = repo_json(urls, state, repo, None, full=False)
    actor = state.user(run.actor) if run.actor else None
    body: JSON = {
        "id": run.id,
        "name": run.name,
        "node_id": run.node_id,
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.name,
        "run_number": run.run_number,
        "run_attempt": 1,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": api,
        "html_url": urls.html(f"/{repo.full_name}/actions/runs/{run.id}"),
        "pull_requests": [],
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "run_started_at": run.created_at,
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": urls.api(f"/repos/{repo.full_name}/check-suites/{run.id}"),
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "workflow_url": urls.api(f"/repos/{repo.full_name}/actions/workflows/{run.workflow_id}"),
        "head_commit": {
            "id": run.head_sha,
            "tree_id": info["tree"],
            "message": info["message"],
            "timestamp": info["committer_date"],
            "author": {"name": info["author_name"], "email": info["author_email"]},
            "committer": {"name": info["committer_name"], "email": info["committer_email"]},
        },
        "repository": minimal,
        "head_repository": minimal,
    }
    if actor is not None:
        body["actor"] = body["triggering_actor"] = user_json(urls, actor)
    return body
