"""REST JSON shapes for branches, commits, git refs and repository contents (see rest_render)."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any

from symphony_bot.sandbox.rest_render import (
    JSON,
    Urls,
    login_json,
)
from symphony_bot.sandbox.state import (
    Repository,
    SandboxState,
)


def branch_short_json(urls: Urls, repo: Repository, name: str, sha: str) -> JSON:
    return {
        "name": name,
        "commit": {"sha": sha, "url": urls.api(f"/repos/{repo.full_name}/commits/{sha}")},
        "protected": False,
    }


def commit_json(urls: Urls, state: SandboxState, repo: Repository, sha: str, info: dict[str, Any]) -> JSON:
    api = urls.api(f"/repos/{repo.full_name}/commits/{sha}")
    return {
        "url": api,
        "sha": sha,
        "node_id": f"C_sandbox{sha[:20]}",
        "html_url": urls.html(f"/{repo.full_name}/commit/{sha}"),
        "comments_url": f"{api}/comments",
        "commit": {
            "url": urls.api(f"/repos/{repo.full_name}/git/commits/{sha}"),
            "author": {"name": info["author_name"], "email": info["author_email"], "date": info["author_date"]},
            "committer": {
                "name": info["committer_name"],
                "email": info["committer_email"],
                "date": info["committer_date"],
            },
            "message": info["message"],
            "comment_count": 0,
            "tree": {"sha": info["tree"], "url": urls.api(f"/repos/{repo.full_name}/git/trees/{info['tree']}")},
        },
        "author": login_json(urls, state, info["author_name"]) or {},
        "committer": login_json(urls, state, info["committer_name"]) or {},
        "parents": [
            {
                "sha": parent,
                "url": urls.api(f"/repos/{repo.full_name}/commits/{parent}"),
                "html_url": urls.html(f"/{repo.full_name}/commit/{parent}"),
            }
            for parent in info["parents"]
        ],
    }


def git_ref_json(urls: Urls, repo: Repository, name: str, sha: str) -> JSON:
    return {
        "ref": f"refs/heads/{name}",
        "node_id": f"REF_sandbox{repo.id}_{name}",
        "url": urls.api(f"/repos/{repo.full_name}/git/refs/heads/{name}"),
        "object": {
            "type": "commit",
            "sha": sha,
            "url": urls.api(f"/repos/{repo.full_name}/git/commits/{sha}"),
        },
    }


def _content_links(urls: Urls, repo: Repository, ref: str, path: str, *, kind: str, sha: str) -> JSON:
    quoted = urllib.parse.quote(path)
    self_url = urls.api(f"/repos/{repo.full_name}/contents/{quoted}?ref={urllib.parse.quote(ref)}")
    git_url = urls.api(f"/repos/{repo.full_name}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}")
    html_url = urls.html(f"/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{quoted}")
    return {
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": urls.api(f"/raw/{repo.full_name}/{ref}/{quoted}") if kind == "file" else None,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def content_entry_json(urls: Urls, repo: Repository, ref: str, parent: str, entry: tuple[str, str, str, int]) -> JSON:
    kind, name, sha, size = entry
    path = f"{parent}/{name}" if parent else name
    return {
        "type": kind,
        "size": size,
        "name": name,
        "path": path,
        "sha": sha,
        **_content_links(urls, repo, ref, path, kind=kind, sha=sha),
    }


def content_file_json(urls: Urls, repo: Repository, ref: str, path: str, content: bytes) -> JSON:
    # The blob id git itself would give these bytes.
    sha = hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": base64.encodebytes(content).decode(),
        "sha": sha,
        **_content_links(urls, repo, ref, path, kind="file", sha=sha),
    }
