"""GitHub's `apps` operations a workflow or a runner uses: find a repository's installation, mint a scoped
installation token. Both are authenticated with the App's JWT (`sb.add_app(...).jwt` as `Bearer`)."""

from __future__ import annotations

from symphony_bot.sandbox import rest_render_actions as render_actions
from symphony_bot.sandbox.rest.context import Context, Reply
from symphony_bot.sandbox.state import App, Repository, SandboxError, not_found, validation_failed

MESSAGE_JWT_REQUIRED = "A JSON web token could not be decoded"


def _app(context: Context) -> App:
    if context.app is None:
        raise SandboxError(401, MESSAGE_JWT_REQUIRED)
    return context.app


def get_repo_installation(context: Context) -> Reply:
    app = _app(context)
    owner, name = context.params["owner"], context.params["repo"]
    repo = context.state.find_repo(owner, name)
    if repo is None:
        raise not_found()
    installation = context.state.installation_for(app, repo)
    return Reply(200, render_actions.installation_json(context.urls, context.state, app, installation))


def create_installation_token(context: Context) -> Reply:
    app = _app(context)
    payload = context.body_object()
    repositories: list[Repository] | None = None
    names, ids = payload.get("repositories"), payload.get("repository_ids")
    installation = context.state.installations.get(context.number("installation_id"))
    if names is not None or ids is not None:
        repositories = []
        account = installation.account if installation is not None else ""
        for name in names or []:
            repo = context.state.find_repo(account, str(name))
            if repo is None:
                raise validation_failed("Installation", "", "invalid", "repositories")
            repositories.append(repo)
        for repo_id in ids or []:
            repo = context.state.repos.get(int(repo_id)) if str(repo_id).isdigit() else None
            if repo is None:
                raise validation_failed("Installation", "", "invalid", "repository_ids")
            repositories.append(repo)
    permissions = payload.get("permissions")
    if permissions is not None and not isinstance(permissions, dict):
        raise validation_failed("Installation", "", "invalid", "permissions")
    grant = context.state.mint_token(
        app, context.number("installation_id"), repositories=repositories, permissions=permissions
    )
    return Reply(201, render_actions.installation_token_json(context.urls, context.state, grant))
