"""`symphony-bot init`: install Maestro Symphony in a repository in one command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK, USAGE
from symphony_bot.commands.options import github_options

EXISTS = "{path} exists; give --force to overwrite it"
WROTE = "wrote {path}"
KEPT = "kept {path} (it exists)"
LABEL_CREATED = "created the label {label} in {repo}"
LABEL_EXISTS = "the label {label} exists in {repo}"
NO_LABEL = "the label was not created (no --repo, or no token in GITHUB_TOKEN / SYMPHONY_GITHUB_TOKEN): create {label}"
SECRETS_HEADER = "Set these in the repository's Settings → Secrets and variables → Actions:"


@click.command()
@click.option("--agent", default="claude", show_default=True, help="The agent CLI the workflow runs.")
@click.option(
    "--token",
    "auth",
    type=click.Choice(["app", "pat", "github-token"]),
    default="pat",
    show_default=True,
    help="How the workflow authenticates: a GitHub App's installation token, a fine-grained token, or the "
    "workflow's own GITHUB_TOKEN (CI then waits for approval on the pull requests it opens).",
)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--repo", metavar="OWNER/REPO", help="Create the Symphony label there (needs a token).")
@click.option("--ref", metavar="SHA", help="Pin the action to this commit (default: this release's).")
@click.option("--force", is_flag=True, help="Overwrite an existing workflow.")
@github_options
def init(
    *,
    agent: str,
    auth: str,
    directory: Path,
    repo: str | None,
    ref: str | None,
    force: bool,
    github_url: str | None,
) -> None:
    """Write .github/workflows/symphony.yml (pinned to this release) and an example .github/symphony.yml.

    With --repo and a token, also create the Symphony label. Prints the secrets to set. Exit status: 0 done,
    1 GitHub refused the label, 2 bad options or an existing workflow without --force.
    """
    from symphony_bot.action import install

    try:
        sha, tag = install.pinned_ref(ref)
        text = install.workflow(install.Choices(agent=agent, auth=auth, ref=sha, tag=tag))
    except install.InstallError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(USAGE)
    workflow_path = directory / install.WORKFLOW_PATH
    if workflow_path.exists() and not force:
        click.echo("error: " + EXISTS.format(path=workflow_path), err=True)
        sys.exit(USAGE)
    workflow_path.parent.mkdir(parents=True, exist_ok=True)
    workflow_path.write_text(text, encoding="utf-8")
    click.echo(WROTE.format(path=workflow_path))
    config_path = directory / install.CONFIG_PATH
    if config_path.exists():
        click.echo(KEPT.format(path=config_path))
    else:
        config_path.write_text(install.example_config(agent), encoding="utf-8")
        click.echo(WROTE.format(path=config_path))
    code = _label(repo, github_url)
    click.echo(SECRETS_HEADER)
    for line in install.secrets_to_set(install.Choices(agent=agent, auth=auth, ref=sha)):
        click.echo(f"  {line}")
    if auth == "github-token":
        click.echo(install.WORKFLOW_AUTH_CAVEAT)
    sys.exit(code)


def _label(repo: str | None, github_url: str | None) -> int:
    from symphony_bot.action.install import LABEL, LABEL_COLOR, LABEL_DESCRIPTION
    from symphony_bot.github import labels
    from symphony_bot.github.client import GitHubClient, GitHubError

    with GitHubClient.from_env(github_url) as client:
        if not repo or not client.authenticated:
            click.echo(NO_LABEL.format(label=LABEL))
            return OK
        try:
            created = labels.ensure(client, repo, LABEL, color=LABEL_COLOR, description=LABEL_DESCRIPTION)
        except GitHubError as error:
            click.echo(f"error: could not create the label {LABEL} in {repo}: {error}", err=True)
            return FINDINGS
    click.echo((LABEL_CREATED if created else LABEL_EXISTS).format(label=LABEL, repo=repo))
    return OK
