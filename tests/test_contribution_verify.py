"""contribution/verification.py: the maintainers' check after a task, contained as an agent, with a retry."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphony_bot.contribution.verification import (
    COMMIT,
    PASSED,
    SKIP,
    STOP,
    VerifySettings,
    retry_prompt,
    run_check,
    verify_task,
)


def tree(tmp_path: Path) -> tuple[Path, Path]:
    work = tmp_path / "work"
    work.mkdir()
    return work, tmp_path / "scratch"


def test_a_check_that_fails_once_passes_after_the_agent_s_retry(tmp_path):
    work, scratch = tree(tmp_path)
    settings = VerifySettings("test -f fixed.txt || { echo 'missing fixed.txt'; exit 1; }", retries=1)
    retries: list[str] = []

    def retry(tail: str) -> None:  # the agent's second attempt: it reads the tail and fixes the tree
        retries.append(tail)
        (work / "fixed.txt").write_text("fixed\n")

    outcome = verify_task(settings, lambda: run_check(settings, work, scratch, None), retry)
    assert (outcome.decision, outcome.attempts) == (PASSED, 2)
    assert len(retries) == 1 and "missing fixed.txt" in retries[0]
    assert "missing fixed.txt" in retry_prompt(settings, "Add fixed.txt", 3, "docs/a.md", retries[0])


@pytest.mark.parametrize("failure", [COMMIT, SKIP, STOP])
def test_a_check_that_never_passes_ends_as_configured(tmp_path, failure):
    work, scratch = tree(tmp_path)
    settings = VerifySettings("echo 'tests failed'; exit 3", retries=1, failure=failure)
    tails: list[str] = []
    outcome = verify_task(settings, lambda: run_check(settings, work, scratch, None), tails.append)
    assert (outcome.decision, outcome.attempts) == (failure, 2)
    assert "tests failed" in outcome.tail and len(tails) == 1
    assert outcome.mark.startswith("verify failed")


def test_the_check_cannot_read_the_token(tmp_path, monkeypatch):
    work, scratch = tree(tmp_path)
    for name in ("GITHUB_TOKEN", "SYMPHONY_GITHUB_TOKEN", "GH_TOKEN", "ANTHROPIC_API_KEY"):
        monkeypatch.setenv(name, "s3cret-value")
    settings = VerifySettings("env > seen.txt; cat /proc/$PPID/environ >> seen.txt 2>/dev/null; true")
    passed, _tail = run_check(settings, work, scratch, None)
    assert passed
    assert "s3cret-value" not in (work / "seen.txt").read_text(errors="replace")


def test_an_unknown_failure_choice_is_refused():
    with pytest.raises(ValueError, match="verify-failure"):
        VerifySettings("true", failure="ignore")
