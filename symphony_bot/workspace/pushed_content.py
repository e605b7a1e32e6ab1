"""What a commit of the index would push beyond `since` (the last push): how many paths change and the size of
every new file content, including content in commits the agent made itself. Two or three git processes; the
caps themselves are judged by push_caps (pure)."""

from __future__ import annotations

from collections.abc import Callable

from symphony_bot.workspace.push_caps import PushCaps, Verdict, judge

GitRun = Callable[..., str]  # WorkTree.run: git ARGS in the work tree -> stdout
_NO_CONTENT_MODES = ("000000", "160000")  # a deleted path; a submodule (a commit of another repository)


def judge_push(run: GitRun, since: str, caps: PushCaps) -> Verdict:
    changed = _changed_in_index(run, since)
    if len(changed) > caps.max_changed_files:
        return judge(len(changed), (), caps)  # no need to size ten thousand blobs to refuse
    names = {sha: path for path, sha in changed if sha}
    # Content of commits the agent made on its own since the last push (none when HEAD is `since`).
    for line in run("rev-list", "--objects", "HEAD", "--not", since).splitlines():
        sha, _, path = line.partition(" ")
        if path:
            names.setdefault(sha, path)
    if not names:
        return judge(len(changed), (), caps)
    checked = run("cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", stdin=_lines(names))
    blobs = []
    for line in checked.splitlines():
        sha, kind, size = [*line.split(" "), "", ""][:3]
        if kind == "blob" and size.isdigit():
            blobs.append((names.get(sha, sha), int(size)))
    blobs.sort(key=lambda blob: -blob[1])  # the largest first: the one a refusal names
    return judge(len(changed), blobs, caps)


def _changed_in_index(run: GitRun, since: str) -> list[tuple[str, str]]:
    """(path, new blob) of each path the index changes against `since`; deletions and submodules have no blob."""
    raw = run("diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", since)
    fields = raw.split("\0")
    changed = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.lstrip(":").split(" ")
        if len(parts) < 5:
            continue
        new_mode, new_sha = parts[1], parts[3]
        changed.append((path, "" if new_mode in _NO_CONTENT_MODES else new_sha))
    return changed


def _lines(names: dict[str, str]) -> bytes:
    return "".join(f"{sha}\n" for sha in names if sha).encode()
