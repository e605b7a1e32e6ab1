"""The action's non-contribution jobs: the registry check on pull requests, `scan` (the donor's matrix), and the
scheduled report of stale claims.

The registry check and the scan run symphony-bot's own commands (`registry validate|diff --format github`,
`scan --format matrix|json`) in a child process: they already print the annotations and write the job summary
exactly as the registry-check workflow does, and the action adds only the routing around them.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from symphony_bot.action.context import ActionContext
from symphony_bot.action.events import Event
from symphony_bot.action.replies import STALE_MARKER, Outcome, stale_comment
from symphony_bot.github import triggers

DEFAULT_REGISTRY = "symphony-registry.json"
CLAIM_BRANCH_PREFIX = "symphony/"
SCAN_TIMEOUT_SECONDS = 900


def _event_name(event: Event) -> str:
    return f"{event.name}.{event.action}" if event.action else event.name


def _symphony(context: ActionContext, *arguments: str) -> subprocess.CompletedProcess[str]:
    from symphony_bot.action.runner_seam import RunRequest, child_environment

    environ = child_environment(RunRequest(repo="", issue=None, token=context.inputs.github_token), context.environ)
    return subprocess.run(
        [sys.executable, "-m", "symphony_bot", *arguments],
        capture_output=True,
        text=True,
        env=environ,
        cwd=context.workspace,
        timeout=SCAN_TIMEOUT_SECONDS,
        check=False,
    )


def _relay(context: ActionContext, result: subprocess.CompletedProcess[str]) -> None:
    if result.stdout:
        context.stdout.write(result.stdout)
    if result.stderr:
        context.stdout.write(result.stderr)
    context.stdout.flush()


def registry_check(context: ActionContext, event: Event) -> Outcome:
    name = _event_name(event)
    registry = context.inputs.registry or DEFAULT_REGISTRY
    path = context.workspace / registry
    if not path.is_file():
        return Outcome("ignored", f"{registry} is not in this repository; there is no registry to check", event=name)
    base_sha = str((event.pull_request.get("base") or {}).get("sha") or "")
    reviewable = bool(base_sha) and _has_revision(context.workspace, base_sha, registry)
    # One annotation per problem: with a base, the diff marks what the pull request brings in and validate
    # only fails the check (the base's own problems are in the log); without one, validate marks every line.
    validate_format = "text" if reviewable else "github"
    validated = _symphony(context, "registry", "validate", "--format", validate_format, registry)
    _relay(context, validated)
    failed = validated.returncode != 0
    diffed = None
    if reviewable:
        diffed = _symphony(context, "registry", "diff", "--format", "github", "--base-rev", base_sha, registry)
        _relay(context, diffed)
        failed = failed or diffed.returncode != 0
    message = "the registry has errors (see the annotations)" if failed else "the registry is valid"
    if diffed is None and base_sha:
        message += "; the base commit is not in the checkout (fetch-depth: 2), so changes were not reviewed"
    return Outcome("findings" if failed else "checked", message, failed=failed, event=name, target=registry)


def _has_revision(workspace: Path, revision: str, path: str) -> bool:
    from symphony_bot.workspace.gitops import GitError, read_file_at_revision

    try:
        read_file_at_revision(workspace, revision, path, max_bytes=1)
    except GitError as error:
        return "over the" in str(error)  # it exists; it is only bigger than the probe
    return True


def scan(context: ActionContext, event: Event) -> Outcome:
    """The donor's fan-out: `scan --format matrix` over the registry, into the `matrix` output."""
    name = _event_name(event)
    arguments = ["scan", "--format", "matrix"]
    if context.inputs.registry:
        arguments += ["--registry", context.inputs.registry]
    arguments += ["--github-url", context.client.api_url]
    result = _symphony(context, *arguments)
    if result.stderr:
        context.stdout.write(result.stderr)
    matrix_text = result.stdout.strip()
    try:
        matrix = json.loads(matrix_text) if matrix_text else {"include": []}
    except ValueError:
        matrix = None
    if result.returncode not in (0, 1) or not isinstance(matrix, dict):
        return Outcome("failed", f"scan failed (exit code {result.returncode})", failed=True, event=name)
    entries = matrix.get("include") or []
    details = ["| repository | issue |", "| --- | --- |"] + [
        f"| {entry.get('repo')} | #{entry.get('issue')} |" for entry in entries if isinstance(entry, dict)
    ]
    return Outcome(
        "scanned",
        f"{len(entries)} available issue(s)"
        + ("; some repositories could not be scanned" if result.returncode else ""),
        outputs={"matrix": json.dumps(matrix, separators=(",", ":"))},
        details=details if entries else [],
        event=name,
    )


def scheduled(context: ActionContext, event: Event) -> Outcome:
    """The maintainer's schedule: stale claims of this repository in the summary (and, if configured, on them)."""
    name = _event_name(event)
    repo = event.repository
    if not repo:
        return Outcome("failed", "GITHUB_REPOSITORY is not set; the schedule cannot know its repository", failed=True)
    now = dt.datetime.now(dt.UTC)
    days = context.config.stale_days
    stale = []
    for pull in triggers.open_pulls(context.client, repo):
        head = str((pull.get("head") or {}).get("ref") or "")
        if not pull.get("draft") or not head.startswith(CLAIM_BRANCH_PREFIX):
            continue
        updated = _timestamp(str(pull.get("updated_at") or ""))
        if updated is not None and now - updated >= dt.timedelta(days=days):
            stale.append((int(pull["number"]), str(pull.get("html_url") or ""), (now - updated).days))
    commented = 0
    if context.config.stale_comment and not context.dry_run:
        login = context.bot().login
        for number, _, _ in stale:
            if triggers.find_comment(context.client, repo, number, STALE_MARKER, login) is None:
                triggers.reply(context.client, repo, number, stale_comment(days))
                commented += 1
    details = _own_scan(context, repo)
    details += [f"### Stale claims (draft pull requests idle for {days}+ days)", ""]
    details += [f"- [#{number}]({url}): {idle} days without activity" for number, url, idle in stale] or ["- none"]
    message = f"{len(stale)} stale claim(s)" + (f", {commented} newly commented" if commented else "")
    return Outcome("scanned", message, details=details, event=name, target=repo)


def _own_scan(context: ActionContext, repo: str) -> list[str]:
    """This repository's labelled issues by status (`symphony-bot scan --repo`), for the summary."""
    result = _symphony(context, "scan", "--repo", repo, "--format", "json", "--github-url", context.client.api_url)
    try:
        data = json.loads(result.stdout) if result.returncode in (0, 1) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if result.stderr:
            context.stdout.write(result.stderr)
        return [f"The scan of {repo} failed (exit code {result.returncode}); see the log.", ""]
    counts = data.get("counts") or {}
    lines = [f"### Labelled issues of {repo}", "", "| status | issues |", "| --- | --- |"]
    lines += [f"| {status} | {count} |" for status, count in counts.items()]
    for entry in data.get("issues") or []:
        if isinstance(entry, dict) and entry.get("status") == "available":
            lines.append(f"- available: #{entry.get('number')} {str(entry.get('title') or '')[:80]}")
    return [*lines, ""]


def _timestamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
