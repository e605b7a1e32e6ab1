"""Writes relative to a folder's descriptor follow nothing: a link, a FIFO or a hard link in the way fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symphony_bot.workspace import safe_files


@pytest.fixture
def folder(tmp_path: Path):
    descriptor = safe_files.open_directory(tmp_path)
    yield tmp_path, descriptor
    os.close(descriptor)


def test_a_new_folder_fails_on_anything_already_there_even_a_dangling_link(folder) -> None:
    path, fd = folder
    (path / "dangling").symlink_to(path / "nowhere")
    with pytest.raises(FileExistsError):
        safe_files.make_directory(fd, "dangling")
    assert not (path / "nowhere").exists()
    made = safe_files.make_directory(fd, "fresh")
    os.close(made)
    assert (path / "fresh").is_dir()


def test_a_link_to_a_folder_is_not_opened_as_one(folder, tmp_path_factory) -> None:
    path, fd = folder
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (path / "linked").symlink_to(elsewhere)
    with pytest.raises(OSError):
        safe_files.open_child_directory(fd, "linked")
    with pytest.raises(OSError):
        safe_files.open_directory(path / "linked")
    assert safe_files.kind_of(fd, "linked") == "symbolic link"


def test_new_files_never_follow_and_replace_removes_the_link_itself(folder, tmp_path_factory) -> None:
    path, fd = folder
    victim = tmp_path_factory.mktemp("victim") / "precious"
    victim.write_text("precious")
    (path / "doc.md").symlink_to(victim)
    with pytest.raises(FileExistsError):
        safe_files.create_file(fd, "doc.md", b"new")
    safe_files.create_file(fd, "doc.md", b"new", replace=True)
    assert victim.read_text() == "precious" and (path / "doc.md").read_bytes() == b"new"
    assert not (path / "doc.md").is_symlink()
    for name in ("", ".", "..", "a/b"):
        with pytest.raises(safe_files.NotPlain):
            safe_files.create_file(fd, name, b"x")


def test_rewriting_refuses_links_fifos_and_hard_links(folder, tmp_path_factory) -> None:
    path, fd = folder
    victim = tmp_path_factory.mktemp("victim") / "precious"
    victim.write_text("precious")
    (path / "link.md").symlink_to(victim)
    with pytest.raises(OSError):
        safe_files.rewrite_file(fd, "link.md", b"x")
    os.mkfifo(path / "fifo.md")
    with pytest.raises(OSError):  # opened without blocking (no reader: ENXIO), never hangs
        safe_files.rewrite_file(fd, "fifo.md", b"x")
    with pytest.raises(safe_files.NotPlain):  # opened for reading without blocking, then: not a regular file
        safe_files.read_file(fd, "fifo.md")
    os.link(victim, path / "hard.md")
    with pytest.raises(safe_files.NotPlain):
        safe_files.read_file(fd, "hard.md")
    assert victim.read_text() == "precious"
    safe_files.create_file(fd, "plain.md", b"old")
    safe_files.rewrite_file(fd, "plain.md", b"new")
    assert safe_files.read_file(fd, "plain.md") == b"new"
