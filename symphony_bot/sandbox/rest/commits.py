"""GitHub's `repos` operations on commits: list, get one (with stats and files), compare two (`base...head`),
all read from the real bare repositories."""

from __future__ import annotations

from typing import Any

from symphony_bot.sandbox import rest_render_git as render_git
from symphony_bot.sandbox import rest_render_issues as render_issues
from symphony_bot.sandbox.git_repositories import EMPTY_TREE, BareRepositories
from symphony_bot.sandbox.rest.context import Context, Reply, page_reply
from symphony_bot.sandbox.state import ChangedFile, Repository, SandboxError, not_found

MAX_LISTED_COMMITS = 1000
MAX_COMPARED_COMMITS = 250
MESSAGE_NO_COMMIT = "No commit found for SHA: {ref}"
MESSAGE_NOT_FOUND = "Not Found"


def _git(context: Context) -> BareRepositories:
    if context.repositories is None:
        raise not_found()
    return context.repositories


def _resolve(context: Context, repo: Repository, ref: str) -> tuple[Repository, str] | None:
    """A branch, `owner:branch` in the same network, or a commit SHA -> (repository, sha)."""
    target = repo
    if ":" in ref:
        owner, ref = ref.split(":", 1)
        target, _ = context.state.resolve_head(repo, f"{owner}:{ref}")
    sha = target.branches.get(ref)
    if sha is None and _git(context).commit_info(target, ref) is not None:
        sha = ref
    return (target, sha) if sha is not None else None


def commit_with_stats(context: Context, repo: Repository, sha: str) -> dict[str, Any]:
    git = _git(context)
    info = git.commit_info(repo, sha)
    if info is None:
        raise SandboxError(422, MESSAGE_NO_COMMIT.format(ref=sha))
    body = render_git.commit_json(context.urls, context.state, repo, sha, info)
    parent = info["parents"][0] if info["parents"] else EMPTY_TREE
    files = git.diff(repo, parent, sha)
    additions, deletions = sum(f.additions for f in files), sum(f.deletions for f in files)
    body["stats"] = {"total": additions + deletions, "additions": additions, "deletions": deletions}
    body["files"] = [render_issues.diff_entry_json(context.urls, repo, sha, changed) for changed in files]
    return body


def list_commits(context: Context) -> Reply:
    repo = context.repo()
    ref = context.arg("sha") or repo.default_branch
    found = _resolve(context, repo, ref)
    shas = _git(context).log(repo, found[1], MAX_LISTED_COMMITS) if found is not None else None
    if shas is None:
        raise not_found()
    git = _git(context)

    def one(sha: str) -> dict[str, Any]:
        info = git.commit_info(repo, sha)
        if info is None:
            raise not_found()
        return render_git.commit_json(context.urls, context.state, repo, sha, info)

    return page_reply(context, shas, one)


def get_commit(context: Context) -> Reply:
    repo = context.repo()
    ref = context.params["ref"]
    found = _resolve(context, repo, ref)
    if found is None:
        raise SandboxError(422, MESSAGE_NO_COMMIT.format(ref=ref))
    return Reply(200, commit_with_stats(context, repo, found[1]))


def compare_commits(context: Context) -> Reply:
    repo = context.repo()
    base_ref, separator, head_ref = context.params["basehead"].partition("...")
    if not separator:
        raise not_found()
    base, head = _resolve(context, repo, base_ref), _resolve(context, repo, head_ref)
    if base is None or head is None:
        raise not_found()
    git = _git(context)
    comparison = git.compare(repo, base[1], head[0], head[1])
    ahead, behind = len(comparison.commits), comparison.behind_by
    status = (
        "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else "diverged"
    )
    base_info = git.commit_info(repo, base[1])
    merge_base_info = git.commit_info(repo, comparison.merge_base)
    if base_info is None:
        raise not_found()
    path = f"/{repo.full_name}/compare/{context.params['basehead']}"
    listed = comparison.commits[:MAX_COMPARED_COMMITS]
    return Reply(
        200,
        {
            "url": context.urls.api(f"/repos{path}"),
            "html_url": context.urls.html(path),
            "permalink_url": context.urls.html(f"/{repo.full_name}/compare/{base[1]}...{head[1]}"),
            "diff_url": context.urls.html(f"{path}.diff"),
            "patch_url": context.urls.html(f"{path}.patch"),
            "base_commit": render_git.commit_json(context.urls, context.state, repo, base[1], base_info),
            "merge_base_commit": render_git.commit_json(
                context.urls, context.state, repo, comparison.merge_base, merge_base_info or base_info
            ),
            "status": status,
            "ahead_by": ahead,
            "behind_by": behind,
            "total_commits": ahead,
            "commits": [_commit(context, repo, sha) for sha in listed],
            "files": [_file(context, repo, head[1], changed) for changed in comparison.files],
        },
    )


def _commit(context: Context, repo: Repository, sha: str) -> dict[str, Any]:
    info = _git(context).commit_info(repo, sha)
    if info is None:
        raise not_found()
    return render_git.commit_json(context.urls, context.state, repo, sha, info)


def _file(context: Context, repo: Repository, ref: str, changed: ChangedFile) -> dict[str, Any]:
    return render_issues.diff_entry_json(context.urls, repo, ref, changed)
