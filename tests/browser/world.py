"""A sandbox world for the site tests: projects in known, unknown and hostile categories, issues in every
status, contribution PRs with metadata, and a registry whose every field of one entry is an HTML injection."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.pr_metadata import ContributionMetadata, render_block

LABEL = "runmaestro.ai"
PWNED = "window.__pwned = 1"
SCRIPT_INJECTION = f"<script>{PWNED}</script>"
ATTRIBUTE_INJECTION = f'"><img src=x onerror="{PWNED}">'
HOSTILE = f"{SCRIPT_INJECTION}{ATTRIBUTE_INJECTION}"
TOKEN = "t-maint"
LONG_NAME = "Plain " + "x" * 494  # one 494-character word: it must wrap inside its card on a phone
RTL_OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, never closed: it must not reverse the <title>
ODD_NAME = f"Odd {RTL_OVERRIDE}tcejorp"
ABANDONED_TASKS = 18


def _stamp(days_ago: int) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _block(repository: str, issue: int, contributor: str, days_ago: int, **changes: Any) -> str:
    values: dict[str, Any] = {
        "repository": repository,
        "issue": issue,
        "contributor": contributor,
        "agent": "claude",
        "state": "completed",
        "started_at": _stamp(days_ago),
        "completed_at": _stamp(days_ago),
        "documents": ("docs/task.md",),
        "tasks_done": 3,
        "tasks_total": 3,
        "tokens_in": 12000,
        "tokens_out": 3400,
        "cost_usd": 0.42,
    }
    values.update(changes)
    return f"Closes #{issue}\n\n" + render_block(ContributionMetadata(**values))


def seed(sb: Sandbox) -> None:
    for login in ("maint", "donor", "other", "mallory"):
        sb.add_user(login, token=f"t-{login}")
    docs = {"docs/task.md": "- [ ] one\n- [ ] two\n- [x] three\n", "README.md": "hi\n"}
    for name in ("ai-proj", "web-thing", "odd", "evil", "plain"):
        sb.create_repo("maint", name, files=docs | ({"docs/evil.md": f"- [ ] {HOSTILE}\n"} if name == "evil" else {}))
        sb.add_label("maint", name, LABEL)

    def pull(
        repo: str, branch: str, body: str, author: str, *, merge: bool = False, draft: bool = False, close: bool = False
    ) -> None:
        sb.push_branch("maint", repo, branch, {f"{branch}.txt": branch})
        number = sb.open_pull("maint", repo, branch, title=branch, body=body, author=author, draft=draft).number
        if merge:
            sb.merge_pull("maint", repo, number)
        if close:  # closed without merging: the claim is given up
            target = sb._repo("maint", repo)
            sb.state.update_pull(target, sb.state.pull(target, number), author, state="closed")

    issue = sb.create_issue
    available = issue("maint", "ai-proj", "Add unit tests", "- docs/task.md", labels=[LABEL]).number
    claimed = issue("maint", "ai-proj", "Write the docs", "- docs/task.md\n- README.md", labels=[LABEL]).number
    issue("maint", "ai-proj", "Blocked work", "- docs/task.md", labels=[LABEL, "blocking"])
    done = issue("maint", "ai-proj", "Finished work", "- docs/task.md", labels=[LABEL]).number
    issue("maint", "ai-proj", "No documents", "Please help.", labels=[LABEL])
    running = _block("maint/ai-proj", claimed, "donor", 0, state="running", completed_at=None, tasks_done=1)
    pull("ai-proj", "symphony/claimed", running, "donor", draft=True)
    pull("ai-proj", "symphony/done", _block("maint/ai-proj", done, "donor", 7), "donor", merge=True)
    abandoned = _block(
        "maint/ai-proj", available, "donor", 3, state="halted", tasks_done=ABANDONED_TASKS, tasks_total=ABANDONED_TASKS
    )
    pull("ai-proj", "symphony/abandoned", abandoned, "donor", close=True)
    issue("maint", "web-thing", "Improve the layout", "- docs/task.md\n- docs/missing.md", labels=[LABEL])
    web_done = issue("maint", "web-thing", "Old work", "- docs/task.md", labels=[LABEL]).number
    pull("web-thing", "symphony/old", _block("maint/web-thing", web_done, "other", 20), "other", merge=True)
    issue("maint", "odd", "Odd issue", "- docs/task.md", labels=[LABEL])
    evil = issue("maint", "evil", HOSTILE, f"- docs/evil.md\n\n{HOSTILE}", labels=[LABEL]).number
    hostile_run = _block("maint/evil", evil, "mallory", 1, agent=HOSTILE, state="running", completed_at=None)
    pull("evil", "symphony/evil", hostile_run, "mallory", draft=True)


def registry_entries() -> list[dict[str, Any]]:
    def entry(repo: str, category: str, **extra: Any) -> dict[str, Any]:
        return {
            "slug": f"maint/{repo}",
            "name": repo.replace("-", " ").title(),
            "description": f"The {repo} project.",
            "url": f"https://github.com/maint/{repo}",
            "category": category,
            "tags": [repo, "symphony"],
            "maintainer": {"name": "Maint Ainer", "url": "https://github.com/maint"},
            "isActive": True,
            "featured": False,
            "addedAt": "2025-01-01",
        } | extra

    hostile = {
        "slug": "maint/evil",
        "name": HOSTILE,
        "description": HOSTILE,
        "url": f"javascript:{PWNED}",
        "category": ATTRIBUTE_INJECTION,
        "tags": [HOSTILE, ATTRIBUTE_INJECTION],
        "maintainer": {"name": HOSTILE, "url": f"javascript:{PWNED}"},
        "isActive": True,
        "featured": True,
        "addedAt": HOSTILE,
    }
    return [
        entry("web-thing", "web"),
        entry("ai-proj", "ai-ml", featured=True, tags=["machine-learning", "tests"]),
        entry("odd", "quantum-stuff", name=ODD_NAME, description=f"{RTL_OVERRIDE}unclosed override"),
        entry("plain", "developer-tools", name=LONG_NAME),
        hostile,
        {"slug": f'"><script>{PWNED}</script>/x', "name": SCRIPT_INJECTION, "isActive": True},
        entry("inactive", "web", isActive=False),
    ]


def write_registry(directory: Path) -> Path:
    path = directory / "symphony-registry.json"
    path.write_text(json.dumps({"schemaVersion": "1.0", "repositories": registry_entries()}), encoding="utf-8")
    return path


def build(sb: Sandbox, directory: Path) -> tuple[Path, Any]:
    """Run `symphony-bot site` against the seeded sandbox; (the site directory, click's result)."""
    from click.testing import CliRunner

    from symphony_bot.cli import cli

    registry = write_registry(directory)
    out = directory / "site"
    args = ["site", "--out", str(out), "--registry", str(registry), "--github-url", sb.api_url]
    args += ["--cache-dir", str(directory / "cache")]
    env = {"GITHUB_TOKEN": TOKEN, "SYMPHONY_GITHUB_TOKEN": "", "GITHUB_API_URL": "", "GITHUB_GRAPHQL_URL": ""}
    return out, CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
