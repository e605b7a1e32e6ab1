"""A minimal HTML view of the sandbox at the `/html/...` links its API answers give as `html_url` (and that
`demo`, `run`, `scan` and `issue show` print): a repository's issues and pull requests, an issue with its
comments, a pull request with its commits and comments. Read-only, public repositories only (what an anonymous
browser sees on GitHub); everything else is a small HTML 404. Every user-written text is escaped.
"""

from __future__ import annotations

import html
import re

from symphony_bot.sandbox.git_repositories import BareRepositories
from symphony_bot.sandbox.rest_render import Urls
from symphony_bot.sandbox.rest_render_issues import pull_comparison
from symphony_bot.sandbox.state import ANONYMOUS, Issue, Repository, SandboxState

HTML_PREFIX = "/html"
CONTENT_TYPE = "text/html; charset=utf-8"
TITLE_NOT_FOUND = "Not Found"
MESSAGE_NOT_FOUND = "This sandbox has no such public page."
_ROUTE = re.compile(r"/html/(?P<owner>[^/]+)/(?P<repo>[^/]+)(?:/(?P<kind>issues|pull)/(?P<number>\d+))?/?")
_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}"
    "pre{white-space:pre-wrap;overflow-wrap:break-word;background:#f6f8fa;padding:.75rem;border-radius:6px}"
    ".meta{color:#59636e}li{margin:.25rem 0}code{font-size:90%}"
)


def _page(title: str, body: str) -> bytes:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body dir="auto">{body}</body></html>\n'
    ).encode()


def _not_found() -> tuple[int, bytes]:
    return 404, _page(TITLE_NOT_FOUND, f"<h1>{TITLE_NOT_FOUND}</h1><p>{MESSAGE_NOT_FOUND}</p>")


def _text(value: str | None) -> str:
    return f"<pre>{html.escape(value)}</pre>" if value else '<p class="meta">No description.</p>'


def _comments(state: SandboxState, repo: Repository, issue: Issue) -> str:
    items = [
        f'<li id="issuecomment-{comment.id}"><p class="meta"><b>{html.escape(comment.user)}</b> '
        f"commented {html.escape(comment.created_at)}</p>{_text(comment.body)}</li>"
        for comment in state.issue_comments(repo, issue)
    ]
    return f"<h2>Comments ({len(items)})</h2><ol>{''.join(items)}</ol>"


def _state_line(issue: Issue) -> str:
    pull = issue.pull
    if pull is not None and pull.merged:
        status = "merged"
    elif pull is not None and pull.draft and issue.state == "open":
        status = "draft"
    else:
        status = issue.state
    labels = ", ".join(html.escape(name) for name in issue.labels) or "none"
    return (
        f'<p class="meta">{status} · opened by <b>{html.escape(issue.user)}</b> {html.escape(issue.created_at)}'
        f" · labels: {labels}</p>"
    )


def _issue_page(
    state: SandboxState, repositories: BareRepositories | None, urls: Urls, repo: Repository, issue: Issue
) -> bytes:
    heading = f"{html.escape(issue.title)} <span class=meta>#{issue.number}</span>"
    back = f'<p><a href="{html.escape(urls.html(f"/{repo.full_name}"))}">{html.escape(repo.full_name)}</a></p>'
    parts = [back, f"<h1>{heading}</h1>", _state_line(issue)]
    if issue.pull is not None:
        pull = issue.pull
        head = state.repos.get(pull.head_repo_id)
        head_name = f"{head.owner}:{pull.head_ref}" if head is not None else pull.head_ref
        parts.append(f"<p class=meta>{html.escape(head_name)} → {html.escape(pull.base_ref)}</p>")
    parts.append(_text(issue.body))
    if issue.pull is not None:
        parts.append(_commits(state, repositories, repo, issue))
    parts.append(_comments(state, repo, issue))
    return _page(f"{issue.title} · {repo.full_name}#{issue.number}", "".join(parts))


def _commits(state: SandboxState, repositories: BareRepositories | None, repo: Repository, issue: Issue) -> str:
    comparison = pull_comparison(state, repo, issue)
    items = []
    for sha in comparison.commits:
        info = repositories.commit_info(repo, sha) if repositories is not None else None
        message = str(info["message"]).splitlines()[0] if info and info.get("message") else ""
        items.append(f"<li><code>{sha[:7]}</code> {html.escape(message)}</li>")
    return f"<h2>Commits ({len(items)})</h2><ol>{''.join(items)}</ol>"


def _repository_page(urls: Urls, repo: Repository) -> bytes:
    rows = []
    for issue in sorted(repo.issues.values(), key=lambda item: item.number, reverse=True):
        kind = "pull" if issue.pull is not None else "issues"
        link = html.escape(urls.html(f"/{repo.full_name}/{kind}/{issue.number}"))
        label = "PR" if issue.pull is not None else "issue"
        rows.append(f'<li>{label} <a href="{link}">#{issue.number} {html.escape(issue.title)}</a> ({issue.state})</li>')
    body = f"<h1>{html.escape(repo.full_name)}</h1>{_text(repo.description)}<ul>{''.join(rows)}</ul>"
    return _page(repo.full_name, body)


def render(state: SandboxState, repositories: BareRepositories | None, urls: Urls, path: str) -> tuple[int, bytes]:
    """(status, HTML) for one `/html/...` path, as an anonymous visitor sees it."""
    found = _ROUTE.fullmatch(path)
    if found is None:
        return _not_found()
    with state.lock:
        repo = state.find_repo(found["owner"], found["repo"])
        if repo is None or not state.can_see(repo, ANONYMOUS):
            return _not_found()
        if found["kind"] is None:
            return 200, _repository_page(urls, repo)
        issue = repo.issues.get(int(found["number"]))
        if issue is None or (found["kind"] == "pull" and not issue.is_pull):
            return _not_found()  # GitHub sends /issues/N of a pull request on to the pull request: shown here
        return 200, _issue_page(state, repositories, urls, repo, issue)
