"""`symphony-bot action` driven by real webhook payloads (@octokit/webhooks-examples, re-addressed to the sandbox
and validated against @octokit/webhooks-schemas), asserting what ends up on GitHub: comments, reactions, runs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.action.replies import STALE_MARKER, STATUS_MARKER
from symphony_bot.action.runner_seam import WORKFLOW_PR_CAVEAT
from symphony_bot.github.pacer import Limits, Pacer
from tests.action_helpers import (
    BOT,
    LABEL,
    OWNER,
    REPO,
    SLUG,
    World,
    commented,
    example,
    labeled,
    make_world,
    readdress,
    schema_errors,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def issue(world: World, body: str = "Please run:\n\ndocs/tasks.md\n", labels: tuple[str, ...] = (LABEL,)) -> int:
    return world.sb.create_issue(OWNER, REPO, "Improve the docs", body, labels=list(labels)).number


def bot_comments(world: World, number: int) -> list[str]:
    return [body for user, body in world.comments(number) if user == BOT]


# ---- issues.labeled / unlabeled ------------------------------------------------------------------------------


def test_label_offers_the_issue_in_one_status_comment(world: World) -> None:
    number = issue(world)
    payload = labeled(number, by=OWNER)
    assert schema_errors("issues$labeled", payload) == []
    step = world.act("issues", payload)
    assert step.outcome.status == "ready", step.outcome.message
    [body] = bot_comments(world, number)
    assert STATUS_MARKER in body
    assert "**Ready**: 1 document, 3 tasks (2 open) — comment `/symphony run` to start." in body
    assert step.outputs["status"] == "ready" and step.outputs["tasks-total"] == "3"
    assert "| status | **ready** |" in step.summary
    # Labelling again refreshes the same comment: still one.
    world.act("issues", labeled(number, by="triager"))
    [body] = bot_comments(world, number)
    assert "Label applied by @triager" in body
    assert world.runner.requests == []


def test_label_from_someone_without_triage_is_not_an_offer(world: World) -> None:
    number = issue(world)
    step = world.act("issues", labeled(number, by="reader"))
    assert step.outcome.status == "refused"
    [body] = bot_comments(world, number)
    assert "**Not offered**: reader has read access" in body


def test_other_labels_do_nothing(world: World) -> None:
    number = issue(world, labels=("bug",))
    step = world.act("issues", labeled(number, by=OWNER, label="bug"))
    assert step.outcome.status == "ignored" and world.comments(number) == []
    assert "::notice title=Symphony: ignored::" in step.log


def test_an_issue_without_documents_is_explained(world: World) -> None:
    number = issue(world, body="Please help\n\n../../etc/passwd.md\n")
    step = world.act("issues", labeled(number, by=OWNER))
    assert step.outcome.status == "invalid"
    [body] = bot_comments(world, number)
    assert "**Not runnable yet**" in body and "line 3" in body


def test_documents_outside_the_configured_folders_are_refused(world: World) -> None:
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text("document-folders: [autorun]\n")
    number = issue(world)
    assert world.act("issues", labeled(number, by=OWNER)).outcome.status == "invalid"
    assert "outside the document folders" in bot_comments(world, number)[0]


def test_auto_start_runs_on_the_label(world: World) -> None:
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text("auto-start: true\nagent: command\n")
    number = issue(world)
    step = world.act("issues", labeled(number, by=OWNER))
    [(kind, request)] = world.runner.requests
    assert (kind, request.repo, request.issue, request.triggered_by) == ("run", SLUG, number, OWNER)
    assert step.outputs["pr-number"] == "7" and step.outputs["status"] == "completed"
    assert "starting now" in bot_comments(world, number)[0]


def test_unlabel_withdraws_the_offer(world: World) -> None:
    number = issue(world)
    world.act("issues", labeled(number, by=OWNER))
    payload = labeled(number, by=OWNER, action="unlabeled")
    assert schema_errors("issues$unlabeled", payload) == []
    step = world.act("issues", payload)
    assert step.outcome.status == "withdrawn"
    [body] = bot_comments(world, number)
    assert "**No longer offered**" in body and "Label removed by @maintainer" in body


def test_unlabel_without_a_status_comment_posts_nothing(world: World) -> None:
    number = issue(world, labels=())
    assert world.act("issues", labeled(number, by=OWNER, action="unlabeled")).outcome.status == "withdrawn"
    assert world.comments(number) == []


# ---- issue_comment.created ---------------------------------------------------------------------------------------


def comment_on(world: World, number: int, body: str, by: str, *, pull: bool = False) -> tuple[int, dict]:
    posted = world.sb.comment(OWNER, REPO, number, body, author=by)
    labels = [label for label in [LABEL] if not pull]
    payload = commented(number, posted.id, body, by=by, labels=labels, pull=pull)
    assert schema_errors("issue_comment$created", payload) == []
    return posted.id, payload


def test_run_command_reacts_and_starts_the_runner(world: World) -> None:
    number = issue(world)
    comment_id, payload = comment_on(world, number, "Thanks!\n\n/symphony run", "writer")
    step = world.act("issue_comment", payload)
    assert world.reactions(number) == [(BOT, "eyes")]
    [(kind, request)] = world.runner.requests
    assert request.comment_id == comment_id
    assert (kind, request.issue, request.triggered_by, request.workflow_token) == ("run", number, "writer", False)
    assert request.token == "bot-token" and request.github_url == world.sb.api_url
    assert step.outputs["status"] == "completed" and step.outputs["branch"] == "symphony/1-abc"
    assert WORKFLOW_PR_CAVEAT not in step.summary


def test_refused_commenter_gets_a_clear_reason_and_no_run(world: World) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony run", "stranger")
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "refused" and world.runner.requests == []
    [reply] = bot_comments(world, number)
    assert "@stranger: `/symphony run` was not run — stranger has no access" in reply
    assert "people with write access or more" in reply
    assert world.reactions(number) == []


@pytest.mark.parametrize("author", ["renovate[bot]", "ghost", BOT])
def test_bots_ghost_and_the_bot_itself_are_ignored_silently(world: World, author: str) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony run", author)
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "ignored"
    assert world.comments(number) == [(author, "/symphony run")]  # only the command itself
    assert world.reactions(number) == [] and world.runner.requests == []


def test_a_listed_bot_may_run(world: World) -> None:
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text('allowed-bots: ["renovate[bot]"]\n')
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony run", "renovate[bot]")
    world.act("issue_comment", payload)
    assert [kind for kind, _ in world.runner.requests] == ["run"]


def test_edited_comments_never_trigger(world: World) -> None:
    number = issue(world)
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = readdress(example("issue_comment", "edited"), number=number, sender="writer", labels=[LABEL])
    payload["comment"]["id"], payload["comment"]["body"] = posted.id, "/symphony run"
    assert schema_errors("issue_comment$edited", payload) == []
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "ignored" and "edits never do" in step.outcome.message
    assert bot_comments(world, number) == [] and world.runner.requests == []


def test_comments_without_a_command_are_ignored(world: World) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "> /symphony run\n\n`/symphony run` is how", "writer")
    assert world.act("issue_comment", payload).outcome.status == "ignored"
    assert bot_comments(world, number) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [("/symphony help", "Symphony commands"), ("/symphony launch", "`/symphony launch` is not a command")],
)
def test_help_for_anyone(world: World, body: str, words: str) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, body, "stranger")
    assert world.act("issue_comment", payload).outcome.status == "help"
    [reply] = bot_comments(world, number)
    assert words in reply and "/symphony finalize" in reply
    assert world.reactions(number) == [(BOT, "eyes")]


def test_run_on_an_unlabelled_issue_is_not_offered(world: World) -> None:
    number = issue(world, labels=())
    posted = world.sb.comment(OWNER, REPO, number, "/symphony run", author="writer")
    payload = commented(number, posted.id, "/symphony run", by="writer", labels=[])
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "refused" and world.runner.requests == []
    assert "does not carry the `runmaestro.ai` label" in bot_comments(world, number)[0]


def test_on_a_pull_request_only_status_applies(world: World) -> None:
    number = issue(world)
    world.sb.push_branch(OWNER, REPO, "symphony/1-abc", {"docs/tasks.md": "- [x] one\n"})
    pull = world.sb.open_pull(OWNER, REPO, "symphony/1-abc", title="WIP", body=f"Closes #{number}", draft=True)
    _, payload = comment_on(world, pull.number, "/symphony run", "writer", pull=True)
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "refused" and world.runner.requests == []
    assert "works on the issue, not on its pull request" in bot_comments(world, pull.number)[0]
    _, payload = comment_on(world, pull.number, "/symphony status", "stranger", pull=True)
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "status" and f"#{number}" in step.outcome.message
    assert f"#{number}: " in bot_comments(world, pull.number)[-1]


def test_cancel_goes_to_the_runner(world: World) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony CANCEL", "writer")
    step = world.act("issue_comment", payload)
    assert [kind for kind, _ in world.runner.requests] == ["cancel"] and step.outcome.status == "cancelled"


def test_stop_without_a_running_job_says_so(world: World) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony stop", "writer")
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "nothing-to-stop"
    assert "No running Symphony job was found" in bot_comments(world, number)[0]


def test_workflow_token_caveat_reaches_the_runner_and_the_summary(world: World) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony run", "writer")
    environ_inputs = {"github-token": "bot-token"}
    world_env = world.environ("issue_comment", payload, environ_inputs)
    world_env["SYMPHONY_WORKFLOW_TOKEN"] = "bot-token"
    import io

    from symphony_bot.action.main import run_action
    from symphony_bot.github.client import GitHubClient

    stream = io.StringIO()
    run_action(
        world_env,
        stream,
        runner=world.runner,
        client_factory=lambda inputs: GitHubClient(
            world.sb.api_url,
            world.sb.graphql_url,
            inputs.github_token,
            pacer=Pacer(Limits.unlimited()),
        ),
    )
    assert world.runner.requests[0][1].workflow_token is True
    assert WORKFLOW_PR_CAVEAT in Path(world_env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "::warning title=GITHUB_TOKEN::" in stream.getvalue()


# ---- pull_request, workflow_dispatch, schedule, others ------------------------------------------------------------


@pytest.mark.parametrize("action", ["opened", "synchronize"])
def test_registry_pull_requests_are_checked(world: World, action: str) -> None:
    shutil.copy(ROOT / "symphony-registry.json", world.workspace / "symphony-registry.json")
    payload = readdress(example("pull_request", action), sender="writer")
    assert schema_errors(f"pull_request${action}", payload) == []
    step = world.act("pull_request", payload)
    assert step.outcome.status == "checked", step.log
    assert "registry" in step.summary.lower()


def test_a_broken_registry_fails_with_annotations(world: World) -> None:
    (world.workspace / "symphony-registry.json").write_text('{"schemaVersion": "1.0", "repositories": [}\n')
    step = world.act("pull_request", readdress(example("pull_request", "opened"), sender="writer"))
    assert step.outcome.status == "findings" and step.outcome.failed
    assert "::error file=symphony-registry.json,line=1" in step.log


def test_a_pull_request_without_a_registry_is_ignored(world: World) -> None:
    step = world.act("pull_request", readdress(example("pull_request", "opened"), sender="writer"))
    assert step.outcome.status == "ignored"


def test_dispatch_runs_the_issue_input(world: World) -> None:
    number = issue(world)
    payload = readdress(example("workflow_dispatch", None), sender=OWNER)
    payload["inputs"] = {"issue": str(number)}
    assert schema_errors("workflow_dispatch$event", payload) == []
    step = world.act("workflow_dispatch", payload)
    [(kind, request)] = world.runner.requests
    assert (kind, request.repo, request.issue, request.pick) == ("run", SLUG, number, False)
    assert step.outputs["pr-url"] == "http://pr/7"


def test_dispatch_with_pick_and_other_repositories(world: World) -> None:
    payload = readdress(example("workflow_dispatch", None), sender=OWNER)
    world.act("workflow_dispatch", payload, {"issue": "pick", "registry": "symphony-registry.json"})
    world.act("workflow_dispatch", payload, {"issue": "someone/else#12"})
    (_, picked), (_, other) = world.runner.requests
    assert picked.pick and picked.registry == "symphony-registry.json"
    assert (other.repo, other.issue) == ("someone/else", 12)
    step = world.act("workflow_dispatch", payload, {"issue": "twelve"})
    assert step.outcome.failed and "input `issue`" in step.outcome.message


def test_schedule_reports_stale_claims(world: World) -> None:
    # `schedule` has no webhook payload (and no definition in @octokit/webhooks-schemas): the runner writes this.
    world.sb.push_branch(OWNER, REPO, "symphony/1-old", {"docs/tasks.md": "- [x] one\n"})
    old = world.sb.open_pull(OWNER, REPO, "symphony/1-old", title="WIP old", body="Closes #1", draft=True)
    world.sb.push_branch(OWNER, REPO, "symphony/2-new", {"docs/tasks.md": "- [x] two\n"})
    world.sb.open_pull(OWNER, REPO, "symphony/2-new", title="WIP new", body="Closes #2", draft=True)
    world.sb.state.find_repo(OWNER, REPO).issues[old.number].updated_at = "2020-01-01T00:00:00Z"  # type: ignore[union-attr]
    (world.workspace / ".github").mkdir()
    (world.workspace / ".github" / "symphony.yml").write_text("stale-claims: {days: 10, comment: true}\n")
    offered = issue(world)
    step = world.act("schedule", {"schedule": "17 3 * * *"})
    assert f"- available: #{offered} Improve the docs" in step.summary
    assert step.outcome.status == "scanned" and "1 stale claim(s), 1 newly commented" in step.outcome.message
    assert f"[#{old.number}]" in step.summary
    assert "### Labelled issues of maintainer/project" in step.summary
    assert any(STALE_MARKER in body for body in bot_comments(world, old.number))
    world.act("schedule", {"schedule": "17 3 * * *"})  # the comment is not repeated
    assert sum(STALE_MARKER in body for body in bot_comments(world, old.number)) == 1


def test_other_events_get_a_notice(world: World) -> None:
    step = world.act("push", readdress(example("push", None), sender=OWNER))
    assert step.outcome.status == "ignored" and "push event is not one Symphony acts on" in step.outcome.message
    assert step.outputs["status"] == "ignored"


def test_dry_run_changes_nothing_on_github(world: World) -> None:
    number = issue(world)
    step = world.act("issues", labeled(number, by=OWNER), {"dry-run": "true"})
    assert step.outcome.status == "ready" and world.comments(number) == []
    assert "dry run: the status comment would read" in step.log


# ---- as a real process -------------------------------------------------------------------------------------------


def test_the_process_masks_first_and_writes_outputs(world: World) -> None:
    number = issue(world)
    code, step = world.act_process("issues", labeled(number, by=OWNER), {"anthropic-api-key": "sk-ant-secret-1"})
    assert code == 0, step.log
    lines = step.log.splitlines()
    assert lines[0] == "::add-mask::bot-token" and lines[1] == "::add-mask::sk-ant-secret-1"
    assert "sk-ant-secret-1" not in "\n".join(lines[2:])
    assert step.outputs["status"] == "ready"
    assert step.state.startswith("symphony_target<<")


@pytest.mark.parametrize(
    ("inputs", "payload", "code", "words"),
    [
        ({"mode": "everything"}, {}, 2, "input `mode`"),
        ({}, "not json", 2, "not JSON"),
        ({"config": "missing.yml"}, {}, 2, "missing.yml: the configuration file does not exist"),
        ({"who-can-run": "write, alice"}, {}, 2, "cannot be combined"),
    ],
)
def test_the_process_exit_codes(world: World, inputs: dict, payload: object, code: int, words: str) -> None:
    body = payload if isinstance(payload, dict) else {}
    returned, step = world.act_process("issues", body, inputs)
    if not isinstance(payload, dict):
        returned, step = _with_raw_event(world, str(payload), inputs)
    assert returned == code, step.log
    assert words in step.log
    assert step.outputs["status"] == "usage-error"


def _with_raw_event(world: World, text: str, inputs: dict) -> tuple[int, object]:
    import os
    import subprocess
    import sys

    environ = world.environ("issues", {}, inputs)
    Path(environ["GITHUB_EVENT_PATH"]).write_text(text)
    keep = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    result = subprocess.run(
        [sys.executable, "-m", "symphony_bot", "action"],
        env={**keep, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    from symphony_bot.action.outputs import parse_output_file
    from symphony_bot.action.replies import Outcome
    from tests.action_helpers import Step

    return result.returncode, Step(
        Outcome("?", ""),
        result.stdout + result.stderr,
        parse_output_file(Path(environ["GITHUB_OUTPUT"]).read_text()),
        "",
        "",
    )


def test_safe_directory_is_set_through_the_environment() -> None:
    from symphony_bot.action.main import trust_workspace

    environ = {
        "GITHUB_WORKSPACE": "/github/workspace",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "a.b",
        "GIT_CONFIG_VALUE_0": "c",
    }
    trust_workspace(environ)
    trust_workspace(environ)  # idempotent
    assert environ["GIT_CONFIG_COUNT"] == "2"
    assert (environ["GIT_CONFIG_KEY_1"], environ["GIT_CONFIG_VALUE_1"]) == ("safe.directory", "/github/workspace")


def test_payload_fixture_shapes_are_githubs() -> None:
    # The hand-made PR-comment variant is the real example plus issue.pull_request, and still validates.
    payload = commented(3, 44, "/symphony status", by="writer", labels=[], pull=True)
    assert schema_errors("issue_comment$created", payload) == []
    assert json.dumps(payload["issue"]["pull_request"]).count(SLUG) == 4


def test_hostile_payload_text_cannot_forge_workflow_commands(world: World) -> None:
    from tests.actions_runner import command_lines

    number = issue(world)
    hostile = "bug\n::add-mask::x\r::error::forged ##[set-output name=status]pwned"
    step = world.act("issues", labeled(number, by=OWNER, label=hostile), {"dry-run": "true"})
    assert step.outcome.status == "ignored"
    commands = command_lines(step.log)
    assert all(line.startswith(("::add-mask::bot-token", "::notice title=Symphony: ignored::")) for line in commands)
    assert len(commands) == 2


def test_post_step_leaves_an_offer_alone(world: World) -> None:
    # A run in progress is finalised by the post step (tests/test_action_signals.py, after a SIGKILL); an offer
    # is no run: the main step ended before the runner took the comment over, and the offer is still true.
    import io

    from symphony_bot.action.post import run_post

    number = issue(world)
    world.act("issues", labeled(number, by=OWNER))  # the status comment exists
    [offer] = bot_comments(world, number)
    environ = world.environ("issue_comment", {})
    environ["STATE_symphony_target"] = f"{SLUG}#{number}"  # the main step started on it, never recorded its end
    outcome = run_post(environ, io.StringIO())
    assert outcome.status == "ignored" and "does not show a run in progress" in outcome.message
    environ["STATE_symphony_done"] = "true"
    assert run_post(environ, io.StringIO()).message == "the main step finished; nothing to finalise"
    assert bot_comments(world, number) == [offer]


def test_main_step_records_start_and_end_in_the_step_state(world: World) -> None:
    from symphony_bot.action.outputs import parse_output_file

    number = issue(world)
    _, payload = comment_on(world, number, "/symphony run", "writer")
    step = world.act("issue_comment", payload)
    assert parse_output_file(step.state) == {"symphony_target": f"{SLUG}#{number}", "symphony_done": "true"}


# ---- with the workflow's own GITHUB_TOKEN (the sandbox's Actions installation token) ------------------------------

WORKFLOW_PERMISSIONS = {"contents": "write", "issues": "write", "pull-requests": "write", "actions": "write"}


def test_with_github_token_the_bot_is_github_actions(world: World) -> None:
    token = world.sb.add_actions_token(OWNER, REPO, permissions=WORKFLOW_PERMISSIONS)
    number = issue(world)
    step = world.act("issues", labeled(number, by=OWNER), {"github-token": token})
    assert step.outcome.status == "ready", step.outcome.message
    [(author, body)] = world.comments(number)
    assert author == "github-actions[bot]" and STATUS_MARKER in body
    # Its own status comment found again (GET /user is refused to it; GraphQL's viewer names it): still one.
    world.act("issues", labeled(number, by="triager"), {"github-token": token})
    assert [user for user, _ in world.comments(number)] == ["github-actions[bot]"]
    # Its own comments never trigger it.
    posted = world.sb.comment(OWNER, REPO, number, "/symphony help", author="github-actions[bot]")
    payload = commented(number, posted.id, "/symphony help", by="github-actions[bot]", labels=[LABEL])
    assert world.act("issue_comment", payload, {"github-token": token}).outcome.status == "ignored"


def test_github_token_without_write_permissions_fails_clearly(world: World) -> None:
    token = world.sb.add_actions_token(OWNER, REPO)  # GitHub's default for new repositories: contents: read
    number = issue(world)
    step = world.act("issues", labeled(number, by=OWNER), {"github-token": token})
    assert step.outcome.failed and "403" in step.outcome.message
    assert "Resource not accessible by integration" in step.outcome.message
    assert step.outputs["status"] == "failed" and world.comments(number) == []


def test_scan_mode_fills_the_matrix_output(world: World) -> None:
    available = issue(world)
    issue(world, body="no documents here\n")  # invalid: not in the matrix
    registry = {
        "schemaVersion": "1.0",
        "lastUpdated": "2026-05-09T00:00:00Z",
        "repositories": [
            {
                "slug": SLUG,
                "name": "Project",
                "description": "A project.",
                "url": f"https://github.com/{SLUG}",
                "category": "ai-ml",
                "maintainer": {"name": "M", "url": f"https://github.com/{OWNER}"},
                "isActive": True,
                "addedAt": "2025-01-01",
            }
        ],
    }
    (world.workspace / "registry.json").write_text(json.dumps(registry))
    step = world.act(
        "workflow_dispatch",
        readdress(example("workflow_dispatch", None), sender=OWNER),
        {"mode": "scan", "registry": "registry.json"},
    )
    assert step.outcome.status == "scanned", step.log
    assert json.loads(step.outputs["matrix"]) == {"include": [{"repo": SLUG, "issue": available}]}
    assert f"| {SLUG} | #{available} |" in step.summary


def test_finalize_is_passed_to_the_runner_for_someone_allowed(world: World) -> None:
    number = issue(world)
    _, payload = comment_on(world, number, "/symphony finalize", "writer")
    step = world.act("issue_comment", payload)
    assert step.outcome.status == "finalized"
    assert [what for what, _ in world.runner.requests] == ["finalize"]
