"""The start check on real files: paths walked as the kernel walks them, `#!` lines split as the kernel splits them,
and the verdict for the user the agent runs as (run as root: a fresh uid, for which only the "other" bits count)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.agents.build import build_agent
from symphony_bot.agents.executable_check import (
    PER_TASK_USER,
    check_start,
    env_program,
    program_of,
    shebang,
    walk,
)
from tests.autorun_helpers import reachable_tmp

# What the agent's user may not enter: as root a 0700 folder is closed to the per-task uid (an "other"); a bot that
# is not root runs the agent as itself, and only a folder closed to its owner keeps it out.
CLOSED = 0o700 if os.geteuid() == 0 else 0o000
SHELL = os.path.realpath(shutil.which("sh") or "/bin/sh")


@pytest.fixture(name="tmp_path")
def reachable_tmp_path() -> Iterator[Path]:
    """A folder every user may enter (pytest's own may be closed): only what a test closes is closed."""
    with reachable_tmp() as path:
        yield path


@pytest.fixture(autouse=True)
def _reopen_closed_folders(tmp_path: Path) -> Iterator[None]:
    yield
    for folder in tmp_path.rglob("*"):
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)


def script(path: Path, first_line: str, mode: int = 0o755) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{first_line}\necho done\n")
    path.chmod(mode)
    return path


def closed_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def close(folder: Path) -> None:
    folder.chmod(CLOSED)


def verdict(program: str | Path, search_path: str | None = None, cwd: Path | None = None):
    per_task_uid = os.geteuid() == 0
    return check_start("command", str(program), per_task_uid=per_task_uid, search_path=search_path, cwd=cwd or "/")


def test_walk_follows_every_link_the_way_the_kernel_does(tmp_path) -> None:
    (tmp_path / "real" / "bin").mkdir(parents=True)
    target = script(tmp_path / "real" / "bin" / "agent", "#!/bin/sh")
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "relative").symlink_to("../real/bin/agent")
    (tmp_path / "links" / "chain").symlink_to(tmp_path / "links" / "relative")
    folders, reached = walk(str(tmp_path / "links" / "chain"), "/")
    assert reached == str(target)
    # the link's own folder, then the folders of the place it points to
    assert str(tmp_path / "links") in folders and str(tmp_path / "real" / "bin") in folders
    assert folders.index(str(tmp_path / "links")) < folders.index(str(tmp_path / "real" / "bin"))
    folders, reached = walk("bin/agent", str(tmp_path / "real"))
    assert reached == str(target) and folders == [str(tmp_path / "real"), str(tmp_path / "real" / "bin")]


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        (b"#!/bin/sh\n", ("/bin/sh", "")),
        (b"#! /usr/bin/python3 -u\n", ("/usr/bin/python3", "-u")),
        (b"#!/usr/bin/env\tnode  --flag \n", ("/usr/bin/env", "node  --flag")),  # one argument, as the kernel passes it
        (b"#!/bin/bash", ("/bin/bash", "")),  # no line end
        (b"echo not a script\n", None),
        (b"#!\n", None),
        (b"\x7fELF\x02\x01", None),
    ],
)
def test_shebang_lines_split_as_the_kernel_splits_them(tmp_path, first_line, expected) -> None:
    path = tmp_path / "file"
    path.write_bytes(first_line + b"rest\n" if first_line.endswith(b"\n") else first_line)
    assert shebang(str(path)) == expected


@pytest.mark.parametrize(
    ("argument", "program"),
    [("node", "node"), ("-S node --flag", "node"), ("-S -i LANG=C python3 -u", "python3"), ("-i", None), ("", None)],
)
def test_the_program_env_starts(argument, program) -> None:
    assert env_program(argument) == program


def test_the_program_of_each_kind_of_agent() -> None:
    assert program_of(build_agent("command", command="./agent.sh --fast")) == "./agent.sh"
    assert program_of(build_agent("claude", executable="/opt/claude")) == "/opt/claude"
    assert program_of(build_agent("codex")) == "codex"


