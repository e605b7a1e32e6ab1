"""Documents are trusted only at start (issue 9, item 1): every read and write goes through the same checks.

The engine cases are the reproducers: a real `command` agent replaces its document (or the `runs/` folder)
during its task, and the engine must refuse that document with an event, never read or write through the
replacement, and still end the run with `complete`.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symphony_bot.autorun import events
from symphony_bot.autorun.document_files import (
    MAX_DOCUMENT_BYTES,
    DocumentRefused,
    create_working_copy,
    read_document,
)
from symphony_bot.autorun.engine import StopReason
from symphony_bot.commands.autorun import exit_code_for
from tests.autorun_helpers import AGENT_PYTHON, TICK, reachable_tmp, run_engine, script_agent

# The agent replaces its document with what `make` (below) builds, after ticking its box.
SWAP = """
import os, sys
doc = os.environ["SYMPHONY_DOC"]
lines = open(doc).read().split("\\n")
line = int(os.environ["SYMPHONY_TASK_LINE"])
lines[line - 1] = lines[line - 1].replace("[ ]", "[x]", 1)
open(doc, "w").write("\\n".join(lines))
kind, target = sys.argv[1], sys.argv[2]
os.remove(doc)
if kind == "symlink":
    os.symlink(target, doc)
elif kind == "fifo":
    os.mkfifo(doc)
elif kind == "hardlink":
    os.link(target, doc)
elif kind == "folder-link":
    folder = os.path.dirname(doc)
    os.rename(folder, folder + "-moved")
    os.symlink(target, folder)
print("swapped", kind)
"""


def swapping_agent(tmp_path: Path, kind: str, target: Path):
    agent = script_agent(tmp_path, "swap", SWAP)
    agent.argv = [*agent.argv, kind, str(target)]
    return agent


def ended_with_refusal(summary, received, *documents: str, read_as: tuple[str, ...] = ()) -> None:
    """`documents` were refused (`read_as`: the working copies that were being read, when not the documents)."""
    refusals = [e for e in received if e["type"] == "error" and e["code"] == events.DOCUMENT_REFUSED]
    assert [e["document"] for e in refusals] == list(read_as or documents), refusals
    assert received[-1]["type"] == "complete" and received[-1]["refusedDocuments"] == list(documents)
    assert summary.stop_reason is StopReason.DOCUMENT_UNREADABLE and exit_code_for(summary.stop_reason) == 1
    assert received[-1]["exitCode"] == 1 and received[-1]["success"] is False


def test_a_document_swapped_for_a_symlink_to_dev_zero_is_refused_not_read(tmp_path) -> None:
    agent = swapping_agent(tmp_path, "symlink", Path("/dev/zero"))  # read, it never ends: pytest's timeout
    summary, received, _ = run_engine(tmp_path, agent, {"plan.md": "- [ ] a\n- [ ] b\n"})
    ended_with_refusal(summary, received, "plan.md")
    assert "symbolic link" in received[-2]["message"]
    assert [e["type"] for e in received].count("task_start") == 1


def test_a_document_swapped_for_a_fifo_does_not_block_the_engine(tmp_path) -> None:
    agent = swapping_agent(tmp_path, "fifo", tmp_path)
    summary, received, _ = run_engine(tmp_path, agent, {"plan.md": "- [ ] a\n- [ ] b\n"})
    ended_with_refusal(summary, received, "plan.md")
    assert "regular file" in received[-2]["message"]


def test_a_document_swapped_for_a_link_to_a_file_outside_is_refused_and_the_others_still_run(tmp_path) -> None:
    outside = tmp_path / "passwd"
    outside.write_text("- [ ] root:x:0:0\n- [x] daemon:x:1:1\n")
    agent = swapping_agent(tmp_path, "symlink", outside)
    documents = {"plan.md": "- [ ] a\n- [ ] b\n", "z-last.md": "- [ ] c\n"}
    summary, received, _ = run_engine(tmp_path, agent, documents)
    # The next document was still run (and swapped in its turn, by the same agent).
    ended_with_refusal(summary, received, "plan.md", "z-last.md")
    # The outside file's lines never became tasks, and it was never written.
    assert outside.read_text() == "- [ ] root:x:0:0\n- [x] daemon:x:1:1\n"
    assert not any("root:x" in str(e.get("task")) for e in received)
    assert [e["document"] for e in received if e["type"] == "task_start"] == ["plan.md", "z-last.md"]


def test_a_document_swapped_for_a_hard_link_is_refused(tmp_path) -> None:
    # The linked file lies in the work tree: Landlock already stops an agent from linking a file from outside
    # it (EXDEV), so only a link inside shows the engine's own check (a document has exactly one link).
    other = tmp_path / "repo" / "notes" / "other.md"
    other.parent.mkdir(parents=True)
    other.write_text("- [ ] x\n")
    agent = swapping_agent(tmp_path, "hardlink", other)
    summary, received, _ = run_engine(tmp_path, agent, {"plan.md": "- [ ] a\n- [ ] b\n"})
    ended_with_refusal(summary, received, "plan.md")
    assert "hard links" in received[-2]["message"]


def test_a_folder_above_the_document_swapped_for_a_link_is_refused(tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "plan.md").write_text("- [x] a\n- [x] b\n")
    agent = swapping_agent(tmp_path, "folder-link", elsewhere)
    summary, received, _ = run_engine(tmp_path, agent, {"docs/plan.md": "- [ ] a\n- [ ] b\n"})
    ended_with_refusal(summary, received, "docs/plan.md")


RELINK_RUNS = (
    TICK
    + """
