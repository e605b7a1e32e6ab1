"""The `symphony-bot` command line.

Sub-commands live in `symphony_bot.commands.<name>` and are imported only when used, so `--help` and
`--version` never pay for PyGithub or jsonschema. A command that talks to GitHub builds the one
client of its invocation with `GitHubClient.from_env` and passes it down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import click

from symphony_bot import __version__


def _action() -> click.Command:
    from symphony_bot.commands.action import action

    return action


def _autorun() -> click.Command:
    from symphony_bot.commands.autorun import autorun

    return autorun


def _cancel() -> click.Command:
    from symphony_bot.commands.cancel import cancel

    return cancel


def _demo() -> click.Command:
    from symphony_bot.commands.demo import demo

    return demo


def _finalize() -> click.Command:
    from symphony_bot.commands.finalize import finalize

    return finalize


def _init() -> click.Command:
    from symphony_bot.commands.init import init

    return init


def _issue() -> click.Command:
    from symphony_bot.commands.issue import issue

    return issue


def _registry() -> click.Command:
    from symphony_bot.commands.registry import registry

    return registry


def _revise() -> click.Command:
    from symphony_bot.commands.revise import revise

    return revise


def _run() -> click.Command:
    from symphony_bot.commands.run import run

    return run


def _sandbox() -> click.Command:
    from symphony_bot.commands.sandbox import sandbox

    return sandbox


def _scan() -> click.Command:
    from symphony_bot.commands.scan import scan

    return scan


def _site() -> click.Command:
    from symphony_bot.commands.site import site

    return site


def _stats() -> click.Command:
    from symphony_bot.commands.stats import stats

    return stats


@dataclass(frozen=True)
class Entry:
    load: Callable[[], click.Command]
    summary: str  # the command's first help sentence, so `--help` lists commands without importing them


# name -> its loader and summary. Keep sorted; a command module imports nothing heavy at top level;
# `test_cli` holds each summary to the command's own help.
COMMANDS: dict[str, Entry] = {
    "action": Entry(_action, "Route the GitHub Actions event in $GITHUB_EVENT_NAME / $GITHUB_EVENT_PATH."),
    "autorun": Entry(_autorun, "Run the tasks of each DOC, in order, with a fresh agent process per task."),
    "cancel": Entry(
        _cancel,
        "Cancel the workflow run the status comment links (Actions API) and wait for it to end; then close "
        "this bot's open PR for the issue (deleting its branch) and say cancelled in the status comment, task "
        "table kept.",
    ),
    "demo": Entry(
        _demo,
        "Start a sandbox GitHub, seed a repository with two Auto Run documents and a labelled issue, run it.",
    ),
    "finalize": Entry(
        _finalize,
        "Mark this bot's claim PR for the issue ready for review as it is (title without [WIP]); nothing is pushed.",
    ),
    "init": Entry(
        _init, "Write .github/workflows/symphony.yml (pinned to this release) and an example .github/symphony.yml."
    ),
    "issue": Entry(_issue, "Look at one issue: the Auto Run documents it lists, and whether it can be worked on."),
    "registry": Entry(_registry, "Check the project registry (symphony-registry.json) and review changes to it."),
    "revise": Entry(
        _revise,
        "Turn the unresolved review threads of a PR this bot opened into tasks, run them on its branch, and answer "
        "each thread with the commit that addressed it.",
    ),
    "run": Entry(
        _run,
        "Claim an issue with a draft PR on the first commit, run its documents, keep one status comment.",
    ),
    "sandbox": Entry(
        _sandbox,
        "A local GitHub-compatible server (REST + GraphQL + git smart HTTP) for tests and demos.",
    ),
    "scan": Entry(
        _scan,
        "List the runmaestro.ai issues of the registered repositories and whether each can be worked on.",
    ),
    "site": Entry(
        _site,
        "Build the projects site: Projects (filters, search, keyboard), a page per project, Active, History, Stats.",
    ),
    "stats": Entry(
        _stats,
        "Show Symphony contributions: history, totals, streaks (in ISO weeks), achievements, leaderboard.",
    ),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use; its own `--help` imports none of them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        return entry.load() if entry is not None else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, _shorten(COMMANDS[name].summary, limit)) for name in names])


def _shorten(text: str, limit: int) -> str:
    """`text` cut at a word to fit `limit` characters with "...", as click shortens a command's help."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symphony-bot")
def cli() -> None:
    """Run Maestro Symphony on GitHub: check the registry, find issues, run Auto Run documents."""


def main() -> None:
    # PyGithub logs at INFO through its own handler, so an installation token's refused `GET /user` (403, which
    # permissions.viewer expects and answers through GraphQL) would read as an error in every job log. Its retry
    # logger only ever says that at INFO; warnings still show.
    logging.getLogger("github.GithubRetry").setLevel(logging.WARNING)
    cli(prog_name="symphony-bot")