def test_a_script_in_a_folder_the_agents_user_may_not_enter_is_refused(tmp_path) -> None:
    folder = closed_folder(tmp_path / "private")
    agent = script(folder / "agent.sh", "#!/bin/sh")
    close(folder)
    refusal = verdict(agent).refusal
    assert refusal is not None and str(folder) in refusal and str(agent) in refusal
    assert f"chmod o+x {folder}" in refusal
    if os.geteuid() == 0:
        assert PER_TASK_USER in refusal


def test_a_script_the_agents_user_may_not_read_is_refused(tmp_path) -> None:
    agent = script(tmp_path / "agent.sh", "#!/bin/sh", mode=0o711 if os.geteuid() == 0 else 0o311)
    refusal = verdict(agent).refusal
    assert refusal is not None and "may not read" in refusal and f"chmod o+rx {agent}" in refusal


def test_a_program_env_starts_from_a_closed_folder_is_refused_and_an_open_one_later_on_path_is_taken(tmp_path) -> None:
    closed = closed_folder(tmp_path / "closed-bin")
    script(closed / "tool", "#!/bin/sh")
    close(closed)
    agent = script(tmp_path / "agent.sh", "#!/usr/bin/env tool")
    refusal = verdict(agent, search_path=f"{closed}:/usr/bin").refusal
    assert refusal is not None and str(closed) in refusal
    opened = tmp_path / "open-bin"
    script(opened / "tool", "#!/bin/sh")
    assert verdict(agent, search_path=f"{closed}:{opened}:/usr/bin").refusal is None  # execvp goes on past EACCES
    missing = verdict(agent, search_path="/usr/bin").refusal
    assert missing is not None and "tool" in missing and "not on the agent's PATH" in missing


def test_a_program_found_on_path_is_named_with_where_it_was_found(tmp_path) -> None:
    closed = closed_folder(tmp_path / "shims")
    script(closed / "python", "#!/bin/sh")
    close(closed)
    refusal = verdict("python", search_path=str(closed)).refusal
    assert refusal is not None and f"(`python` is {closed / 'python'})" in refusal


def test_a_fine_script_and_a_missing_program_pass(tmp_path) -> None:
    assert verdict(script(tmp_path / "agent.sh", "#!/bin/sh")) == verdict("true")
    assert verdict("true").refusal is None and verdict("true").warnings == ()
    # not found: the first task says so with the CLI's install hint (AGENT_NOT_FOUND)
    assert verdict(tmp_path / "no-such-agent").refusal is None


def test_a_relative_path_waits_for_the_working_folder(tmp_path) -> None:
    folder = closed_folder(tmp_path / "repo" / "private")
    script(folder / "agent.sh", "#!/bin/sh")
    close(folder)
    assert check_start("command", "private/agent.sh", per_task_uid=True, cwd=None).refusal is None  # no clone yet
    refusal = verdict("private/agent.sh", cwd=tmp_path / "repo").refusal
    assert refusal is not None and str(folder) in refusal


def test_an_interpreter_in_a_closed_folder_is_a_warning_when_root_starts_it(tmp_path) -> None:
    folder = closed_folder(tmp_path / "private")
    interpreter = folder / "sh"
    shutil.copy(SHELL, interpreter)
    interpreter.chmod(0o700)
    agent = script(tmp_path / "agent.sh", f"#!{interpreter}")
    close(folder)
    checked = verdict(agent)
    if os.geteuid() != 0:  # the bot's own user starts it: the kernel refuses it
        assert checked.refusal is not None and str(folder) in checked.refusal and "interpreter" in checked.refusal
        return
    # setpriv still holds root's rights when it calls execve: the kernel reaches the interpreter (the command-line
    # test shows the task running); what the interpreter reads later, it reads as the agent's uid.
    assert checked.refusal is None
    (warning,) = checked.warnings
    assert str(interpreter) in warning and str(folder) in warning and "may fail" in warning
