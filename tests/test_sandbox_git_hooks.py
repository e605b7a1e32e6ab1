"""git_hooks.py and git_remote.py: which tokens may push workflow changes, judged on every commit a push brings
(merges too), refused per ref with GitHub's own words in git's status line. Real git against the sandbox remote.

GitHub's texts, as users quote them:
- App installation tokens and the Actions GITHUB_TOKEN: "refusing to allow a GitHub App to create or update
  workflow `...` without `workflows` permission" (peter-evans/create-pull-request#1234, repo-sync/github-sync#23);
- classic and fine-grained personal tokens: "refusing to allow a Personal Access Token to create or update workflow
  `...` without `workflow` scope" (epics-modules/pyDevSup#42; submersion-app/submersion#838 for fine-grained);
- OAuth App tokens: "refusing to allow an OAuth App to create or update workflow `...` without `workflow` scope"
  (gitpod-io/gitpod#1188).
Personal and OAuth tokens may commit a workflow file "if the same file (with both the same path and contents)
exists on another branch in the same repository"
(https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps, `workflow`).
"""

from __future__ import annotations

import pytest

from tests.sandbox_helpers import OWNER, REPO, git, with_token

APP = "(refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)"  # noqa: E501
PAT = "(refusing to allow a Personal Access Token to create or update workflow `.github/workflows/ci.yml` without `workflow` scope)"  # noqa: E501
OAUTH = (
    "(refusing to allow an OAuth App to create or update workflow `.github/workflows/ci.yml` without `workflow` scope)"
)
WORKFLOW = ".github/workflows/ci.yml"


def _clone(sb, tmp_path):
    work = tmp_path / "wc"
    git("clone", "-q", with_token(sb.git_url(OWNER, REPO), "maintainer-token"), str(work))
    return work


def _commit(work, path, text, message):
    (work / path).parent.mkdir(parents=True, exist_ok=True)
    (work / path).write_text(text)
    git("add", ".", cwd=work)
    git("commit", "-qm", message, cwd=work)


def _push(sb, work, token, branch):
    url = with_token(sb.git_url(OWNER, REPO), token)
    return git("push", url, f"HEAD:refs/heads/{branch}", cwd=work, check=False)


def _app_token(sb):
    permissions = {"contents": "write", "pull-requests": "write"}
    return sb.add_installation_token("symphony-runner", account=OWNER, permissions=permissions).token


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("app", APP), ("classic", PAT), ("fine-grained", PAT), ("oauth", OAUTH)],
)
def test_each_token_kind_is_refused_in_githubs_words(sb, tmp_path, kind, expected):
    token = {
        "app": lambda: _app_token(sb),
        "classic": lambda: _personal(sb, "ghp_noworkflow", scopes=["repo"]),
        "fine-grained": lambda: _personal(sb, "github_pat_noworkflow", permissions={"contents": "write"}),
        "oauth": lambda: _personal(sb, "gho_noworkflow", scopes=["repo"]),
    }[kind]()
    work = _clone(sb, tmp_path)
    git("checkout", "-qb", "symphony/1", cwd=work)
    _commit(work, WORKFLOW, "on: push\n", "ci")
    pushed = _push(sb, work, token, "symphony/1")
    assert pushed.returncode != 0
    assert f"! [remote rejected] HEAD -> symphony/1 {expected}" in pushed.stderr
    assert "symphony/1" not in sb.branches(OWNER, REPO)
    _commit(work, "notes.txt", "fine\n", "notes")  # the refused commit is still in what this push brings
    assert _push(sb, work, token, "symphony/1").returncode != 0


def _personal(sb, token, **limits):
    sb.add_personal_token("contributor", token, **limits)
    return token


def test_tokens_with_the_scope_or_permission_may_push_workflows(sb, tmp_path):
    work = _clone(sb, tmp_path)
    _commit(work, WORKFLOW, "on: push\n", "ci")
    fine = _personal(sb, "github_pat_withworkflows", permissions={"contents": "write", "workflows": "write"})
    assert _push(sb, work, fine, "fine").returncode == 0
    _commit(work, WORKFLOW, "on: [push, pull_request]\n", "ci again")
    classic = _personal(sb, "ghp_withworkflow", scopes=["repo", "workflow"])
    assert _push(sb, work, classic, "classic").returncode == 0


def test_a_merge_that_brings_workflow_changes_is_judged_too(sb, tmp_path):
    """The maintainer's `ci` branch changes a workflow; a token without the permission merges it into its own
    branch. The merge's diff against its first parent touches the workflow: an App token is refused. A classic
    token without `workflow` is not, because the same file already exists on another branch (`ci`)."""
    work = _clone(sb, tmp_path)
    git("checkout", "-qb", "ci", cwd=work)
    _commit(work, WORKFLOW, "on: push\n", "ci")
    assert _push(sb, work, "maintainer-token", "ci").returncode == 0
    git("checkout", "-qb", "symphony/1", "origin/main", cwd=work)
    _commit(work, "work.txt", "work\n", "work")
    git("merge", "-q", "--no-ff", "-m", "merge ci", "ci", cwd=work)
    refused = _push(sb, work, _app_token(sb), "symphony/1")
    assert refused.returncode != 0 and APP in refused.stderr
    classic = _personal(sb, "ghp_noworkflow", scopes=["repo"])
    assert _push(sb, work, classic, "symphony/1").returncode == 0
    assert "symphony/1" in sb.branches(OWNER, REPO)


def test_a_merge_of_an_unpushed_workflow_change_is_refused_for_personal_tokens_too(sb, tmp_path):
    work = _clone(sb, tmp_path)
    git("checkout", "-qb", "local-ci", cwd=work)
    _commit(work, WORKFLOW, "on: push\n", "ci")
    git("checkout", "-qb", "symphony/1", "origin/main", cwd=work)
    _commit(work, "work.txt", "work\n", "work")
    git("merge", "-q", "--no-ff", "-m", "merge local ci", "local-ci", cwd=work)
    refused = _push(sb, work, _personal(sb, "ghp_noworkflow", scopes=["repo"]), "symphony/1")
    assert refused.returncode != 0 and PAT in refused.stderr


def test_classic_scopes_and_fine_grained_contents_gate_every_push(sb, tmp_path):
    work = _clone(sb, tmp_path)
    _commit(work, "notes.txt", "notes\n", "notes")
    public_only = _personal(sb, "ghp_publiconly", scopes=["public_repo"])
    assert _push(sb, work, public_only, "public").returncode == 0  # the repository is public
    no_scope = _personal(sb, "ghp_noscope", scopes=[])
    assert _push(sb, work, no_scope, "none").returncode != 0
    read_only = _personal(sb, "github_pat_readonly", permissions={"contents": "read"})
    assert _push(sb, work, read_only, "read").returncode != 0
    assert "none" not in sb.branches(OWNER, REPO) and "read" not in sb.branches(OWNER, REPO)
