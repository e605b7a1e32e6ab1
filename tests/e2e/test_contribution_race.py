"""Runners racing for one issue: exactly one open PR remains (the lowest number); the others are closed with a
note, their branches deleted, and they stop saying who holds the claim."""

from __future__ import annotations

import threading

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import BOT, BOT_TOKEN, OWNER, REPO, run_issue, status_comments


def _race(sb, number, tokens: list[str]) -> list:
    results: list = [None] * len(tokens)
    start = threading.Barrier(len(tokens))

    def one(index: int) -> None:
        start.wait()
        results[index] = run_issue(sb, number, token=tokens[index])

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def _check(sb, number, results) -> None:
    pulls = sb.pulls(OWNER, REPO)
    open_pulls = [pull for pull in pulls if pull.state == "open"]
    assert len(open_pulls) == 1, [(p.number, p.state) for p in pulls]
    winner = open_pulls[0]
    assert winner.number == min(pull.number for pull in pulls)
    phases = sorted(str(result.phase) for result in results)
    assert phases.count("completed") == 1, phases
    failures = [(str(r.phase), r.last_error) for r in results if str(r.phase) != "claim_lost"]
    assert set(phases) <= {"completed", "claim_lost"}, failures
    for pull in pulls:
        if pull.number != winner.number:
            assert pull.state == "closed"
            assert f"claimed by #{winner.number}" in pull.body
            assert pull.pull.head_ref not in sb.branches(OWNER, REPO)
    for result in results:
        if result.phase is Phase.CLAIM_LOST:
            assert result.claim_holder.startswith(f"#{winner.number}")


def test_two_runners_of_the_same_bot(tmp_path) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        results = _race(sb, number, [BOT_TOKEN, BOT_TOKEN])
        _check(sb, number, results)
        [comment] = status_comments(sb, number)  # one comment: the racers' duplicates were removed
        assert comment.user == BOT and "completed" in comment.body


def test_ten_donors_racing(tmp_path) -> None:
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        tokens = []
        for index in range(10):
            login = f"donor{index}"
            sb.add_user(login, token=f"{login}-token")
            sb.set_permission(OWNER, REPO, login, "write")
            tokens.append(f"{login}-token")
        results = _race(sb, number, tokens)
        _check(sb, number, results)
        comments = status_comments(sb, number)
        by_author = {comment.user for comment in comments}
        assert len(comments) == len(by_author)  # one comment per bot account, never two
        lost = [c for c in comments if "claimed by another pull request" in c.body]
        assert len(lost) == sum(result.phase is Phase.CLAIM_LOST for result in results)
