"""The Actions side of the sandbox: GitHub Apps and their installations (minting scoped installation tokens), and
workflow runs created by `workflow_dispatch` / `repository_dispatch` (read and cancelled through the API).

A workflow is a file under `.github/workflows/` on the ref asked for; its numeric id is stable per repository
and file. Runs are records only: nothing executes them. Tests move them on with `set_run_status`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from symphony_bot.sandbox.state.model import (
    ACCESS_LEVELS,
    INSTALLATION_TOKEN_PREFIX,
    GitBackend,
    InstallationToken,
    Repository,
    SandboxError,
    app_permissions,
    iso_now,
    not_found,
    validation_failed,
)
from symphony_bot.sandbox.state.pulls import PullStore

WORKFLOWS_DIRECTORY = ".github/workflows/"
MAX_DISPATCH_INPUTS = 25
MAX_DISPATCH_JSON_CHARS = 65_535
MESSAGE_NO_REF = "No ref found for: {ref}"
MESSAGE_NO_DISPATCH_TRIGGER = "Workflow does not have 'workflow_dispatch' trigger"
MESSAGE_INPUTS_TOO_LARGE = "inputs are too large."
MESSAGE_TOO_MANY_INPUTS = "you may only define up to 25 `inputs` for a `workflow_dispatch` workflow"
MESSAGE_CANNOT_CANCEL = "Cannot cancel a workflow run that is completed."
MESSAGE_PERMISSION_NOT_GRANTED = "The permissions requested are not granted to this installation."
RUN_STATUSES = ("queued", "in_progress", "completed", "waiting", "requested", "pending", "action_required")
JWT_PREFIX = "eyJhbGciOiJSUzI1NiJ9."  # what a GitHub App JWT starts with; the rest is the sandbox's own


@dataclass
class App:
    id: int
    slug: str
    owner: str
    jwt: str  # the sandbox's stand-in for a signed JWT: send it as `Bearer <jwt>` to the app endpoints


@dataclass
class Installation:
    id: int
    app: str
    account: str
    permissions: dict[str, str]
    repository_ids: list[int] | None  # None: all of the account's repositories
    created_at: str = field(default_factory=iso_now)


@dataclass
class WorkflowRun:
    id: int
    node_id: str
    repo_id: int
    workflow_id: int
    path: str
    name: str
    event: str
    head_branch: str
    head_sha: str
    run_number: int
    actor: str | None
    status: str = "queued"
    conclusion: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=iso_now)
    updated_at: str = field(default_factory=iso_now)


class ActionsStore(PullStore):
    """Apps, installations and workflow runs."""

    def __init__(self, git: GitBackend | None = None) -> None:
        super().__init__(git)
        self.apps: dict[str, App] = {}  # slug -> app
        self.installations: dict[int, Installation] = {}
        self.runs: dict[int, WorkflowRun] = {}
        self._workflow_ids: dict[tuple[int, str], int] = {}

    # ---- apps and installations ---------------------------------------------------------------------------

    def add_app(self, slug: str, owner: str) -> App:
        with self.lock:
            if slug not in self.apps:
                app_id, _ = self._new_id("Installation")
                self.apps[slug] = App(app_id, slug, owner, f"{JWT_PREFIX}{secrets.token_urlsafe(24)}")
            return self.apps[slug]

    def app_for_jwt(self, token: str | None) -> App | None:
        return next((app for app in self.apps.values() if token and app.jwt == token), None)

    def install_app(
        self, slug: str, account: str, permissions: dict[str, str] | None, repositories: list[Repository] | None
    ) -> Installation:
        with self.lock:
            if slug not in self.apps:
                raise not_found()
            installation_id, _ = self._new_id("Installation")
            installation = Installation(
                installation_id,
                slug,
                account,
                app_permissions(permissions),
                None if repositories is None else [repo.id for repo in repositories],
            )
            self.installations[installation_id] = installation
            self.touch()
            return installation

    def installation_for(self, app: App, repo: Repository) -> Installation:
        for installation in self.installations.values():
            if installation.app != app.slug or installation.account.lower() != repo.owner.lower():
                continue
            if installation.repository_ids is None or repo.id in installation.repository_ids:
                return installation
        raise not_found()

    def mint_token(
        self,
        app: App,
        installation_id: int,
        *,
        repositories: list[Repository] | None = None,
        permissions: dict[str, str] | None = None,
    ) -> InstallationToken:
        """A token for an installation, narrowed (never widened) to `repositories` and `permissions`."""
        with self.lock:
            installation = self.installations.get(installation_id)
            if installation is None or installation.app != app.slug:
                raise not_found()
            granted = dict(installation.permissions)
            if permissions is not None:
                wanted = app_permissions(permissions)  # unspecified scopes: none (metadata: read)
                if any(ACCESS_LEVELS.index(level) > ACCESS_LEVELS.index(granted[s]) for s, level in wanted.items()):
                    raise validation_failed("Installation", MESSAGE_PERMISSION_NOT_GRANTED, "custom", "permissions")
                granted = wanted
            scoped = installation.repository_ids
            if repositories is not None:
                for repo in repositories:
                    if (
                        scoped is not None and repo.id not in scoped
                    ) or repo.owner.lower() != installation.account.lower():
                        raise validation_failed("Installation", "", "invalid", "repositories")
                scoped = [repo.id for repo in repositories]
            chosen = [self.repos[repo_id] for repo_id in scoped] if scoped is not None else None
            return self.add_installation_token(
                f"{INSTALLATION_TOKEN_PREFIX}{secrets.token_hex(18)}",
                app=app.slug,
                account=installation.account,
                permissions=granted,
                repositories=chosen,
                installation_id=installation.id,
            )

    # ---- workflow runs ------------------------------------------------------------------------------------

    def workflow_id(self, repo: Repository, path: str) -> int:
        key = (repo.id, path)
        if key not in self._workflow_ids:
            self._workflow_ids[key] = self._new_id("WorkflowRun")[0]
        return self._workflow_ids[key]

    def workflow_path(self, repo: Repository, workflow: str) -> str:
        """`ci.yml` or a numeric id -> `.github/workflows/ci.yml` (404 for an unknown id)."""
        if workflow.isdigit():
            for (repo_id, path), known in self._workflow_ids.items():
                if repo_id == repo.id and known == int(workflow):
                    return path
            raise not_found()
        return f"{WORKFLOWS_DIRECTORY}{workflow}"

    def dispatch_workflow(
        self, repo: Repository, path: str, *, ref: str, inputs: dict[str, Any], actor: str, text: str | None
    ) -> WorkflowRun:
        """`workflow_dispatch`: `text` is the workflow file at `ref` (None: no such file)."""
        with self.lock:
            self.require(repo, actor, "write")
            branch = ref.removeprefix("refs/heads/")
            if branch not in repo.branches:
                raise validation_failed("Workflow", MESSAGE_NO_REF.format(ref=ref), "custom", "ref")
            if text is None:
                raise not_found()
            if "workflow_dispatch" not in text:
                raise SandboxError(422, MESSAGE_NO_DISPATCH_TRIGGER)
            if len(inputs) > MAX_DISPATCH_INPUTS:
                raise SandboxError(422, MESSAGE_TOO_MANY_INPUTS)
            if len(json.dumps(inputs)) > MAX_DISPATCH_JSON_CHARS:
                raise SandboxError(422, MESSAGE_INPUTS_TOO_LARGE)
            return self._new_run(repo, path, "workflow_dispatch", branch=branch, actor=actor, inputs=inputs)

    def dispatch_repository(self, repo: Repository, workflows: dict[str, str], actor: str) -> list[WorkflowRun]:
        """`repository_dispatch`: a run for each default-branch workflow that listens to it."""
        with self.lock:
            self.require(repo, actor, "write")
            return [
                self._new_run(repo, path, "repository_dispatch", branch=repo.default_branch, actor=actor, inputs={})
                for path, text in sorted(workflows.items())
                if "repository_dispatch" in text
            ]

    def _new_run(
        self, repo: Repository, path: str, event: str, *, branch: str, actor: str, inputs: dict[str, Any]
    ) -> WorkflowRun:
        run_id, node_id = self._new_id("WorkflowRun")
        workflow_id = self.workflow_id(repo, path)
        number = 1 + sum(1 for run in self.runs.values() if run.workflow_id == workflow_id)
        name = path.removeprefix(WORKFLOWS_DIRECTORY)
        run = WorkflowRun(
            run_id, node_id, repo.id, workflow_id, path, name, event, branch, repo.branches[branch], number, actor
        )
        run.inputs = inputs
        self.runs[run_id] = run
        self.touch()
        return run

    def run(self, repo: Repository, run_id: int) -> WorkflowRun:
        found = self.runs.get(run_id)
        if found is None or found.repo_id != repo.id:
            raise not_found()
        return found

    def cancel_run(self, repo: Repository, run: WorkflowRun, actor: str | None) -> None:
        with self.lock:
            self.require(repo, actor, "write")
            if run.status == "completed":
                raise SandboxError(409, MESSAGE_CANNOT_CANCEL)
            run.status, run.conclusion, run.updated_at = "completed", "cancelled", iso_now()
            self.touch()

    def set_run_status(self, run: WorkflowRun, status: str, conclusion: str | None = None) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {RUN_STATUSES}, not {status!r}")
        with self.lock:
            run.status, run.conclusion, run.updated_at = status, conclusion, iso_now()
            self.touch()
