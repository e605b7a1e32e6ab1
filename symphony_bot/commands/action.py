"""`symphony-bot action`: the GitHub Action's entry point (the image's ENTRYPOINT)."""

from __future__ import annotations

import os
import sys

import click

from symphony_bot.commands.exit_codes import FINDINGS, OK, USAGE


@click.command()
@click.option("--post", is_flag=True, help="Run as the action's post step (finalise a cancelled or timed-out run).")
@click.option(
    "--install-agent",
    metavar="AGENT",
    default=None,
    help="Only install AGENT's CLI at its pinned version (the image build uses it for one-image-per-agent).",
)
def action(post: bool, install_agent: str | None) -> None:
    """Route the GitHub Actions event in $GITHUB_EVENT_NAME / $GITHUB_EVENT_PATH.

    Inputs come from the INPUT_* variables the runner sets (hyphens kept: INPUT_GITHUB-TOKEN). Outputs go to
    $GITHUB_OUTPUT, a summary to $GITHUB_STEP_SUMMARY. Exit status: 0 handled or ignored, 1 the run, the
    registry check or a GitHub call failed, 2 bad inputs, configuration or event payload.

    SIGINT and SIGTERM (a cancelled or timed-out job) are passed on to the running command, which stops and
    finalises; outputs and summary are still written.
    """
    if install_agent:
        from symphony_bot.action.agents import AGENT_PACKAGES, AgentInstallError, ensure_agent

        if install_agent not in AGENT_PACKAGES:
            click.echo(f"error: unknown agent {install_agent!r}; one of {', '.join(AGENT_PACKAGES)}", err=True)
            sys.exit(USAGE)
        try:
            installed = ensure_agent(install_agent)
        except AgentInstallError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(FINDINGS)
        click.echo(f"{install_agent}: {installed.bin_dir} ({installed.seconds:.1f} s)")
        sys.exit(OK)

    from symphony_bot.action import signals
    from symphony_bot.action.main import USAGE_STATUS, run_action, trust_workspace
    from symphony_bot.action.post import run_post

    # First: in the container this process is PID 1, which has no default action for SIGINT or SIGTERM.
    signals.install()
    trust_workspace(os.environ)
    outcome = run_post(os.environ, sys.stdout) if post else run_action(os.environ, sys.stdout)
    if outcome.status == USAGE_STATUS:
        click.echo(f"error: {outcome.message}", err=True)
        sys.exit(USAGE)
    sys.exit(FINDINGS if outcome.failed else OK)
