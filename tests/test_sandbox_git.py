"""Real `git` over smart HTTP against the sandbox: token auth, push updates the API state."""

from __future__ import annotations

import base64
import os

from tests.sandbox_helpers import OWNER, REPO, git, github, with_token


def test_clone_push_and_open_a_pull_on_the_pushed_head(sb, tmp_path):
    url = with_token(sb.git_url(OWNER, REPO), "contributor-token")
    git("clone", "-q", url, str(tmp_path / "wc"))
    assert (tmp_path / "wc" / "docs" / "tasks.md").read_text() == "- [ ] one\n"
    git("checkout", "-qb", "symphony/1-abc", cwd=tmp_path / "wc")
    (tmp_path / "wc" / "docs" / "tasks.md").write_text("- [x] one\n")
    git("commit", "-qam", "Tick", cwd=tmp_path / "wc")
    git("push", "-q", "origin", "symphony/1-abc", cwd=tmp_path / "wc")
    head = git("rev-parse", "HEAD", cwd=tmp_path / "wc").stdout.strip()
    assert sb.branches(OWNER, REPO)["symphony/1-abc"] == head
    pull = (
        github(sb, "contributor")
        .get_repo(f"{OWNER}/{REPO}")
        .create_pull(base="main", head="symphony/1-abc", title="t", body="", draft=True)
    )
    assert pull.head.sha == head and pull.commits == 1
    (tmp_path / "wc" / "more.txt").write_text("more\n")
    git("add", ".", cwd=tmp_path / "wc")
    git("commit", "-qm", "More", cwd=tmp_path / "wc")
    git("push", "-q", "origin", "symphony/1-abc", cwd=tmp_path / "wc")
    new_head = git("rev-parse", "HEAD", cwd=tmp_path / "wc").stdout.strip()
    again = github(sb, "contributor").get_repo(f"{OWNER}/{REPO}").get_pull(pull.number)
    assert again.head.sha == new_head and again.commits == 2
    pushes = [entry for entry in sb.requests if entry.operation == "git/receive-pack" and entry.method == "POST"]
    assert len(pushes) == 2 and {entry.login for entry in pushes} == {"contributor"}


def test_wrong_token_and_read_only_user_are_refused(sb, tmp_path):
    sb.create_repo(OWNER, "secret", private=True)
    bad = git("ls-remote", with_token(sb.git_url(OWNER, "secret"), "wrong"), check=False)
    assert bad.returncode == 128 and "Authentication failed" in bad.stderr
    header = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:wrong").decode()
    # A credential that is sent is checked even where anonymous reads would do (public repository).
    refused = git("-c", f"http.extraheader={header}", "ls-remote", sb.git_url(OWNER, REPO), check=False)
    assert refused.returncode == 128
    wc = tmp_path / "push"
    git("init", "-q", str(wc))
    git("commit", "-q", "--allow-empty", "-m", "x", cwd=wc)
    wrong_push = git("push", with_token(sb.git_url(OWNER, REPO), "wrong"), "HEAD:refs/heads/w", cwd=wc, check=False)
    assert wrong_push.returncode == 128 and "Authentication failed" in wrong_push.stderr
    git("clone", "-q", with_token(sb.git_url(OWNER, REPO), "stranger-token"), str(tmp_path / "wc"))
    git("commit", "-q", "--allow-empty", "-m", "x", cwd=tmp_path / "wc")
    refused = git("push", "origin", "HEAD:refs/heads/stranger", cwd=tmp_path / "wc", check=False)
    assert refused.returncode != 0 and "stranger" not in sb.branches(OWNER, REPO)
    hidden = git("ls-remote", with_token(sb.git_url(OWNER, "secret"), "stranger-token"), check=False)
    assert hidden.returncode != 0


def test_extraheader_basic_scheme_like_actions_checkout_and_token_as_user_name(sb, tmp_path):
    header = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:maintainer-token").decode()
    work = tmp_path / "wc"
    git("init", "-q", "-b", "side", str(work))
    (work / "f.txt").write_text("1\n")
    git("add", ".", cwd=work)
    git("commit", "-qm", "c", cwd=work)
    url = sb.git_url(OWNER, REPO)
    git("-c", f"http.{sb.api_url}/.extraheader={header}", "push", "-q", url, "HEAD:refs/heads/side", cwd=work)
    assert "side" in sb.branches(OWNER, REPO)
    listing = git("ls-remote", with_token(url, "x-oauth-basic", user="maintainer-token")).stdout
    assert "refs/heads/side" in listing


def test_large_push_is_dechunked(sb, tmp_path):
    work = tmp_path / "wc"
    git("clone", "-q", with_token(sb.git_url(OWNER, REPO), "maintainer-token"), str(work))
    (work / "big.bin").write_bytes(os.urandom(1_500_000))  # above http.postBuffer: git sends it chunked
    git("add", ".", cwd=work)
    git("commit", "-qm", "big", cwd=work)
    git("push", "-q", "origin", "HEAD:refs/heads/big", cwd=work)
    assert sb.branches(OWNER, REPO)["big"] == git("rev-parse", "HEAD", cwd=work).stdout.strip()


def test_fork_has_its_own_bare_repository(sb, tmp_path):
    sb.fork(OWNER, REPO, "stranger")
    git("clone", "-q", with_token(sb.git_url("stranger", REPO), "stranger-token"), str(tmp_path / "wc"))
    (tmp_path / "wc" / "w.txt").write_text("w\n")
    git("add", ".", cwd=tmp_path / "wc")
    git("commit", "-qm", "w", cwd=tmp_path / "wc")
    git("push", "-q", "origin", "HEAD:refs/heads/work", cwd=tmp_path / "wc")
    assert "work" in sb.branches("stranger", REPO) and "work" not in sb.branches(OWNER, REPO)
    pull = sb.open_pull(OWNER, REPO, "work", head_owner="stranger", title="from fork")
    assert pull.pull is not None and pull.pull.commits == 1
