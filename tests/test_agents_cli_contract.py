"""The contract every real CLI adapter keeps, run against each pinned CLI (tests/npm) and the scripted model
server. What only one CLI does is in its own file (`tests/test_agents_<cli>.py`). The CLIs are slow on a
shared machine: run one at a time with `-k claude` (or codex, opencode, gemini)."""

import os
import threading

import pytest

from symphony_bot.agents import sweep
from symphony_bot.agents.agent_user import AGENT_USER, running_as_root
from symphony_bot.agents.base import Outcome, Usage
from symphony_bot.agents.identity import FIRST_UID
from symphony_bot.agents.pricing import estimate_cost
from symphony_bot.autorun.document import parse
from symphony_bot.sandbox.model_server import ModelServer, api_error, text
from tests.agent_cli_helpers import (
    DO_AND_TICK,
    DUMP_ENV,
    FINAL_TEXT,
    RATE_LIMIT_MESSAGE,
    assert_only_loopback_home,
    assert_task_done,
    assert_task_untouched,
    background_sleep,
    probe_credentials,
    run_task,
    sleeping,
    stop_when_sleeping,
    task_script,
    unique_seconds,
)
from tests.agent_cli_specs import ALL_CLIS, HOSTILE, CliSpec
from tests.autorun_helpers import reachable_tmp

pytestmark = pytest.mark.parametrize("cli", ALL_CLIS, ids=str)
REFUSED_KEY_MESSAGE = "Invalid API key: the key test-key was refused"


def test_real_cli_edits_the_file_ticks_the_box_and_reports_what_the_server_charged(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    with ModelServer(task_script()) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert FINAL_TEXT in result.text and result.session_id
    reported = server.reported_usage()
    usage = result.usage
    assert (usage.input_tokens, usage.cache_read_tokens) == (reported.input_tokens, reported.cache_read_tokens)
    assert usage.output_tokens == reported.output_total
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (
        300,
        35,
        50,
        0,
    )
    if cli.reports_reasoning:
        assert usage.reasoning_tokens == reported.reasoning_tokens == 5
    # claude prints its own cost; the others print tokens only, and the estimate says so.
    assert usage.cost_is_estimate is cli.cost_is_estimate
    assert usage.cost_usd == pytest.approx(cli.expected_cost)
    assert usage.cost_usd == pytest.approx(estimate_cost(Usage(300, 35, 50), cli.model))
    # One request per model turn, to the model asked for, in the CLI's own protocol and with its shell tool.
    assert [(r.api, r.reply, r.model) for r in server.conversation()] == [
        (cli.api, f"tool:{cli.shell_tool}", cli.model),
        (cli.api, "text", cli.model),
    ]
    assert all(r.stream for r in server.conversation())
    assert {r.reply for r in server.requests} - {f"tool:{cli.shell_tool}", "text"} <= cli.side_replies
    assert_only_loopback_home(tmp_path / "scratch")
    # Its temporary files went into the run's private directory (removed with it), not the system's.
    assert any((tmp_path / "scratch" / "tmp").iterdir()) is cli.writes_temporary_files


def test_real_cli_rate_limit_is_reported_as_rate_limited(cli: CliSpec, npm_modules, monkeypatch, tmp_path) -> None:
    with ModelServer([api_error(429, RATE_LIMIT_MESSAGE)]) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path)
    assert result.outcome is Outcome.RATE_LIMITED, (result.outcome, result.error)
    assert all(word in (result.error or "").lower() for word in cli.rate_limit_words), result.error
    assert_task_untouched(repo)


def test_real_cli_ignores_repository_config_that_redirects_the_api(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    """A public repository's own configuration must not send the donor's API key to a host of its choosing."""
    with ModelServer([text("good")]) as good, ModelServer([text("stolen")]) as thief:
        agent, setup = HOSTILE[cli.name](npm_modules, monkeypatch, tmp_path, good, thief)
        result, _ = run_task(agent, tmp_path, setup=setup)
    assert result.outcome is Outcome.OK, result.error
    assert result.text == "good" and thief.requests == []


def test_real_cli_gets_no_credentials(cli: CliSpec, npm_modules, monkeypatch, tmp_path) -> None:
    probe_credentials(lambda server: cli.make(npm_modules, monkeypatch, server), tmp_path, monkeypatch)


def test_real_cli_leaves_nothing_running_after_its_task(cli: CliSpec, npm_modules, monkeypatch, tmp_path) -> None:
    """claude, gemini and opencode run each tool command in a session of its own: a process-group kill alone
    would leave this `sleep` running in the work tree after the task."""
    seconds = unique_seconds()
    with ModelServer(task_script(background_sleep(seconds) + DO_AND_TICK)) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path)
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert (repo / "background.txt").read_text().strip() == "started"
    assert sleeping(seconds) == []


