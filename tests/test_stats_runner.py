"""The runner's real PR read back by `stats` and the site: the metadata block it writes is the one stats reads,
and a run started by someone's `/symphony run` is credited to them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.github.contributions import fetch_contributions
from symphony_bot.github.history import collect
from symphony_bot.sandbox import Sandbox
from symphony_bot.stats.history import PullState
from symphony_bot.stats.maths import report
from tests.e2e.contribution_helpers import OWNER, SLUG, client_for, run_issue


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, Any]]:
    with Sandbox() as sb:
        number, trigger = scenario.seed(sb)
        state = run_issue(sb, number, trigger_comment_id=trigger, requested_by=OWNER)
        assert state.phase is Phase.COMPLETED
        yield sb, state


def test_the_runners_pr_is_a_contribution_of_the_requester(world: tuple[Sandbox, Any]) -> None:
    sb, _ = world
    with client_for(sb) as client:
        result = fetch_contributions(client, [SLUG])
    assert result.warnings == [] and result.failures == []
    [pull] = result.pulls
    assert pull.author == scenario.BOT_LOGIN  # the runner's account opened it ...
    assert pull.metadata.contributor == OWNER  # ... for the maintainer who asked
    assert pull.state is PullState.OPEN and pull.metadata.state == "completed"
    assert (pull.metadata.tasks_done, pull.metadata.tasks_total) == (5, 5)


def test_stats_and_the_site_count_it(world: tuple[Sandbox, Any], tmp_path: Path) -> None:
    import datetime as dt

    from symphony_bot.site.build import build_site
    from symphony_bot.site.model import projects_from

    sb, _ = world
    with client_for(sb) as client:
        collected = collect(client, [SLUG], [{"slug": SLUG, "maintainer": {"name": "The Maintainer"}}])
    numbers = report(collected.rows, OWNER, dt.datetime.now(dt.UTC).date())
    assert numbers.totals.contributions == 1 and numbers.totals.tasks_completed == 5
    assert numbers.totals.maintainers_helped == 1 and numbers.streaks.current_weeks == 1
    assert [a.id for a in numbers.achievements if a.earned] == ["first-steps"]
    build_site(tmp_path, projects_from([{"slug": SLUG, "isActive": True}]), numbers, "now")
    assert f"@{OWNER}" in (tmp_path / "stats.html").read_text()
