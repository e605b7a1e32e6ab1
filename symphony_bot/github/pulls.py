"""Pull requests of a contribution: open the draft (the claim), find it again, edit it, mark it ready, close it.

Creating is the one write that must never be repeated blindly: a failed POST is followed by a lookup of the
open PR for our head before another attempt, and GitHub's 422 "A pull request already exists" adopts that PR.
A repository that refuses drafts gets a normal PR (titled `[WIP]` by the caller) and `drafts_refused` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symphony_bot.github import write_retry
from symphony_bot.github.client import GitHubClient, GitHubError

ALREADY_EXISTS = "already exists"
DRAFTS_UNSUPPORTED = "draft pull requests are not supported"
# 403 to the workflow's GITHUB_TOKEN while the repository's "Allow GitHub Actions to create and approve pull
# requests" setting is off (peter-evans/create-pull-request#1175, #3979; changelog 2022-05-03).
ACTIONS_MAY_NOT_CREATE = "github actions is not permitted to create or approve pull requests"
PROBE_TITLE = "symphony-bot: may this token open pull requests? (a check that opens nothing)"

MARK_READY = """
mutation MarkReady($id: ID!) {
  markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { number isDraft } }
}
"""

# Editing a draft and marking it ready belong together: one document, one request (GitHub runs a document's
# mutations one after another, in order: https://spec.graphql.org/October2021/#sec-Mutation), so the run's last
# write costs one request against the secondary limits instead of two.
UPDATE_AND_MARK_READY = """
mutation UpdateAndMarkReady($id: ID!, $title: String!, $body: String!) {
  update: updatePullRequest(input: {pullRequestId: $id, title: $title, body: $body}) { pullRequest { number } }
  ready: markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { number isDraft } }
}
"""

LINKED_PULLS = """
query ClaimCheck($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) {
      state
      closedByPullRequestsReferences(first: 100, includeClosedPrs: true) {
        nodes { number state isDraft url headRefName author { login } }
      }
    }
  }
}
"""


@dataclass(frozen=True)
class Pull:
    number: int
    url: str
    node_id: str
    draft: bool
    state: str  # open / closed
    head_ref: str
    head_owner: str
    head_repo: str  # OWNER/NAME where the branch lives (a fork may be renamed); "" when the fork is gone
    author: str
    title: str
    body: str


@dataclass(frozen=True)
class LinkedPull:
    number: int
    state: str  # OPEN / CLOSED / MERGED
    draft: bool
    url: str
    head_ref: str
    author: str | None


class CreateRefused(GitHubError):
    """GitHub refused to open the pull request (403); `actions_setting`: because of the Actions setting."""

    def __init__(self, message: str, actions_setting: bool) -> None:
        super().__init__(message, 403)
        self.actions_setting = actions_setting


@dataclass(frozen=True)
class CreateProbe:
    allowed: bool
    refusal: str  # GitHub's message when it refused (403)
    actions_setting: bool  # refused because of the repository's Actions setting


@dataclass(frozen=True)
class Created:
    pull: Pull
    adopted: bool  # it existed already (a retry or an earlier run made it)
    drafts_refused: bool


def _pull(data: dict[str, Any]) -> Pull:
    head = data.get("head") or {}
    user = data.get("user") or {}
    return Pull(
        number=int(data["number"]),
        url=str(data.get("html_url") or ""),
        node_id=str(data.get("node_id") or ""),
        draft=bool(data.get("draft")),
        state=str(data.get("state") or "open"),
        head_ref=str(head.get("ref") or ""),
        head_owner=str(((head.get("repo") or {}).get("owner") or {}).get("login") or ""),
        head_repo=str((head.get("repo") or {}).get("full_name") or ""),
        author=str(user.get("login") or ""),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
    )


def get(client: GitHubClient, repo: str, number: int) -> Pull:
    return _pull(write_retry.request(client, "GET", f"/repos/{repo}/pulls/{number}"))


def find_open(client: GitHubClient, repo: str, head_owner: str, branch: str) -> Pull | None:
    """The open PR whose head is `head_owner:branch` (GitHub's `pulls?head=` filter)."""
    data = write_retry.request(
        client, "GET", f"/repos/{repo}/pulls", parameters={"head": f"{head_owner}:{branch}", "state": "open"}
    )
    pulls = [_pull(item) for item in data or [] if isinstance(item, dict)]
    return min(pulls, key=lambda pull: pull.number) if pulls else None


def find_ours(client: GitHubClient, repo: str, login: str, branch_prefix: str) -> Pull | None:
    """This bot's oldest open PR whose branch starts with `branch_prefix` (the claim a re-run resumes)."""
    mine: list[Pull] = []
    page = 1
    while True:
        data = write_retry.request(
            client, "GET", f"/repos/{repo}/pulls", parameters={"state": "open", "per_page": 100, "page": page}
        )
        items = [item for item in data or [] if isinstance(item, dict)]
        for item in items:
            pull = _pull(item)
            if pull.author.lower() == login.lower() and pull.head_ref.startswith(branch_prefix):
                mine.append(pull)
        if len(items) < 100:
            break
        page += 1
    return min(mine, key=lambda pull: pull.number) if mine else None


def create(
    client: GitHubClient, repo: str, *, title: str, body: str, head_owner: str, branch: str, base: str, head: str
) -> Created:
    """Open the PR as a draft; adopt the open PR for that head when one exists or a failed POST made one."""
    drafts_refused = False

    def make(draft: bool) -> Pull:
        payload = {"title": title, "body": body, "head": head, "base": base, "draft": draft}
        return _pull(write_retry.request(client, "POST", f"/repos/{repo}/pulls", body=payload, retry=False))

    def lookup() -> Pull | None:
        return find_open(client, repo, head_owner, branch)

    try:
        pull = write_retry.create(client, lambda: make(True), lookup)
    except GitHubError as error:
        message = _messages(error).lower()
        if error.status == 403 and not isinstance(error, write_retry.TransientError):
            raise CreateRefused(str(error), ACTIONS_MAY_NOT_CREATE in message) from None
        if error.status != 422:
            raise
        if ALREADY_EXISTS in message:
            existing = lookup()
            if existing is None:
                raise
            return Created(existing, adopted=True, drafts_refused=False)
        if DRAFTS_UNSUPPORTED not in message:
            raise
        drafts_refused = True
        pull = write_retry.create(client, lambda: make(False), lookup)
    return Created(pull, adopted=False, drafts_refused=drafts_refused)


def probe_create(client: GitHubClient, repo: str, base: str) -> CreateProbe:
    """May this token open pull requests in `repo`? Asked without opening one: a PR from `base` into itself,
    which GitHub can only refuse. Its permission checks come before the content's: 403 (no pull_requests write,
    or Actions may not create pull requests here) says no; 422 ("No commits between …") says yes."""
    payload = {"title": PROBE_TITLE, "head": base, "base": base, "body": ""}
    try:
        made = write_retry.request(client, "POST", f"/repos/{repo}/pulls", body=payload)
    except GitHubError as error:
        if error.status == 403 and not isinstance(error, write_retry.TransientError):
            message = str(write_retry.error_data(error).get("message") or error)
            return CreateProbe(False, message, ACTIONS_MAY_NOT_CREATE in message.lower())
        if error.status == 422:
            return CreateProbe(True, "", False)
        raise
    # GitHub never opens a pull request with no commits; should one exist all the same, it is closed at once.
    if isinstance(made, dict) and made.get("number") is not None:
        update(client, repo, int(made["number"]), state="closed")
    return CreateProbe(True, "", False)


def update(
    client: GitHubClient,
    repo: str,
    number: int,
    *,
    title: str | None = None,
    body: str | None = None,
    state: str | None = None,
) -> None:
    payload = {key: value for key, value in (("title", title), ("body", body), ("state", state)) if value is not None}
    write_retry.request(client, "PATCH", f"/repos/{repo}/pulls/{number}", body=payload)


def mark_ready(client: GitHubClient, node_id: str) -> None:
    """Draft -> ready for review; REST cannot do it, GraphQL can (github-semantics P8)."""
    write_retry.graphql_data(client, MARK_READY, {"id": node_id})


def update_and_mark_ready(client: GitHubClient, node_id: str, *, title: str, body: str) -> None:
    """Set the title and body of a draft and mark it ready for review, in one GraphQL request."""
    write_retry.graphql_data(client, UPDATE_AND_MARK_READY, {"id": node_id, "title": title, "body": body})


def delete_branch(client: GitHubClient, repo: str, branch: str) -> None:
    """Delete `branch`; already gone is fine."""
    from urllib.parse import quote

    try:
        write_retry.request(client, "DELETE", f"/repos/{repo}/git/refs/heads/{quote(branch, safe='/')}")
    except GitHubError as error:
        if error.status not in (404, 422):
            raise


def linked(client: GitHubClient, repo: str, issue: int) -> list[LinkedPull]:
    """Every PR GitHub links to the issue as closing it (open, closed and merged)."""
    owner, name = repo.split("/", 1)
    data = write_retry.graphql_data(client, LINKED_PULLS, {"owner": owner, "name": name, "number": issue})
    node = ((data.get("repository") or {}).get("issue") or {}).get("closedByPullRequestsReferences") or {}
    return [
        LinkedPull(
            number=int(item["number"]),
            state=str(item.get("state")),
            draft=bool(item.get("isDraft")),
            url=str(item.get("url") or ""),
            head_ref=str(item.get("headRefName") or ""),
            author=(item.get("author") or {}).get("login"),
        )
        for item in node.get("nodes") or []
        if isinstance(item, dict) and item.get("number") is not None
    ]


def _messages(error: GitHubError) -> str:
    data = write_retry.error_data(error)
    parts = [str(data.get("message") or ""), str(error)]
    for item in data.get("errors") or []:
        parts.append(str(item.get("message") if isinstance(item, dict) else item))
    return " ".join(parts)
