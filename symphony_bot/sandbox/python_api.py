"""`Sandbox`: the Python API over a running sandbox GitHub (state, server, faults, request log).

Tests, benchmarks and the demo build the world through it (users, repositories, issues, pull requests, permissions)
and read it back as copies. Heavy modules (the server, git, GraphQL) are imported when a `Sandbox` is made, so
`from symphony_bot.sandbox import Sandbox` stays cheap.

Tokens as GitHub issues them:

- `add_user(login, token=...)`: personal tokens (classic `ghp_...` or fine-grained `github_pat_...`, no
  difference here): they act as the user, with the user's role on each repository.
- `add_installation_token(app, account=..., permissions={...}, repositories=["owner/name"])`: a GitHub App
  installation token acting as `{app}[bot]` (type Bot) within `permissions` (actions, contents, issues, metadata,
  pull_requests / pull-requests, workflows: none/read/write; unspecified = none) on those repositories.
- `add_actions_token(owner, repo, permissions={...})`: the Actions `GITHUB_TOKEN` (`github-actions[bot]`, that
  repository only, no `workflows`, default `contents: read`); `set_actions_can_create_pulls(owner, repo)` is the
  repository setting that lets it open pull requests.
- `add_app(slug)` / `install_app(slug, account, ...)`: an App whose `.jwt` mints tokens through the REST API.

Refusals are GitHub's: 403 "Resource not accessible by integration" (REST), `FORBIDDEN` (GraphQL), refused pushes
without `contents: write` or touching `.github/workflows/` without `workflows: write`, `GET /user` refused.
Limits: titles over 256 and bodies over 65,536 characters are 422 for API callers (not for this operator API);
GitHub's secondary limits are ON (80 writes a minute and 500 an hour per user, 900 REST and 2,000 GraphQL points a
minute, 100 requests in flight); `set_secondary_limits(...)` gives a test another budget. Workflow runs from dispatches:
`workflow_runs(owner, repo)`, `set_run_status(...)`.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from symphony_bot.sandbox.python_api_settings import SandboxSettings

if TYPE_CHECKING:
    from symphony_bot.sandbox.faults import Faults, RequestLog
    from symphony_bot.sandbox.state import (
        App,
        Installation,
        InstallationToken,
        Issue,
        IssueComment,
        Label,
        Repository,
        User,
        WorkflowRun,
    )

STATE_FILE = "state.json"
INSTALLATION_TOKEN_PREFIX = "ghs_"  # noqa: S105 - the prefix GitHub gives installation tokens, not a secret
REPOSITORIES_DIR = "repos"


def _new_token(prefix: str) -> str:
    import secrets

    return f"{prefix}{secrets.token_hex(18)}"


class Sandbox(SandboxSettings):
    """A running sandbox GitHub: state, REST/GraphQL/git server on 127.0.0.1, faults and the request log.

    `root` holds the bare repositories (and `state.json` after `save()`); a temporary directory by default,
    removed on close. A `root` that already has a `state.json` is loaded.
    """

    def __init__(self, *, root: str | Path | None = None, port: int = 0) -> None:
        from symphony_bot.sandbox.faults import Faults, RequestLog
        from symphony_bot.sandbox.git_repositories import BareRepositories
        from symphony_bot.sandbox.secondary_limits import SecondaryLimits
        from symphony_bot.sandbox.server import SandboxServer
        from symphony_bot.sandbox.state import SandboxState

        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="symphony-sandbox-"))
        self.repositories = BareRepositories(self.root / REPOSITORIES_DIR)
        self.repositories.root.mkdir(parents=True, exist_ok=True)
        self.state = SandboxState(git=self.repositories)
        self.loaded = (self.root / STATE_FILE).exists()
        if self.loaded:
            from symphony_bot.sandbox.persistence import load_state

            load_state(self.state, self.root / STATE_FILE)
        self.faults: Faults = Faults()
        self.requests: RequestLog = RequestLog()
        self.secondary_limits = SecondaryLimits()
        self.server = SandboxServer(
            self.state,
            self.repositories,
            faults=self.faults,
            log=self.requests,
            secondary_limits=self.secondary_limits,
            port=port,
        )
        self._started = False

    # ---- life cycle -----------------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if not self._started:
            self.server.start()
            self._started = True
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises KeyboardInterrupt here)."""
        self.server.wait()

    def close(self) -> None:
        if self._started:
            self.server.stop()
            self._started = False
        else:
            self.server.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def save(self, directory: str | Path | None = None) -> Path:
        """Write `state.json` (and, for another directory, a copy of the bare repositories); return its path."""
        from symphony_bot.sandbox.persistence import save_state

        target = Path(directory) if directory is not None else self.root
        target.mkdir(parents=True, exist_ok=True)
        if target.resolve() != self.root.resolve():
            shutil.copytree(self.repositories.root, target / REPOSITORIES_DIR, dirs_exist_ok=True)
        with self.state.lock:
            return save_state(self.state, target / STATE_FILE, repositories_dir=target / REPOSITORIES_DIR)

    # ---- addresses ------------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """REST base URL (PyGithub's `base_url`, `GITHUB_API_URL`)."""
        return self.server.base_url

    @property
    def graphql_url(self) -> str:
        return f"{self.server.base_url}/graphql"

    def git_url(self, owner: str, repo: str) -> str:
        """Smart-HTTP clone URL; authenticate with Basic `x-access-token:<token>` (any user name works)."""
        return self.server.urls.git(owner, repo)

    # ---- building the world ---------------------------------------------------------------------------------

    def add_user(
        self, login: str, token: str | None = None, *, tokens: list[str] | None = None, type: str = "User"
    ) -> User:
        """A user (or `type="Bot"`) with API/git tokens. Adding tokens to an existing user keeps it."""
        return self.state.add_user(login, [*([token] if token else []), *(tokens or [])], type)

    def create_repo(
        self,
        owner: str,
        name: str,
        *,
        files: dict[str, str] | None = None,
        default_branch: str = "main",
        private: bool = False,
        archived: bool = False,
        description: str | None = None,
    ) -> Repository:
        """A repository with a real bare git repo; `files` become the initial commit on the default branch."""
        return self.state.create_repo(
            owner,
            name,
            files=files,
            default_branch=default_branch,
            private=private,
            archived=archived,
            description=description,
        )

    def _repo(self, owner: str, repo: str) -> Repository:
        found = self.state.find_repo(owner, repo)
        if found is None:
            raise KeyError(f"no repository {owner}/{repo} in the sandbox")
        return found

    def add_label(
        self, owner: str, repo: str, name: str, *, color: str = "ededed", description: str | None = None
    ) -> Label:
        return self.state.create_label(self._repo(owner, repo), name, None, color=color, description=description)

    def create_issue(
        self,
        owner: str,
        repo: str,
        title: str,
        body: str = "",
        *,
        labels: list[str] | None = None,
        author: str | None = None,
        state: str = "open",
        state_reason: str | None = None,
        labeled_by: str | None = None,
    ) -> Issue:
        """An issue by `author` (default: the owner); labels are applied by `labeled_by` (default: the owner),
        which is who the timeline's `labeled` events name."""
        target = self._repo(owner, repo)
        issue = self.state.create_issue(
            target, title, body, author=author or target.owner, state=state, state_reason=state_reason
        )
        for label in labels or []:
            self.state.add_labels(target, issue, [label], None)
            issue.events[-1].actor = labeled_by or target.owner
        return issue

    def label_issue(self, owner: str, repo: str, number: int, label: str, *, actor: str | None = None) -> Issue:
        """Apply a label as `actor` (default: the owner), leaving a `labeled` event with that actor."""
        target = self._repo(owner, repo)
        issue = self.state.issue(target, number)
        self.state.add_labels(target, issue, [label], None)
        if issue.events and issue.events[-1].event == "labeled":
            issue.events[-1].actor = actor or target.owner
        return issue

    def comment(self, owner: str, repo: str, number: int, body: str, *, author: str | None = None) -> IssueComment:
        target = self._repo(owner, repo)
        return self.state.create_comment(target, self.state.issue(target, number), body, author or target.owner)

    def set_permission(self, owner: str, repo: str, login: str, level: str) -> None:
        """Collaborator role: admin / maintain / write / triage / read (or none to remove)."""
        self.state.set_permission(self._repo(owner, repo), login, level)

    def add_installation_token(
        self,
        app: str,
        token: str | None = None,
        *,
        account: str,
        permissions: dict[str, str] | None = None,
        repositories: list[str] | None = None,
    ) -> InstallationToken:
        """A GitHub App installation token: acts as `{app}[bot]` (type Bot) with `permissions` (scopes actions,
        contents, issues, metadata, pull_requests or pull-requests, workflows: none/read/write; unspecified =
        none, metadata at least read) on `repositories` ("owner/name"; None: every repository of `account`).
        Refusals are GitHub's: 403 "Resource not accessible by integration" (REST), FORBIDDEN (GraphQL), a
        refused push without contents: write or touching .github/workflows/ without workflows: write, and
        `GET /user` refused. The grant's `.token` is what to send."""
        scoped = None if repositories is None else [self._repo(*name.split("/", 1)) for name in repositories]
        return self.state.add_installation_token(
            token or _new_token(INSTALLATION_TOKEN_PREFIX),
            app=app,
            account=account,
            permissions=permissions,
            repositories=scoped,
        )

    def add_actions_token(
        self, owner: str, repo: str, token: str | None = None, *, permissions: dict[str, str] | None = None
    ) -> str:
        """The Actions `GITHUB_TOKEN` of one job in owner/repo: `github-actions[bot]`, that repository only, with
        `permissions` as a workflow's `permissions:` block sets them (unspecified = none). None: GitHub's default
        for new repositories, `contents: read` (and metadata). It never has `workflows`, and it opens pull requests
        only where `set_actions_can_create_pulls` allows it. Returns the token."""
        from symphony_bot.sandbox.state import ACTIONS_APP

        target = self._repo(owner, repo)
        chosen = {"contents": "read"} if permissions is None else permissions
        grant = self.state.add_installation_token(
            token or _new_token(INSTALLATION_TOKEN_PREFIX),
            app=ACTIONS_APP,
            account=target.owner,
            permissions=chosen,
            repositories=[target],
            actions=True,
        )
        return grant.token

    def add_app(self, slug: str, *, owner: str | None = None) -> App:
        """A GitHub App; send `app.jwt` as `Authorization: Bearer` to `GET /repos/{o}/{r}/installation` and
        `POST /app/installations/{id}/access_tokens` (the sandbox does not check signatures)."""
        return self.state.add_app(slug, owner or slug)

    def install_app(
        self,
        slug: str,
        account: str,
        *,
        permissions: dict[str, str] | None = None,
        repositories: list[str] | None = None,
    ) -> Installation:
        """Install app `slug` on `account` with `permissions`, on `repositories` ("owner/name"; None: all).
        Tokens minted through the API are narrowed from this, never widened."""
        scoped = None if repositories is None else [self._repo(*name.split("/", 1)) for name in repositories]
        return self.state.install_app(slug, account, permissions, scoped)

    def workflow_runs(self, owner: str, repo: str) -> list[WorkflowRun]:
        """Runs created by dispatches on owner/repo, oldest first (copies)."""
        target = self._repo(owner, repo)
        runs = [run for run in self.state.runs.values() if run.repo_id == target.id]
        return list(self._snapshot(sorted(runs, key=lambda run: run.id)))

    def set_run_status(self, owner: str, repo: str, run_id: int, status: str, conclusion: str | None = None) -> None:
        """Move a run on (queued, in_progress, completed with a conclusion...), as a runner would."""
        self.state.set_run_status(self.state.run(self._repo(owner, repo), run_id), status, conclusion)

    def set_actions_can_create_pulls(self, owner: str, repo: str, allowed: bool = True) -> None:
        """The repository setting "Allow GitHub Actions to create and approve pull requests" (off by default)."""
        target = self._repo(owner, repo)
        with self.state.lock:
            target.actions_can_create_pulls = allowed
            self.state.touch()

    def set_secondary_limits(
        self,
        *,
        per_minute: int = 80,
        per_hour: int = 500,
        rest_points_per_minute: int = 900,
        graphql_points_per_minute: int = 2_000,
        concurrent: int = 100,
        status: int = 403,
        retry_after: int | None = 60,
        enabled: bool = True,
    ) -> None:
        """GitHub's secondary limits, ON by default with GitHub's figures (secondary_limits.py): content creation
        (`per_minute`, `per_hour` writes by one user), points a minute (REST, GraphQL; reads 1, writes 5) and
        requests in flight. Beyond them: `status` (403 or 429) "You have exceeded a secondary rate limit" with
        `Retry-After: retry_after` (None: no header). Call it to give a test another budget, and say why."""
        self.secondary_limits.configure(
            enabled=enabled,
            per_minute=per_minute,
            per_hour=per_hour,
            rest_points_per_minute=rest_points_per_minute,
            graphql_points_per_minute=graphql_points_per_minute,
            concurrent=concurrent,
            status=status,
            retry_after=retry_after,
        )

    def set_rate_limit(self, login: str | None, limit: int, resource: str = "core") -> None:
        """Primary budget per hour for a user (None: anonymous) and resource (core, search, graphql)."""
        self.state.rate_limits.set_limit(login, limit, resource)

    def push_branch(
        self,
        owner: str,
        repo: str,
        branch: str,
        files: dict[str, str],
        *,
        base: str | None = None,
        message: str = "Update files",
        author: str | None = None,
    ) -> str:
        """Commit `files` on `branch` (created from `base`, default: the branch itself or the default branch)."""
        return self.state.push_files(self._repo(owner, repo), branch, files, base=base, message=message, author=author)

    def open_pull(
        self,
        owner: str,
        repo: str,
        head: str,
        base: str | None = None,
        *,
        title: str = "Pull request",
        body: str = "",
        draft: bool = False,
        author: str | None = None,
        head_owner: str | None = None,
    ) -> Issue:
        """Open a PR from `head` (in `head_owner`'s fork when given) with GitHub's rules (422s included)."""
        target = self._repo(owner, repo)
        head_spec = f"{head_owner}:{head}" if head_owner else head
        return self.state.open_pull(
            target,
            title=title,
            head=head_spec,
            base=base,
            body=body,
            draft=draft,
            author=author or head_owner or target.owner,
        )

    def merge_pull(self, owner: str, repo: str, number: int, *, actor: str | None = None) -> Issue:
        target = self._repo(owner, repo)
        issue = self.state.pull(target, number)
        if issue.pull is not None and issue.pull.draft:
            self.state.set_draft(target, issue, False, None)
        return self.state.merge_pull(target, issue, actor)

    def fork(self, owner: str, repo: str, to: str, *, name: str | None = None) -> Repository:
        return self.state.fork_repo(self._repo(owner, repo), to, name)

    def rename_repo(self, owner: str, repo: str, new_name: str) -> Repository:
        return self.state.update_repo(self._repo(owner, repo), None, name=new_name)

    def archive_repo(self, owner: str, repo: str, archived: bool = True) -> Repository:
        return self.state.update_repo(self._repo(owner, repo), None, archived=archived)

    # ---- read-only views ------------------------------------------------------------------------------------

    def _snapshot(self, value: Any) -> Any:
        with self.state.lock:
            return copy.deepcopy(value)

    def issues(self, owner: str, repo: str) -> list[Issue]:
        """Every issue and PR (PRs have `.pull` set), by number; copies, so editing them changes nothing."""
        target = self._repo(owner, repo)
        return list(self._snapshot(sorted(target.issues.values(), key=lambda issue: issue.number)))

    def issue(self, owner: str, repo: str, number: int) -> Issue:
        target = self._repo(owner, repo)
        found: Issue = self._snapshot(self.state.issue(target, number))
        return found

    def pulls(self, owner: str, repo: str) -> list[Issue]:
        return [issue for issue in self.issues(owner, repo) if issue.pull is not None]

    def comments(self, owner: str, repo: str, number: int) -> list[IssueComment]:
        target = self._repo(owner, repo)
        return list(self._snapshot(self.state.issue_comments(target, self.state.issue(target, number))))

    def branches(self, owner: str, repo: str) -> dict[str, str]:
        return dict(self._repo(owner, repo).branches)

    def file(self, owner: str, repo: str, path: str, ref: str | None = None) -> str | None:
        """A file's text on a branch (default: the default branch) of the bare repository, or None."""
        target = self._repo(owner, repo)
        content = self.repositories.read_file(target, ref or target.default_branch, path)
        return content.decode() if content is not None else None

    def repo(self, owner: str, repo: str) -> Repository:
        found: Repository = self._snapshot(self._repo(owner, repo))
        return found
