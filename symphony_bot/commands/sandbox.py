"""`symphony-bot sandbox serve`: a local GitHub (REST, GraphQL, git) for trying the bot by hand."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from types import FrameType

import click

MESSAGE_READY = "Sandbox GitHub is running. Ctrl-C stops it."
MESSAGE_STOPPED = "Sandbox stopped."


@click.group()
def sandbox() -> None:
    """A local GitHub-compatible server (REST + GraphQL + git smart HTTP) for tests and demos."""


@sandbox.command()
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML file with users/tokens, repositories (files, labels, permissions, branches), issues and pulls. "
    "The format is in docs/sandbox.md.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="TCP port; 0 picks a free one."
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep state here: loaded at start when it holds a saved sandbox, saved on Ctrl-C or SIGTERM.",
)
def serve(seed_file: Path | None, port: int, state_dir: Path | None) -> None:
    """Serve the sandbox on 127.0.0.1 until Ctrl-C; print its URLs and tokens."""
    from symphony_bot.commands import exit_codes
    from symphony_bot.sandbox import Sandbox
    from symphony_bot.sandbox.seed import SeedError, apply_seed, load_seed_file

    try:
        document = load_seed_file(seed_file) if seed_file else {}
    except SeedError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exit_codes.USAGE)
    try:
        box = Sandbox(root=state_dir, port=port)
    except OSError as error:
        click.echo(f"error: cannot listen on 127.0.0.1:{port} ({error.strerror}); pick another --port", err=True)
        sys.exit(exit_codes.USAGE)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(exit_codes.USAGE)
    try:
        try:
            if box.loaded:
                click.echo(f"Loaded the saved sandbox from {state_dir}; the seed file is not applied again.")
            else:
                apply_seed(box, document)
        except SeedError as error:
            click.echo(f"error: {seed_file}: {error}", err=True)
            sys.exit(exit_codes.USAGE)
        box.start()
        click.echo(MESSAGE_READY)
        click.echo(f"  GITHUB_API_URL={box.api_url}")
        click.echo(f"  GITHUB_GRAPHQL_URL={box.graphql_url}")
        for user in box.state.users.values():
            for token in user.tokens:
                click.echo(f"  token for {user.login}: {token}")
        for repo in box.state.repos.values():
            click.echo(f"  {repo.full_name}: {box.git_url(repo.owner, repo.name)}")
        # `kill`, `docker stop` and a CI job's cancel send SIGTERM: it stops the server as Ctrl-C does, state saved.
        signal.signal(signal.SIGTERM, _interrupt)
        with contextlib.suppress(KeyboardInterrupt):
            box.wait()
        if state_dir is not None:
            box.save()
        click.echo(MESSAGE_STOPPED)
    finally:
        box.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
