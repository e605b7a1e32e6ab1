"""Fork mode: the caller's fork of a repository, found through the API (never guessed by name), or made."""

from __future__ import annotations

import time
from dataclasses import dataclass

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient, GitHubError

FORK_READY_TIMEOUT_SECONDS = 60.0
FORK_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Fork:
    full_name: str
    owner: str
    clone_url: str


def _fork(data: dict[str, object]) -> Fork:
    owner = data.get("owner") if isinstance(data.get("owner"), dict) else {}
    assert isinstance(owner, dict)
    return Fork(full_name=str(data["full_name"]), owner=str(owner.get("login") or ""), clone_url=str(data["clone_url"]))


def find_fork(client: GitHubClient, repo: str, login: str) -> Fork | None:
    """`login`'s fork of `repo`, whatever it is named (forks can be renamed)."""
    page = 1
    while True:
        data = write_retry.request(
            client, "GET", f"/repos/{repo}/forks", parameters={"per_page": 100, "page": page, "sort": "oldest"}
        )
        items = [item for item in data or [] if isinstance(item, dict)]
        for item in items:
            if str((item.get("owner") or {}).get("login") or "").lower() == login.lower():
                return _fork(item)
        if len(items) < 100:
            return None
        page += 1


def ensure_fork(client: GitHubClient, repo: str, login: str) -> Fork:
    """The caller's fork of `repo`: reused when it exists, else created (GitHub answers 202 and makes it
    asynchronously; we wait until it is listed). A POST that failed midway is looked up before a retry."""
    existing = find_fork(client, repo, login)
    if existing is not None:
        return existing

    def make() -> Fork:
        return _fork(write_retry.request(client, "POST", f"/repos/{repo}/forks", body={}, retry=False))

    fork = write_retry.create(client, make, lambda: find_fork(client, repo, login))
    deadline = time.monotonic() + FORK_READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            write_retry.request(client, "GET", f"/repos/{fork.full_name}")
            return fork
        except GitHubError as error:
            if error.status != 404:
                raise
        time.sleep(FORK_POLL_SECONDS)
    raise GitHubError(f"the fork {fork.full_name} did not appear within {FORK_READY_TIMEOUT_SECONDS:.0f} s; run again")
