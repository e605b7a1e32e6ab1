"""The diff hunk GitHub stores with a review comment: the unified diff of the commented file (merge base to the
PR's head, three lines of context) from its `@@` header down to the commented line, as the REST `diff_hunk` and
GraphQL `diffHunk` show it (@octokit/openapi `pull-request-review-comment.diff_hunk`; the examples in
@octokit/webhooks-examples `pull_request_review_comment.created` end at the commented line).

A line outside every hunk cannot carry a comment: GitHub answers 422 "pull_request_review_thread.line must be part
of the diff" (None here; the caller refuses).
"""

from __future__ import annotations

import re
import subprocess

from symphony_bot.sandbox.git_repositories import BareRepositories
from symphony_bot.sandbox.state import Repository

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def file_patch(
    repositories: BareRepositories, base: Repository, base_sha: str, head: Repository, head_sha: str, *, path: str
) -> str:
    """The unified diff of `path` from the merge base of base_sha and head_sha to head_sha ("" if unchanged)."""
    merge_base = repositories.compare(base, base_sha, head, head_sha).merge_base  # brings a fork's objects too
    result = subprocess.run(
        ["git", f"--git-dir={repositories.path(base)}", "diff", "-U3", merge_base, head_sha, "--", path],
        capture_output=True,
        check=False,
    )
    return result.stdout.decode(errors="replace") if result.returncode == 0 else ""


def hunk_for_line(patch: str, line: int, side: str = "RIGHT") -> str | None:
    """The hunk of `patch` that shows `line` (new file numbering on RIGHT, old on LEFT), cut after that line."""
    hunk: list[str] = []
    old = new = 0
    in_hunk = False
    for text in patch.splitlines():
        header = HUNK_HEADER.match(text)
        if header:
            hunk, in_hunk = [text], True
            old, new = int(header.group(1)), int(header.group(2))
            continue
        if not in_hunk or text.startswith("\\"):
            continue
        marker = text[:1]
        hunk.append(text)
        if marker == "-":
            if side == "LEFT" and old == line:
                return "\n".join(hunk)
            old += 1
        elif marker == "+":
            if side == "RIGHT" and new == line:
                return "\n".join(hunk)
            new += 1
        else:
            if (side == "RIGHT" and new == line) or (side == "LEFT" and old == line):
                return "\n".join(hunk)
            old, new = old + 1, new + 1
    return None
