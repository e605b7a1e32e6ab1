"""What every event handler needs: the client, the inputs and configuration, the runner seam, who the bot is,
and a cached permission lookup. Built once per action step by `action.main`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from symphony_bot.action.inputs import API_KEY_VARIABLES, ActionInputs
from symphony_bot.action.policy import Permission, WhoCanRun
from symphony_bot.action.runner_seam import Runner, RunRequest
from symphony_bot.contribution.repository_config import SymphonyConfig
from symphony_bot.github.client import GitHubClient, resolve_api_urls
from symphony_bot.github.triggers import BotIdentity, bot_identity, role_of
from symphony_bot.report.workflow_commands import escape_data, neutralize

# action.yml passes ${{ github.token }} here, to tell the workflow token from others.
WORKFLOW_TOKEN_ENV = "SYMPHONY_WORKFLOW_TOKEN"  # noqa: S105 (a variable name, not a secret)
APP_LOGIN_ENV = "SYMPHONY_APP_LOGIN"  # an App's bot login, when github-token is that App's installation token


@dataclass
class ActionContext:
    client: GitHubClient
    inputs: ActionInputs
    config: SymphonyConfig
    policy: WhoCanRun
    allowed_bots: frozenset[str]
    runner: Runner
    environ: Mapping[str, str]
    workspace: Path
    stdout: TextIO
    _bot: BotIdentity | None = None
    _roles: dict[str, Permission] = field(default_factory=dict)
    repository_url: str | None = None

    def bot(self) -> BotIdentity:
        if self._bot is None:
            self._bot = bot_identity(self.client, self.environ.get(APP_LOGIN_ENV) or None)
        return self._bot

    def lookup_for(self, repo: str) -> PermissionLookup:
        return PermissionLookup(self, repo)

    @property
    def dry_run(self) -> bool:
        return self.inputs.dry_run

    @property
    def uses_workflow_token(self) -> bool:
        """True when github-token is the job's own GITHUB_TOKEN (pull requests it opens start no workflows)."""
        token = self.inputs.github_token
        workflow_token = self.environ.get(WORKFLOW_TOKEN_ENV) or self.environ.get("GITHUB_TOKEN")
        return bool(token) and token == workflow_token

    def notice(self, message: str, level: str = "notice") -> None:
        self.stdout.write(f"::{level}::{escape_data(neutralize(message))}\n")
        self.stdout.flush()

    def log(self, message: str) -> None:
        """Print text that may quote an issue or a comment: no line of it can act as a workflow command."""
        self.stdout.write(neutralize(message) + "\n")
        self.stdout.flush()

    def run_request(
        self,
        repo: str,
        issue: int | None,
        *,
        triggered_by: str | None,
        pick: bool = False,
        comment_id: int | None = None,
    ) -> RunRequest:
        inputs, config = self.inputs, self.config
        return RunRequest(
            repo=repo,
            issue=issue,
            pick=pick,
            registry=inputs.registry,
            agent=inputs.agent or config.agent,
            agent_command=inputs.agent_command or config.agent_command,
            model=inputs.model or config.model,
            max_cost=inputs.max_cost if inputs.max_cost is not None else config.max_cost,
            max_minutes=inputs.max_minutes if inputs.max_minutes is not None else config.max_minutes,
            max_tasks=config.max_tasks,
            task_timeout=inputs.task_timeout if inputs.task_timeout is not None else config.task_timeout,
            comment_interval=config.comment_throttle,
            dry_run=inputs.dry_run,
            triggered_by=triggered_by,
            comment_id=comment_id,
            token=inputs.github_token,
            workflow_token=self.uses_workflow_token,
            api_keys={API_KEY_VARIABLES[name]: value for name, value in inputs.api_keys},
            github_url=self.client.api_url,
            verify=config.verify,
            verify_failure=config.verify_failure,
            verify_retries=config.verify_retries,
            allowed_tcp_ports=config.allowed_tcp_ports,
        )


class PermissionLookup:
    """A person's role on one repository, asked once per login and step."""

    def __init__(self, context: ActionContext, repo: str) -> None:
        self.context = context
        self.repo = repo

    def __call__(self, login: str) -> Permission:
        key = f"{self.repo}:{login.casefold()}"
        if key not in self.context._roles:
            self.context._roles[key] = Permission.parse(role_of(self.context.client, self.repo, login))
        return self.context._roles[key]


def client_for(inputs: ActionInputs, environ: Mapping[str, str]) -> GitHubClient:
    """The client of one step: github-token, against the runner's GITHUB_API_URL / GITHUB_GRAPHQL_URL."""
    api_url, graphql_url = resolve_api_urls(environ.get("GITHUB_API_URL"))
    if environ.get("GITHUB_GRAPHQL_URL"):
        graphql_url = environ["GITHUB_GRAPHQL_URL"]
    return GitHubClient(api_url, graphql_url, inputs.github_token)
