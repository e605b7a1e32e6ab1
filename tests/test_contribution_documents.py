"""Attachments are written where nothing can be planted in advance: the harness makes `.symphony-attachments`
itself (or uses the repository's plain folder), creates every file new, and follows no link on the way. A
repository that has `.symphony-attachments` as a link, a file or a submodule is refused with a sentence."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.contribution.config import ATTACHMENTS_FOLDER
from symphony_bot.contribution.documents import resolve_documents, restore_attachment_ticks
from symphony_bot.contribution.preflight import PreflightError
from symphony_bot.issues.body import DocumentReference
from symphony_bot.workspace.gitops import Identity, Remote, WorkTree
from tests.test_workspace_gitops import git

ATTACHMENT = b"# Extra\n\n- [ ] one\n- [ ] two\n"
URL = "https://github.com/user-attachments/files/123/extra.md"
NAME = "01-extra.md"  # github.attachments.file_name("extra.md", 1)


@pytest.fixture
def served(monkeypatch) -> Iterator[None]:
    """The real downloader, pointed at a local server for GitHub's attachment host."""
    from symphony_bot.github import attachments

    class Serve(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(ATTACHMENT)))
            self.end_headers()
            self.wfile.write(ATTACHMENT)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    real = attachments.download
    local = f"http://127.0.0.1:{httpd.server_address[1]}"

    def routed(url, name, cache_dir, **options):
        return real(url.replace("https://github.com", local), name, cache_dir, **options, https_only=False,
                    allowed_hosts={"127.0.0.1"})  # fmt: skip

    monkeypatch.setattr(attachments, "download", routed)
    yield
    httpd.shutdown()
    httpd.server_close()


def _tree(tmp_path: Path, plant=None) -> WorkTree:
    """A work tree on a local repository whose first commit holds what `plant(work)` made."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "README.md").write_text("hi\n")
    if plant is not None:
        plant(work)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "one")
    home = tmp_path / "home"
    home.mkdir()
    return WorkTree(work, work / ".git", home, Remote("https://example.invalid/o/r.git"))


REFERENCE = DocumentReference(name="extra.md", path=None, url=URL, line=3)


def _resolve(tree: WorkTree, tmp_path: Path) -> list[Path]:
    return resolve_documents(tree, [REFERENCE], tmp_path / "cache")


def test_the_folder_is_made_fresh_and_never_committed(served, tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    [path] = _resolve(tree, tmp_path)
    assert path == tree.path.resolve() / ATTACHMENTS_FOLDER / NAME
    assert path.read_bytes() == ATTACHMENT and not path.is_symlink()
    (tree.path / "work.txt").write_text("done\n")
    assert tree.commit_all("x", Identity("b", "b@example.com")).created
    assert tree.run("ls-tree", "-r", "--name-only", "HEAD") == "README.md\nwork.txt"


@pytest.mark.parametrize(
    ("kind", "plant"),
    [
        ("a symbolic link", lambda work: (work / ATTACHMENTS_FOLDER).symlink_to(work.parent / "elsewhere")),
        ("a symbolic link", lambda work: (work / ATTACHMENTS_FOLDER).symlink_to("/etc")),
        ("a file", lambda work: (work / ATTACHMENTS_FOLDER).write_text("not a folder\n")),
    ],
)
def test_a_repository_with_something_else_there_is_refused(served, tmp_path: Path, kind: str, plant) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    tree = _tree(tmp_path, plant)
    with pytest.raises(PreflightError, match=f"this repository has {ATTACHMENTS_FOLDER} as {kind}, not a plain"):
        _resolve(tree, tmp_path)
    assert list(elsewhere.iterdir()) == []
    assert not Path("/etc", NAME).exists()


def test_a_submodule_there_is_refused(served, tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    head = tree.head()
    git(tree.path, "update-index", "--add", "--cacheinfo", f"160000,{head},{ATTACHMENTS_FOLDER}")
    git(tree.path, "commit", "-qm", "submodule")
    (tree.path / ATTACHMENTS_FOLDER).mkdir()  # what a checkout leaves for a submodule: an empty folder
    with pytest.raises(PreflightError, match=f"has {ATTACHMENTS_FOLDER} as a submodule"):
        _resolve(tree, tmp_path)


def test_a_link_planted_in_the_work_tree_is_refused(served, tmp_path: Path) -> None:
    """Not committed, but there (an earlier step of the run, or a survivor): still never followed."""
    tree = _tree(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tree.path / ATTACHMENTS_FOLDER).symlink_to(elsewhere)
    with pytest.raises(PreflightError, match="as a symbolic link"):
        _resolve(tree, tmp_path)
    assert list(elsewhere.iterdir()) == []


def test_a_link_inside_the_repositorys_plain_folder_is_replaced_not_followed(served, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")

    def plant(work: Path) -> None:
        (work / ATTACHMENTS_FOLDER).mkdir()
        (work / ATTACHMENTS_FOLDER / "keep.md").write_text("the repository's own\n")
        (work / ATTACHMENTS_FOLDER / NAME).symlink_to(victim)

    tree = _tree(tmp_path, plant)
    [path] = _resolve(tree, tmp_path)
    assert victim.read_text() == "precious\n"
    assert not path.is_symlink() and path.read_bytes() == ATTACHMENT
    assert (tree.path / ATTACHMENTS_FOLDER / "keep.md").read_text() == "the repository's own\n"
    (tree.path / "work.txt").write_text("done\n")
    tree.commit_all("x", Identity("b", "b@example.com"))
    # The repository's link stays as committed: the attachment itself never enters a commit.
    assert tree.run("ls-tree", "--name-only", "HEAD", f"{ATTACHMENTS_FOLDER}/") == (
        f"{ATTACHMENTS_FOLDER}/{NAME}\n{ATTACHMENTS_FOLDER}/keep.md"
    )
    assert tree.run("cat-file", "-p", f"HEAD:{ATTACHMENTS_FOLDER}/{NAME}") == str(victim)


def test_restoring_ticks_rewrites_the_file_and_follows_no_link_swapped_in(served, tmp_path, monkeypatch) -> None:
    from symphony_bot.contribution import documents

    # The PR body's format belongs to the status renderer; here only the rewrite is under test.
    monkeypatch.setattr(documents, "ticked_in_body", lambda body, name: {documents.task_text_in_body("one")})
    tree = _tree(tmp_path)
    [path] = _resolve(tree, tmp_path)
    assert restore_attachment_ticks(tree.path, [path], "body") == 1
    assert path.read_text() == "# Extra\n\n- [x] one\n- [ ] two\n"

    victim = tmp_path / "victim.md"
    victim.write_bytes(ATTACHMENT)
    path.unlink()
    path.symlink_to(victim)
    with pytest.raises(OSError):
        restore_attachment_ticks(tree.path, [path], "body")
    assert victim.read_bytes() == ATTACHMENT


def test_the_folder_stays_out_of_commits_whatever_the_agent_turns_it_into(served, tmp_path: Path) -> None:
    """After the documents are written, the agent swaps the folder for a link: committed, the next run would
    meet it. Both the private exclusion (now for any kind of entry) and the reset of the path keep it out."""
    import shutil

    tree = _tree(tmp_path)
    _resolve(tree, tmp_path)
    shutil.rmtree(tree.path / ATTACHMENTS_FOLDER)
    (tree.path / ATTACHMENTS_FOLDER).symlink_to("/etc")
    (tree.path / "work.txt").write_text("done\n")
    assert tree.commit_all("x", Identity("b", "b@example.com")).created
    assert tree.run("ls-tree", "-r", "--name-only", "HEAD") == "README.md\nwork.txt"
