"""What a task would push is capped before the commit, and a refusal is a clear run outcome: the reason in the
status comment (the run's failure reason) and on stderr, nothing pushed. The same for a repository that has
`.symphony-attachments` as something other than a plain folder. GitHub's file limits:
https://docs.github.com/en/repositories/working-with-files/managing-large-files/about-large-files-on-github"""

from __future__ import annotations

import pytest

from symphony_bot.contribution.state import Phase
from symphony_bot.demo import scenario
from symphony_bot.sandbox import Sandbox
from tests.e2e.contribution_helpers import OWNER, REPO, run_issue, script_agent, status_comments
from tests.e2e.test_contribution_happy_path import (  # noqa: F401  (the fixture is used by name)
    ATTACHMENT_LINK,
    _attachment_world,
    attachments_served,
)

TICK = """
doc = pathlib.Path(os.environ["SYMPHONY_DOC"])
lines = doc.read_text().split("\\n")
n = int(os.environ["SYMPHONY_TASK_LINE"]) - 1
lines[n] = lines[n].replace("[ ]", "[x]", 1)
doc.write_text("\\n".join(lines))
"""


@pytest.fixture
def world():
    with Sandbox() as sb:
        number, _ = scenario.seed(sb)
        yield sb, number


def _nothing_pushed(sb) -> None:
    assert sb.pulls(OWNER, REPO) == []
    assert [branch for branch in sb.branches(OWNER, REPO) if branch.startswith("symphony/")] == []


def test_a_file_over_githubs_limit_stops_the_run_before_anything_is_pushed(world, tmp_path, capsys) -> None:
    sb, number = world
    body = (
        "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
        "with open(repo / 'disk.img', 'wb') as handle:\n"
        "    handle.truncate(101 * 1024 * 1024)\n" + TICK  # sparse: no real write
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body))
    assert state.phase is Phase.FAILED
    assert state.last_error is not None and "over GitHub's 100.0 MiB limit for one file" in state.last_error
    [comment] = status_comments(sb, number)
    assert "100.0 MiB limit for one file" in comment.body
    assert "disk.img is 101.0 MiB, over GitHub's 100.0 MiB limit" in capsys.readouterr().err
    _nothing_pushed(sb)


def test_the_changed_file_cap_is_part_of_the_run_configuration(world, tmp_path, capsys) -> None:
    sb, number = world
    body = (
        "repo = pathlib.Path(os.environ['SYMPHONY_REPO'])\n"
        "for i in range(4):\n"
        "    (repo / f'generated-{i}.txt').write_text(str(i))\n" + TICK
    )
    state = run_issue(sb, number, agent=script_agent(tmp_path, body), max_changed_files=3)
    assert state.phase is Phase.FAILED
    assert state.last_error is not None and "changed 5 files, more than the 3 one task may change" in state.last_error
    [comment] = status_comments(sb, number)
    assert "more than the 3 one task may change" in comment.body
    assert "more than the 3 one task may change" in capsys.readouterr().err
    _nothing_pushed(sb)


@pytest.mark.usefixtures("attachments_served")
def test_an_attachments_entry_that_is_not_a_plain_folder_is_a_clear_outcome() -> None:
    with Sandbox() as sb:
        number = _attachment_world(sb, f"docs/a.md\n{ATTACHMENT_LINK}\n")
        sb.push_branch(OWNER, REPO, "main", {".symphony-attachments": "a file where the folder would be\n"})
        state = run_issue(sb, number)
        assert state.phase is Phase.FAILED
        assert state.last_error is not None
        assert "this repository has .symphony-attachments as a file, not a plain folder" in state.last_error
        [comment] = status_comments(sb, number)
        assert "not a plain folder" in comment.body
        _nothing_pushed(sb)