def test_real_cli_with_a_hung_tool_is_killed_with_everything_it_started(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    """The agent is stopped (the same kill as a timeout's) once its tool is seen hung with a background process
    of its own: an event, not a timer, so a CLI slow to start its tool on a loaded machine cannot fail it."""
    background, foreground = unique_seconds(), unique_seconds()
    stop = threading.Event()
    with ModelServer(task_script(background_sleep(background) + f"sleep {foreground}")) as server:
        watcher = stop_when_sleeping(stop, background, foreground)
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path, stop=stop)
        stop.set()
        watcher.join()
    assert result.outcome is Outcome.CANCELLED, (result.outcome, result.error)
    assert (repo / "background.txt").read_text().strip() == "started"
    assert sleeping(background) == [] and sleeping(foreground) == []


def test_real_cli_works_on_its_defaults(cli: CliSpec, npm_modules, monkeypatch, tmp_path) -> None:
    """No --model: the CLI's own default model does the task and is priced as that model (or, where our table
    has no price, the estimate says which model it could not price); a CLI that cannot have a default says so."""
    with ModelServer(task_script()) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server, defaults=True), tmp_path)
    if cli.default_model is None:
        assert result.outcome is Outcome.NOT_FOUND and "--model" in (result.error or ""), result
        assert server.requests == []
        return
    assert result.outcome is Outcome.OK, result.error
    assert_task_done(repo)
    assert [(r.reply, r.model) for r in server.conversation()] == [
        (f"tool:{cli.default_shell_tool}", cli.default_model),
        ("text", cli.default_model),
    ]
    usage = result.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (300, 35, 50)
    if cli.default_priced:
        assert usage.unpriced_model is None
        assert usage.cost_usd == pytest.approx(estimate_cost(Usage(300, 35, 50), cli.default_model))
    else:
        assert usage.unpriced_model == cli.default_model and usage.cost_is_estimate


def test_real_cli_with_an_unreachable_api_stops_fast_in_its_own_words(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    """codex and opencode would retry silently until the inactivity limit (15 minutes), claude for minutes."""
    with ModelServer([text("never asked")]) as server:
        agent = cli.make(npm_modules, monkeypatch, server)
    # The server is closed now: its port refuses connections.
    result, repo = run_task(agent, tmp_path)
    assert result.outcome is Outcome.UNREACHABLE, (result.outcome, result.error)
    assert cli.name in (result.error or "") and "cannot be reached" in (result.error or "")
    assert_task_untouched(repo)


def test_real_cli_with_a_refused_key_stops_at_once_in_its_own_words(
    cli: CliSpec, npm_modules, monkeypatch, tmp_path
) -> None:
    with ModelServer([api_error(401, REFUSED_KEY_MESSAGE)]) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path)
    assert result.outcome is Outcome.AUTH_FAILED, (result.outcome, result.error)
    assert REFUSED_KEY_MESSAGE in (result.error or "")
    assert_task_untouched(repo)


def test_real_cli_does_its_task_as_its_own_user(cli: CliSpec, npm_modules, monkeypatch) -> None:
    """Run as root (as on a runner), the bot starts the agent under a fresh uid of its own, which owns the work
    tree for the task; the CLI must work so (Landlock on too), and the work tree is the bot's again afterwards."""
    run_as = AGENT_USER if running_as_root() else None
    with reachable_tmp() as tmp_path, ModelServer(task_script("id -u > uid.txt && " + DUMP_ENV)) as server:
        result, repo = run_task(cli.make(npm_modules, monkeypatch, server), tmp_path, run_as=run_as)
        assert result.outcome is Outcome.OK, result.error
        assert parse((repo / "plan.md").read_text()).unchecked == 0
        assert all(path.stat().st_uid == os.geteuid() for path in (repo, repo / "plan.md", repo / "uid.txt"))
        tool_uid = int((repo / "uid.txt").read_text())
        if run_as:
            assert tool_uid >= FIRST_UID and not sweep._processes_of(tool_uid)  # its own, and nothing left
        else:
            assert tool_uid == os.geteuid()
        assert f"HOME={tmp_path / 'scratch' / 'home'}" in (repo / "env.txt").read_text()
