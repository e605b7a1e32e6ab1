"""Commit subjects built from task text: no closing keyword, no @mention. GitHub's closing keywords and the
reference forms they take:
https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue
"""

from __future__ import annotations

import re

import pytest

from symphony_bot.workspace.commit_message import (
    CLOSING_KEYWORDS,
    inert_commit_message,
    without_closing_keywords,
    without_mentions,
)

# (task text, what the subject keeps)
TABLE = [
    ("Fixes #12", "#12"),
    ("fix #1 in the parser", "#1 in the parser"),
    ("FIXED: #3", "#3"),
    ("Closes: #45 and more", "#45 and more"),
    ("closed #7", "#7"),
    ("Resolve octo/repo#9", "octo/repo#9"),
    ("resolves Octo-Org/my.repo#10", "Octo-Org/my.repo#10"),
    ("RESOLVED https://github.com/o/r/issues/11", "https://github.com/o/r/issues/11"),
    ("close GH-5", "GH-5"),
    ("Fixes #1, fixes #2", "#1, #2"),
    ("fix fixes #1", "#1"),  # removing one keyword must not leave another in front of the reference
    ("Closes:fixes:#3", "#3"),
    ("Fixes\u00a0#4", "#4"),  # any spacing, a no-break space too
    ("fixes#5", "#5"),
    # Not closing: left alone.
    ("prefix #1 is a word that ends in fix", "prefix #1 is a word that ends in fix"),
    ("Fix the parser", "Fix the parser"),
    ("closes the file handle", "closes the file handle"),
    ("fixes issue 12", "fixes issue 12"),
    ("Refs #3", "Refs #3"),
    ("fixture #2", "fixture #2"),
]


@pytest.mark.parametrize(("task", "kept"), TABLE)
def test_closing_keywords_are_dropped_and_the_rest_is_kept(task: str, kept: str) -> None:
    assert without_closing_keywords(task) == kept


def test_every_keyword_in_every_case_with_or_without_a_colon() -> None:
    for keyword in CLOSING_KEYWORDS:
        for form in (keyword, keyword.upper(), keyword.title()):
            for separator in (" ", ": ", ":", "  "):
                for reference in ("#8", "o/r#8", "https://github.com/o/r/issues/8"):
                    cleaned = without_closing_keywords(f"do it {form}{separator}{reference} now")
                    assert cleaned == f"do it {reference} now", (form, separator, reference)


MENTIONS = [
    ("ask @octocat", "ask \uff20octocat"),
    ("@team-a/reviewers please", "\uff20team-a/reviewers please"),
    ("(@x)", "(\uff20x)"),
    ("mail a@b.example", "mail a@b.example"),  # an email address is not a mention
    ("a lone @ sign", "a lone @ sign"),
]


@pytest.mark.parametrize(("text", "kept"), MENTIONS)
def test_mentions_are_neutralised(text: str, kept: str) -> None:
    assert without_mentions(text) == kept


def test_a_whole_message_keeps_the_harness_lines() -> None:
    message = (
        "symphony: docs/plan.md — Fixes #12 for @octocat\n\nRefs #4\n\n"
        "Co-authored-by: alice <12+alice@users.noreply.github.com>\n"
    )
    cleaned = inert_commit_message(message)
    assert cleaned.splitlines()[0] == "symphony: docs/plan.md — #12 for \uff20octocat"
    assert "Refs #4" in cleaned
    assert "Co-authored-by: alice <12+alice@users.noreply.github.com>" in cleaned
    closing = re.compile(rf"\b({'|'.join(CLOSING_KEYWORDS)})\b\s*:?\s*#\d", re.IGNORECASE)
    assert not closing.search(cleaned)


def test_a_commit_made_by_the_harness_carries_the_inert_subject(tmp_path) -> None:
    """End to end through git: the subject stored in the commit is the cleaned one."""
    from symphony_bot.workspace.gitops import Identity, Remote, WorkTree
    from tests.test_workspace_gitops import git

    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    (origin / "README.md").write_text("hi\n")
    git(origin, "add", "README.md")
    git(origin, "commit", "-qm", "one")
    tree = WorkTree(origin, origin / ".git", tmp_path, Remote("https://example.invalid/o/r.git"))
    (origin / "new.txt").write_text("x\n")
    result = tree.commit_all("symphony: a.md — Closes #1 ping @someone\n\nRefs #1\n", Identity("b", "b@example.com"))
    assert result.created
    assert tree.log_subjects("HEAD~1..HEAD") == ["symphony: a.md — #1 ping \uff20someone"]
