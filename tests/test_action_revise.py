"""action/revise.py: the `revise` child's arguments, with the configuration's revise budget and thread resolving."""

from __future__ import annotations

from pathlib import Path

from symphony_bot.action.revise import revise_arguments, revise_request, verify_flags
from symphony_bot.action.runner_seam import RunRequest
from symphony_bot.contribution.repository_config import load_config

CONFIG = """\
budgets:
  max-cost: 5
  max-tasks: 20
  revise:
    max-cost: 0.5
    max-tasks: 4
review:
  resolve-threads: true
verify: make test
verify-failure: skip
verify-retries: 2
"""


def test_the_revise_budget_replaces_the_run_s_where_set_and_threads_are_resolved(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "symphony.yml").write_text(CONFIG)
    config = load_config(None, workspace=tmp_path)
    assert (config.verify, config.verify_failure, config.verify_retries) == ("make test", "skip", 2)
    run = RunRequest(
        "o/r", 3, agent="claude", max_cost=5.0, max_minutes=30.0, max_tasks=20, comment_id=9, triggered_by="m"
    )
    request = revise_request(run, config)
    assert (request.max_cost, request.max_minutes, request.max_tasks) == (0.5, 30.0, 4)
    arguments = revise_arguments(
        request,
        7,
        text="also the docs",
        request_id=42,
        author="m",
        who="write",
        resolve=config.resolve_threads,
        verify=verify_flags(config),
    )
    assert arguments[:3] == ["revise", "o/r#7", "--json"]
    assert arguments[arguments.index("--max-cost") + 1] == "0.5" and "--resolve" in arguments
    assert arguments[arguments.index("--request") + 1] == "also the docs"
    assert "--comment-id" not in arguments and "--requested-by" not in arguments  # run-only flags are dropped
    assert arguments[arguments.index("--agent") + 1] == "claude"
    assert arguments[arguments.index("--verify") + 1] == "make test"
    assert arguments[arguments.index("--verify-failure") + 1] == "skip"
    from symphony_bot.cli import cli

    assert cli.get_command(None, "revise").make_context("revise", arguments[1:]).params["verify_failure"] == "skip"  # type: ignore[union-attr]
