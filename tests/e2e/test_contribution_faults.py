"""Every GitHub call site of a run under 500, 502, 403 secondary limit with Retry-After, 429 and a connection
reset: the run finishes (or, for a primary limit that outlasts the allowed wait, stops cleanly and a re-run
finishes), and nothing is ever duplicated: one PR, one status comment, each task committed once."""

from __future__ import annotations

import pytest

from symphony_bot.contribution.config import RunConfig
from symphony_bot.contribution.runner import ContributionRunner
from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import (
    BOT_TOKEN,
    OWNER,
    REPO,
    SLUG,
    client_for,
    demo_agent,
    run_issue,
    status_comments,
    symphony_commits,
)
from tests.e2e.test_contribution_resume import ALL_TASKS

CALL_SITES = [
    "users/get-authenticated",
    "repos/get",
    "ReadFiles",  # the issue's documents, read in one GraphQL query (github/files.py)
    "issues/list-comments",
    "issues/create-comment",
    "reactions/create-for-issue-comment",
    "issues/update-comment",
    "pulls/list",
    "pulls/create",
    "pulls/update",
    "SymphonyIssue",
    "ClaimCheck",
    "UpdateAndMarkReady",  # the last words and ready for review, one GraphQL document (github/pulls.py)
    "git/upload-pack",
    "git/receive-pack",
]
FAULTS = {
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "secondary": {"kind": "secondary_rate_limit", "retry_after": 1},
    "429": {"kind": "rate_limit"},
    "reset": {"kind": "reset"},
}


def _run(sb, number, trigger):
    with client_for(sb, BOT_TOKEN, max_rate_limit_wait=5) as client:
        config = RunConfig(
            repository=SLUG,
            issue=number,
            agent=demo_agent(),
            agent_name="command",
            token=BOT_TOKEN,
            trigger_comment_id=trigger,
            comment_interval_s=0,
        )
        return ContributionRunner(client, config).run()


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("site", CALL_SITES)
def test_call_site_under_fault(site: str, fault: str) -> None:
    with Sandbox() as sb:
        number, trigger = scenario.seed(sb)
        rule = sb.faults.inject(site, times=1, **FAULTS[fault])
        state = _run(sb, number, trigger)
        assert rule.fired == 1, f"{site} was never called"
        if state.phase is not Phase.COMPLETED:
            # Only a primary limit that outlasts the allowed wait may stop a run; it stops cleanly.
            assert fault == "429" and state.phase is Phase.FAILED, (state.phase, state.last_error)
            assert "rate limit" in (state.last_error or "").lower() or "wait" in (state.last_error or "")
            sb.faults.clear()
            state = run_issue(sb, number)
            assert state.phase is Phase.COMPLETED, state.last_error
        pulls = sb.pulls(OWNER, REPO)
        assert len(pulls) == 1 and pulls[0].state == "open" and not pulls[0].pull.draft
        assert symphony_commits(sb, pulls[0].pull.head_sha) == ALL_TASKS
        assert len(status_comments(sb, number)) == 1
        assert "completed" in status_comments(sb, number)[0].body