import os, sys
runs = os.path.dirname(os.environ["SYMPHONY_DOC"])
if not os.path.islink(runs):
    os.rename(runs, runs + "-moved")
    os.symlink(sys.argv[1], runs)
"""
)


def test_a_symlinked_runs_folder_is_never_written_through(tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    agent = script_agent(tmp_path, "relink", RELINK_RUNS)
    agent.argv = [*agent.argv, str(outside)]
    summary, received, repo = run_engine(
        tmp_path, agent, {"plan.md": "- [ ] a\n"}, loop=True, max_loops=3, reset_on_completion=True
    )
    assert list(outside.iterdir()) == []  # nothing written outside the repository
    (copy,) = (repo / "runs-moved").iterdir()
    # The copy is re-read after the task through the swapped folder: refused, so its tick does not count.
    ended_with_refusal(summary, received, "plan.md", read_as=(f"runs/{copy.name}",))
    assert "symbolic link" in received[-2]["message"]
    assert (repo / "plan.md").read_text() == "- [ ] a\n" and summary.tasks_completed == 0


def test_a_clean_run_reports_no_refused_documents(tmp_path) -> None:
    summary, received, _ = run_engine(tmp_path, script_agent(tmp_path, "tick", TICK), {"plan.md": "- [ ] a\n"})
    assert summary.stop_reason is StopReason.COMPLETED and received[-1]["refusedDocuments"] == []


def test_sigterm_still_stops_a_run_whose_document_became_a_fifo() -> None:
    """The reproducer as a user meets it: before the fix the engine blocked in open() and ignored SIGTERM."""
    with reachable_tmp() as tmp_path:  # run as root, the agent runs as an unprivileged user of its own
        _fifo_under_the_command(tmp_path)


def _fifo_under_the_command(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "plan.md").write_text("- [ ] a\n- [ ] b\n")
    script = tmp_path / "swap.py"
    script.write_text(SWAP)
    command = f"{AGENT_PYTHON} {script} fifo -"
    binary = Path(sys.executable).parent / "symphony-bot"
    completed = subprocess.run(
        [str(binary), "autorun", "plan.md", "--agent", "command", "--agent-command", command],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert f"error [{events.DOCUMENT_REFUSED}]" in completed.stderr
    assert "stopped (document_unreadable)" in completed.stderr


# --- the checks themselves -------------------------------------------------------------------------------


def test_read_refuses_every_kind_of_replacement(tmp_path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    good = repo / "docs" / "plan.md"
    good.write_text("- [ ] a\n")
    assert read_document(good, repo) == "- [ ] a\n"
    (repo / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(repo / "fifo.md")
    (repo / "inner-link.md").symlink_to(good)  # a link inside the repository is refused too: nothing follows links
    (repo / "folder.md").mkdir()
    cases = {
        repo / "zero.md": "symbolic link",
        repo / "fifo.md": "regular file",
        repo / "inner-link.md": "symbolic link",
        repo / "folder.md": "regular file",
        repo / "missing.md": "No such file",
        tmp_path / "outside.md": "outside the repository",
        repo / "docs" / ".." / "docs" / "plan.md": "not a file path",
    }
    for path, reason in cases.items():
        with pytest.raises(DocumentRefused, match=reason):
            read_document(path, repo)


def test_read_enforces_the_size_cap_on_what_is_read(tmp_path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    big = repo / "big.md"
    big.write_bytes(b"x" * 101)
    with pytest.raises(DocumentRefused, match="larger than 100 bytes"):
        read_document(big, repo, limit=100)
    assert read_document(big, repo, limit=101) == "x" * 101
    assert MAX_DOCUMENT_BYTES == 16 * 1024 * 1024


def test_working_copies_never_overwrite_and_never_follow_links(tmp_path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    first = create_working_copy(repo / "runs", "plan-1-loop-1", b"one", repo)
    second = create_working_copy(repo / "runs", "plan-1-loop-1", b"two", repo)
    assert (first.name, second.name) == ("plan-1-loop-1.md", "plan-1-loop-1-2.md")
    assert (first.read_bytes(), second.read_bytes()) == (b"one", b"two")
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "docs").mkdir()
    (repo / "docs" / "runs").symlink_to(outside)
    with pytest.raises(DocumentRefused, match="symbolic link"):
        create_working_copy(repo / "docs" / "runs", "plan-2-loop-1", b"x", repo)
    assert list(outside.iterdir()) == []
