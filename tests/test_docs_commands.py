"""Every runnable example of the README and docs/ runs as written on a fresh copy of the checkout.

A fenced block with the info string `console` is runnable: a line starting with `$ ` is a command, the lines
after it are (part of) what it prints, in order; `…` stands for anything (a whole line of `…` for any number of
lines). The blocks of one page run in one bash, in order, so `. .venv/bin/activate`, `export` and a background
`&` job carry over, exactly as for a reader pasting them into one terminal. Each command must exit 0 and print
the lines shown.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.docs_pages import REPO_ROOT, fenced_blocks, pages

RUNNABLE = "console"
PROMPT = "$ "
ELLIPSIS = "…"
# The walk-through's sandbox port; each test run swaps in a free one so runs side by side cannot collide.
WALKTHROUGH_PORT = "8765"
# A safety net for a command that hangs (a sandbox that never starts): not a speed requirement.
SCRIPT_TIMEOUT_S = 900


@dataclass
class Example:
    command: str
    shown: list[str] = field(default_factory=list)


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    for info, lines in fenced_blocks(text):
        if info.split()[:1] != [RUNNABLE]:
            continue
        for line in lines:
            if line.startswith(PROMPT):
                found.append(Example(line[len(PROMPT) :]))
            elif line.strip():
                assert found, f"output before the first command in a {RUNNABLE} block: {line!r}"
                found[-1].shown.append(line)
    return found


def runnable_pages() -> list[Path]:
    return [page for page in pages() if examples(page.read_text(encoding="utf-8"))]


def _squeeze(line: str) -> str:
    return " ".join(line.split())


def _pattern(shown: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in _squeeze(shown).split(ELLIPSIS)))


def missing_lines(shown: list[str], printed: str) -> list[str]:
    """The shown lines that do not appear, in order, among the printed ones (whitespace runs compared as one)."""
    actual = [_squeeze(line) for line in printed.splitlines()]
    position = 0
    for index, line in enumerate(shown):
        if _squeeze(line) == ELLIPSIS:
            continue
        pattern = _pattern(line)
        while position < len(actual) and not pattern.fullmatch(actual[position]):
            position += 1
        if position == len(actual):
            return shown[index:]
        position += 1
    return []


def fresh_copy(destination: Path) -> Path:
    """The checkout's files as a fresh clone has them (tracked and new, nothing ignored), with the installed
    .venv and npm packages linked in (installing them again would take minutes)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file() and not source.is_symlink():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    (destination / ".venv").symlink_to(REPO_ROOT / ".venv")
    (destination / "tests" / "npm" / "node_modules").symlink_to(REPO_ROOT / "tests" / "npm" / "node_modules")
    return destination


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def script(commands: list[str], outputs: Path) -> str:
    """One bash script: each command's output to its own file, its exit status to `codes`; stop at a failure."""
    lines = ["set -u"]
    for number, command in enumerate(commands):
        lines += [
            f"{{ {command}\n}} > {outputs}/{number}.out 2>&1 < /dev/null",
            f"code=$?; echo {number} $code >> {outputs}/codes; [ $code = 0 ] || exit 0",
        ]
    return "\n".join(lines) + "\n"


def run_page(page: Path, tmp_path: Path) -> list[str]:
    """Run a page's examples; the problems found, one sentence each."""
    found = examples(page.read_text(encoding="utf-8"))
    port = free_port()
    commands = [example.command.replace(WALKTHROUGH_PORT, port) for example in found]
    checkout = fresh_copy(tmp_path / "checkout")
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (tmp_path / "home").mkdir()
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "LANG": "C.UTF-8",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
    }
    shell = subprocess.Popen(
        ["bash", "-c", script(commands, outputs)],
        cwd=checkout,
        env=environment,
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        shell.wait(timeout=SCRIPT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pass
    finally:
        # The page's background jobs (the sandbox) share the shell's session: nothing may outlive the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
        shell.wait()
    codes = (
        dict(line.split() for line in (outputs / "codes").read_text().splitlines())
        if (outputs / "codes").exists()
        else {}
    )
    problems = []
    for number, example in enumerate(found):
        where = f"{page.relative_to(REPO_ROOT)}: $ {example.command}"
        printed = (
            (outputs / f"{number}.out").read_text(errors="replace") if (outputs / f"{number}.out").exists() else ""
        )
        code = codes.get(str(number))
        if code is None:
            problems.append(f"{where} — did not finish{' (hung?)' if number == len(codes) else ''}:\n{printed}")
            break
        if code != "0":
            problems.append(f"{where} — exit status {code}:\n{printed}")
            break
        shown = [line.replace(WALKTHROUGH_PORT, port) for line in example.shown]
        missing = missing_lines(shown, printed)
        if missing:
            problems.append(f"{where} — does not print {missing[0]!r}; it printed:\n{printed}")
    return problems


@pytest.mark.timeout(SCRIPT_TIMEOUT_S + 60)
@pytest.mark.parametrize("page", runnable_pages(), ids=lambda page: page.name)
def test_every_runnable_example_runs_as_written(page: Path, tmp_path: Path) -> None:
    problems = run_page(page, tmp_path)
    assert not problems, "\n\n".join(problems)


def test_the_readme_and_the_walkthrough_have_runnable_examples() -> None:
    names = {page.name for page in runnable_pages()}
    assert {"README.md", "walkthrough.md"} <= names
    walkthrough = " ".join(example.command for example in examples((REPO_ROOT / "docs/walkthrough.md").read_text()))
    for step in (". .venv/bin/activate", "sandbox serve", "scan", "issue show", "run "):
        assert step in walkthrough


def test_examples_and_their_output_are_read_as_a_reader_reads_them() -> None:
    text = "```console\n$ echo a\na\n…\n$ true\n```\n```sh\n$ not run\n```\n"
    assert examples(text) == [Example("echo a", ["a", "…"]), Example("true")]
    assert missing_lines(["b … d", "…", "f"], "a\nb  c d\ne\nf\n") == []
    assert missing_lines(["f", "b"], "b\nf\n") == ["b"]
    assert missing_lines(["x"], "") == ["x"]


def test_the_script_stops_at_the_first_failing_command(tmp_path: Path) -> None:
    outputs = tmp_path / "o"
    outputs.mkdir()
    completed = subprocess.run(["bash", "-c", script(["echo hi", "false", "echo never"], outputs)], check=False)
    assert completed.returncode == 0
    assert (outputs / "codes").read_text().split("\n")[:2] == ["0 0", "1 1"]
    assert (outputs / "0.out").read_text() == "hi\n"
    assert not (outputs / "2.out").exists()
