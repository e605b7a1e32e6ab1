"""`git push --dry-run` as the question "may this token push?", against the sandbox's git server (git
http-backend), which like GitHub refuses the push service (`info/refs?service=git-receive-pack`) with 403 to a
token without write access, and with 401 to a token it does not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphony_bot.sandbox import Sandbox
from symphony_bot.workspace.gitops import GitError, Remote, WorkTree
from symphony_bot.workspace.push_probe import probe_push

BRANCH = "symphony/1-probe"


@pytest.fixture
def world(tmp_path: Path):
    with Sandbox() as sb:
        sb.add_user("owner", token="owner-token")
        sb.add_user("reader", token="reader-token")
        sb.create_repo("owner", "r", files={"README.md": "x\n"}, private=True)
        sb.set_permission("owner", "r", "reader", "read")
        url = sb.git_url("owner", "r")
        tree = WorkTree.clone(Remote(url, "owner-token"), "main", tmp_path / "w", tmp_path / "p")
        yield sb, tree, url


def test_a_token_that_may_push_is_accepted_and_nothing_is_pushed(world) -> None:
    sb, tree, url = world
    assert probe_push(tree, Remote(url, "owner-token"), BRANCH).accepted
    assert BRANCH not in sb.branches("owner", "r")


def test_a_token_that_may_only_read_is_refused_with_gits_words(world) -> None:
    _, tree, url = world
    probe = probe_push(tree, Remote(url, "reader-token"), BRANCH)
    assert not probe.accepted and "403" in probe.answer and "reader-token" not in probe.answer


def test_an_unknown_token_is_an_error_not_a_refusal(world) -> None:
    _, tree, url = world
    with pytest.raises(GitError):
        probe_push(tree, Remote(url, "no-such-token"), BRANCH)
