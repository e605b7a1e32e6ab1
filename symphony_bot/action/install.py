"""What `symphony-bot init` writes into a repository: the maintainer workflow, pinned to this release, and an
example `.github/symphony.yml` — pure functions of the choices, so the tests can lint exactly what users get.

The pin. A workflow must name the action by a full commit SHA (a tag can be moved). The SHA of the release this
package was built from is RELEASE_SHA below: `release.yml` writes it (and RELEASE_TAG) into this file of the
release's build, from the tag it builds — a commit cannot contain its own SHA, so it is never committed. A
development install has RELEASE_SHA None, and `pinned_ref` asks git for the commit of the checkout the package
is imported from (`git rev-parse HEAD`); anything else must be given with `--ref`.

The workflow keeps the guard and the concurrency groups of .github/workflows/symphony.yml (a test holds them
equal), in at most MAX_WORKFLOW_LINES lines that are not comments.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

ACTION_REPOSITORY = "RunMaestro/symphony-bot"
RELEASE_TAG: str | None = None  # set by release.yml in the release's build
RELEASE_SHA: str | None = None  # set by release.yml in the release's build
MAX_WORKFLOW_LINES = 25
WORKFLOW_PATH = ".github/workflows/symphony.yml"
CONFIG_PATH = ".github/symphony.yml"
LABEL = "runmaestro.ai"
LABEL_COLOR = "7057ff"
LABEL_DESCRIPTION = "Offered to Maestro Symphony: comment /symphony run to start"
AUTH_KINDS = ("app", "pat", "github-token")
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
APP_AUTH_ACTION = "actions/create-github-app-token@3ff1caaa28b64c9cc276ce0a02e2ff584f3900c5 # v2.0.2"
AGENT_KEYS = {  # agent -> (input, secret)
    "claude": ("anthropic-api-key", "ANTHROPIC_API_KEY"),
    "codex": ("openai-api-key", "OPENAI_API_KEY"),
    "opencode": ("anthropic-api-key", "ANTHROPIC_API_KEY"),
    "gemini": ("gemini-api-key", "GEMINI_API_KEY"),
}
TOKEN_INPUTS = {
    "app": "${{ steps.app.outputs.token }}",
    "pat": "${{ secrets.SYMPHONY_TOKEN }}",
    "github-token": "${{ github.token }}",
}
SECRETS = {
    "app": [
        ("SYMPHONY_APP_ID", "variable: your GitHub App's ID (Settings → Developer settings → GitHub Apps)"),
        ("SYMPHONY_APP_PRIVATE_KEY", "secret: a private key of that App, installed on this repository"),
    ],
    "pat": [("SYMPHONY_TOKEN", "secret: a fine-grained token with contents, pull requests and issues: write")],
    "github-token": [],
}
WORKFLOW_AUTH_CAVEAT = (
    "note: with the workflow's own GITHUB_TOKEN, GitHub starts no workflows for the pull requests it opens, so CI "
    "waits for a maintainer's approval; --token app or pat avoids that"
)
# The guard and the concurrency group of the shipped workflow (.github/workflows/symphony.yml explains them).
JOB_GUARD = (
    "github.event_name == 'schedule' || (github.event_name == 'issues' && github.event.label.name == "
    "'runmaestro.ai') || (github.event_name == 'issue_comment' && contains(github.event.comment.body, "
    "'/symphony') && !startsWith(github.event.comment.body, '<!-- symphony-bot:'))"
)
RUN_GROUP = (
    "symphony-${{ github.event.issue.number }}-${{ ((github.event_name == 'issues' && github.event.action == "
    "'labeled' && github.event.label.name == 'runmaestro.ai') || (github.event_name == 'issue_comment' && "
    "startsWith(github.event.comment.body, '/symphony run'))) && 'run' || github.run_id }}"
)


class InstallError(ValueError):
    """The installer cannot do what was asked; the message says what to give instead."""


@dataclass(frozen=True)
class Choices:
    agent: str = "claude"
    auth: str = "pat"  # app, pat or github-token
    ref: str = ""  # the action's commit SHA
    tag: str | None = None  # shown beside the SHA


def pinned_ref(explicit: str | None = None) -> tuple[str, str | None]:
    """(SHA, tag) of the action to pin: --ref, else the release's, else the development checkout's HEAD."""
    if explicit:
        if len(explicit) != 40 or any(c not in "0123456789abcdef" for c in explicit):
            raise InstallError(f"--ref {explicit[:60]!r} is not a full commit SHA (40 hex digits)")
        return explicit, None
    if RELEASE_SHA:
        return RELEASE_SHA, RELEASE_TAG
    source = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, check=False, timeout=30
    )
    sha = found.stdout.strip()
    if found.returncode != 0 or len(sha) != 40:
        raise InstallError(
            "this symphony-bot is neither a release build nor a git checkout, so the action's commit is unknown: "
            f"give --ref SHA (a commit of {ACTION_REPOSITORY})"
        )
    return sha, None


def workflow(choices: Choices) -> str:
    """The maintainer workflow: label, comments and a daily schedule, the action pinned by SHA."""
    if choices.agent not in AGENT_KEYS:
        raise InstallError(f"--agent {choices.agent!r}: use one of {', '.join(AGENT_KEYS)}")
    key_input, key_secret = AGENT_KEYS[choices.agent]
    pin = f"{ACTION_REPOSITORY}@{choices.ref}" + (f" # {choices.tag}" if choices.tag else "")
    app_step = (
        [
            "      - id: app",
            f"        uses: {APP_AUTH_ACTION}",
            "        with: {app-id: '${{ vars.SYMPHONY_APP_ID }}', "
            "private-key: '${{ secrets.SYMPHONY_APP_PRIVATE_KEY }}',",
            "          permission-contents: write, permission-pull-requests: write, permission-issues: write, "
            "permission-actions: write}",
        ]
        if choices.auth == "app"
        else []
    )
    lines = [
        "# Maestro Symphony (written by `symphony-bot init`; docs/action.md in symphony-bot explains each line).",
        "# Label an issue runmaestro.ai to offer it; `/symphony run` starts a run (who-can-run decides who may).",
        "name: symphony",
        "on:",
        "  issues: {types: [labeled, unlabeled]}",
        "  # the action reads commands from the event file and checks the commenter's permission with GitHub's API",
        "  issue_comment: {types: [created]} # zizmor: ignore[dangerous-triggers]",
        "  schedule: [{cron: '23 6 * * *'}] # daily: report stale claims",
        "permissions: {}",
        "concurrency: # one run per issue at a time; other commands never push a queued run out",
        f'  group: "{RUN_GROUP}"',
        "  cancel-in-progress: false",
        "jobs:",
        "  symphony:",
        f'    if: "{JOB_GUARD}"',
        "    runs-on: ubuntu-latest",
        "    timeout-minutes: 120",
        "    permissions: {contents: write, pull-requests: write, issues: write, actions: write}",
        "    steps:",
        *app_step,
        "      # the checkout only reads .github/symphony.yml",
        f"      - uses: {CHECKOUT}",
        "        with: {persist-credentials: false, sparse-checkout: .github}",
        f"      - uses: {pin}",
        f"        with: {{github-token: '{TOKEN_INPUTS[choices.auth]}', {key_input}: "
        f"'${{{{ secrets.{key_secret} }}}}'}}",
    ]
    return "\n".join(lines) + "\n"


def example_config(agent: str) -> str:
    return f"""# Maestro Symphony's settings for this repository (schema: schemas/symphony-config.schema.json).
agent: {agent}
# who may comment `/symphony run`: write (default), maintain, admin, anyone (labelled issues only), or logins
who-can-run: write
# start a run as soon as someone who-can-run allows applies the label
auto-start: false
budgets:
  max-cost: 5 # US dollars per run
  max-minutes: 100
"""


def secrets_to_set(choices: Choices) -> list[str]:
    key_secret = AGENT_KEYS[choices.agent][1]
    lines = [f"{name}  ({what})" for name, what in SECRETS[choices.auth]]
    lines.append(f"{key_secret}  (secret: the {choices.agent} agent's API key)")
    return lines


def non_comment_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
