"""Every REST response body the sandbox returns validates against GitHub's OpenAPI description (@octokit/openapi).

Unchanged PyGithub (plus plain `requests` where PyGithub has no call) drives the sandbox across every route in
`symphony_bot.sandbox.rest.ROUTES`, successes and GitHub's error cases; each exchange is captured at the HTTP
level and its body validated against the documented response for that operation and status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from github import Auth, Github, GithubException

from symphony_bot.sandbox import Sandbox
from symphony_bot.sandbox.rest import ROUTES
from symphony_bot.sandbox.rest.documentation import DOCUMENTATION_URLS
from tests.conformance.github_openapi import GitHubOpenAPI
from tests.conformance.octokit_fixtures import Exchange, capture_exchanges

OWNER, REPO, PRIVATE = "maint", "proj", "hidden"
TOKENS = {"maint": "maint-token", "writer": "writer-token", "contrib": "contrib-token", "reader": "reader-token"}
# Error statuses GitHub returns on any operation without documenting them per operation (auth, limits, 404s
# for invisible repositories): their bodies are GitHub's `basic-error`.
GENERIC_ERROR_STATUSES = frozenset({400, 401, 403, 404, 405, 409, 422, 429})


@dataclass
class Run:
    exchanges: list[Exchange]
    operations: list[str | None]  # the sandbox's own operation id per exchange, from its request log


def client(sb: Sandbox, user: str) -> Github:
    return Github(
        base_url=sb.api_url,
        auth=Auth.Token(TOKENS[user]),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )


def raw(sb: Sandbox, method: str, path: str, user: str = "maint", **headers: str) -> requests.Response:
    sent = {"Authorization": f"token {TOKENS[user]}", "Accept": "application/vnd.github+json", **headers}
    return requests.request(method, sb.api_url + path, headers=sent, timeout=10)


def send_json(sb: Sandbox, method: str, path: str, token: str, body: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    return requests.request(method, sb.api_url + path, headers=headers, json=body, timeout=10)


def drive_actions_routes(sb: Sandbox) -> None:
    """The Actions side: an App's installation and a minted token (JWT auth), dispatches and workflow runs."""
    app = sb.add_app("symphony-runner", owner=OWNER)
    installation = sb.install_app("symphony-runner", OWNER, permissions={"contents": "write", "actions": "write"})
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}/installation", Authorization=f"Bearer {app.jwt}").status_code == 200
    tokens = f"/app/installations/{installation.id}/access_tokens"
    minted = send_json(sb, "POST", tokens, app.jwt, {"repositories": [REPO], "permissions": {"actions": "write"}})
    assert minted.status_code == 201
    token = minted.json()["token"]
    sb.push_branch(OWNER, REPO, "main", {".github/workflows/run.yml": "on: [workflow_dispatch, repository_dispatch]\n"})
    dispatch = f"/repos/{OWNER}/{REPO}/actions/workflows/run.yml/dispatches"
    assert send_json(sb, "POST", dispatch, token, {"ref": "main", "inputs": {"issue": "1"}}).status_code == 204
    assert send_json(sb, "POST", f"/repos/{OWNER}/{REPO}/dispatches", token, {"event_type": "go"}).status_code == 403
    assert (
        send_json(sb, "POST", f"/repos/{OWNER}/{REPO}/dispatches", TOKENS["maint"], {"event_type": "go"}).status_code
        == 204
    )
    run_id = sb.workflow_runs(OWNER, REPO)[0].id
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}/actions/runs/{run_id}").status_code == 200
    cancel = f"/repos/{OWNER}/{REPO}/actions/runs/{run_id}/cancel"
    assert send_json(sb, "POST", cancel, token, None).status_code == 202
    assert send_json(sb, "POST", cancel, token, None).status_code == 409
    assert send_json(sb, "POST", dispatch, token, {"ref": "nowhere"}).status_code == 422
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}/installation").status_code == 401
    workflow_permissions = f"/repos/{OWNER}/{REPO}/actions/permissions/workflow"
    assert raw(sb, "GET", workflow_permissions).status_code == 200
    assert send_json(sb, "GET", workflow_permissions, token, None).status_code == 403


def expect_error(status: int, call: Callable[[], object]) -> None:
    with pytest.raises(GithubException) as raised:
        call()
    assert raised.value.status == status, raised.value


def drive_every_route(sb: Sandbox) -> None:
    """One pass over the REST surface, as the bot and its tests use it: successes first, then GitHub's errors."""
    gh, writer, contrib, reader = (client(sb, user) for user in ("maint", "writer", "contrib", "reader"))
    repo = gh.get_repo(f"{OWNER}/{REPO}")
    assert gh.get_user().login == OWNER
    assert gh.get_user("writer").login == "writer"
    assert gh.get_rate_limit().resources.core.limit == 5000
    repo.edit(description="Auto Run playground")
    assert repo.get_collaborator_permission("writer") == "write"
    assert repo.get_collaborator_permission("reader") == "read"
    assert {user.login for user in repo.get_collaborators()} == {OWNER, "writer", "reader"}

    # labels
    assert {label.name for label in repo.get_labels()} >= {"runmaestro.ai"}
    label = repo.create_label("symphony:claimed", "5319e7", "claimed by a run")
    label = repo.get_label("symphony:claimed")
    label.edit("symphony:running", "1d76db", "running")
    repo.get_label("symphony:running").delete()

    # issues, labels on issues, comments, reactions, timeline
    issue = repo.create_issue(title="Run the docs", body="Auto Run: docs/a.md", labels=["runmaestro.ai"])
    issue = repo.get_issue(issue.number)
    issue.edit(title="Run the documents", body="Auto Run: docs/a.md docs/b.md")
    assert [i.number for i in repo.get_issues(state="all", labels=["runmaestro.ai"])] == [issue.number]
    issue.add_to_labels("Blocking")
    assert {label.name for label in issue.get_labels()} == {"runmaestro.ai", "Blocking"}
    issue.remove_from_labels("Blocking")
    issue.set_labels("runmaestro.ai", "good first issue")
    comment = issue.create_comment("/symphony run")
    comment.edit("/symphony run please")
    assert issue.get_comment(comment.id).body == "/symphony run please"
    assert [c.id for c in issue.get_comments()] == [comment.id]
    assert comment.id in [c.id for c in repo.get_issues_comments()]
    comment.create_reaction("eyes")
    assert [r.content for r in comment.get_reactions()] == ["eyes"]
    issue.create_reaction("rocket")
    assert [r.content for r in issue.get_reactions()] == ["rocket"]
    assert issue.delete_reaction(issue.create_reaction("eyes").id)
    assert comment.delete_reaction(comment.create_reaction("heart").id)
    issue.lock("resolved")
    issue.unlock()
    status = issue.create_comment("<!-- symphony:status --> ready")
    status.delete()
    assert {event.event for event in issue.get_timeline()} >= {"labeled", "commented"}
    assert "labeled" in {event.event for event in issue.get_events()}

    # contents: a file and a directory
    assert repo.get_contents("docs/a.md").decoded_content == b"- [ ] task\n"
    assert [entry.path for entry in repo.get_contents("docs")] == ["docs/a.md"]

    # branches, refs
    main = repo.get_branch("main")
    assert main.name in [branch.name for branch in repo.get_branches()]
    assert repo.get_git_ref("heads/main").object.sha == main.commit.sha
    assert [ref.ref for ref in repo.get_git_matching_refs("heads/main")] == ["refs/heads/main"]
    assert next(iter(repo.get_commits(sha="main"))).sha == main.commit.sha
    assert repo.get_commit(main.commit.sha).stats.total >= 1
    ref = repo.create_git_ref("refs/heads/scratch", main.commit.sha)
    ref.edit(main.commit.sha)
    ref.delete()

    # pull requests: draft, list by head/base, update, merge state, merge
    sb.push_branch(OWNER, REPO, "symphony/1-abc", {"docs/a.md": "- [x] done\n"})
    pull = writer.get_repo(f"{OWNER}/{REPO}").create_pull(
        base="main",
        head="symphony/1-abc",
        title="Symphony: run the documents",
        body=f"Closes #{issue.number}",
        draft=True,
    )
    assert [p.number for p in repo.get_pulls(state="open", head=f"{OWNER}:symphony/1-abc", base="main")] == [
        pull.number
    ]
    pull = repo.get_pull(pull.number)
    assert [f.filename for f in pull.get_files()] == ["docs/a.md"] and pull.get_commits().totalCount == 1
    assert repo.compare("main", "symphony/1-abc").ahead_by == 1
    pull.edit(body=f"Closes #{issue.number}\n\nsummary")
    assert pull.is_merged() is False
    pull.mark_ready_for_review()
    assert pull.merge(merge_method="merge").merged is True
    assert repo.get_pull(pull.number).is_merged() is True

    # forks and a pull request from a fork
    fork = contrib.get_repo(f"{OWNER}/{REPO}").create_fork()
    assert fork.full_name == f"contrib/{REPO}"
    assert [f.full_name for f in repo.get_forks()] == [fork.full_name]
    sb.push_branch("contrib", REPO, "fix", {"fix.txt": "fix\n"})
    fork_pull = contrib.get_repo(f"{OWNER}/{REPO}").create_pull(base="main", head="contrib:fix", title="Fix")
    fork_pull.edit(state="closed")

    # reviews and review comments: a review with a line comment, the lists, a reply in the thread
    sb.push_branch(OWNER, REPO, "review-me", {"docs/a.md": "- [x] task\n"})
    reviewed = writer.get_repo(f"{OWNER}/{REPO}").create_pull(base="main", head="review-me", title="Review me")
    reviewed = repo.get_pull(reviewed.number)
    reviewed.create_review(
        body="Please check.", event="COMMENT", comments=[{"path": "docs/a.md", "line": 1, "body": "?"}]
    )
    assert [r.state for r in reviewed.get_reviews()] == ["COMMENTED"]
    first_comment = next(iter(reviewed.get_review_comments()))
    reviewed.create_review_comment_reply(first_comment.id, "Answered.")

    # search
    found = gh.search_issues(f"repo:{OWNER}/{REPO} is:issue label:runmaestro.ai")
    assert [item.number for item in found] == [issue.number]

    # ---- errors ------------------------------------------------------------------------------------------------
    expect_error(404, lambda: reader.get_repo(f"{OWNER}/{PRIVATE}"))
    expect_error(404, lambda: repo.get_issue(9999))
    expect_error(422, lambda: repo.create_label("bad", "not-a-color"))
    expect_error(422, lambda: repo.create_label("runmaestro.ai", "ededed"))
    expect_error(422, lambda: repo.create_pull(base="main", head="main", title="No commits"))
    sb.push_branch(OWNER, REPO, "twice", {"t.txt": "t"})
    repo.create_pull(base="main", head="twice", title="First")
    expect_error(422, lambda: repo.create_pull(base="main", head="twice", title="Second"))
    expect_error(403, lambda: reader.get_repo(f"{OWNER}/{REPO}").create_label("nope", "ededed"))
    expect_error(403, lambda: reader.get_repo(f"{OWNER}/{REPO}").edit(description="x"))
    expect_error(422, lambda: list(gh.search_issues(f"repo:{OWNER}/{REPO} label:runmaestro.ai")))
    sb.push_branch(OWNER, REPO, "still-draft", {"d.txt": "d"})
    draft = repo.create_pull(base="main", head="still-draft", title="Draft", draft=True)
    expect_error(405, lambda: draft.merge())
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}/issues/comments/999999").status_code == 404
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}/branches/no-such-branch").status_code == 404
    expect_error(404, lambda: repo.get_contents("docs/missing.md"))
    assert requests.get(sb.api_url + "/user", headers={"Authorization": "token wrong"}, timeout=5).status_code == 401
    first = raw(sb, "GET", f"/repos/{OWNER}/{REPO}")
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}", **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert raw(sb, "GET", f"/repos/{OWNER}/{REPO}", **since).status_code == 304
    expect_error(422, lambda: repo.create_git_ref("refs/heads/a..b", main.commit.sha))
    expect_error(422, lambda: repo.create_issue(title="t" * 257))
    expect_error(422, lambda: issue.create_comment("c" * 65_537))
    expect_error(422, lambda: repo.get_commit("no-such-ref"))
    expect_error(403, lambda: list(reader.get_repo(f"{OWNER}/{REPO}").get_collaborators()))
    actions = Github(base_url=sb.api_url, auth=Auth.Token(sb.add_actions_token(OWNER, REPO)), retry=None)
    expect_error(403, lambda: actions.get_repo(f"{OWNER}/{REPO}").create_issue(title="not with contents: read"))
    expect_error(403, lambda: actions.get_user().login)
    sb.push_branch(OWNER, PRIVATE, "wip", {"w.txt": "w"})  # a private repository of a Free-plan owner: no drafts
    expect_error(
        422, lambda: gh.get_repo(f"{OWNER}/{PRIVATE}").create_pull(base="main", head="wip", title="W", draft=True)
    )
    locked = repo.create_issue(title="heated")
    locked.lock("too heated")
    bot_token = sb.add_actions_token(OWNER, REPO, permissions={"issues": "write"})
    bot = Github(base_url=sb.api_url, auth=Auth.Token(bot_token), retry=None)
    expect_error(403, lambda: bot.get_repo(f"{OWNER}/{REPO}").get_issue(locked.number).create_comment("locked"))


@pytest.fixture(scope="module")
def openapi(npm_modules: Path) -> GitHubOpenAPI:
    """The 13 MB description, loaded once for this module."""
    return GitHubOpenAPI.load(npm_modules)


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    with Sandbox() as sb:
        for login, token in TOKENS.items():
            sb.add_user(login, token=token)
        sb.create_repo(OWNER, REPO, files={"README.md": "hello\n", "docs/a.md": "- [ ] task\n"})
        sb.create_repo(OWNER, PRIVATE, private=True, files={"README.md": "secret\n"})
        sb.set_permission(OWNER, REPO, "writer", "write")
        sb.set_permission(OWNER, REPO, "reader", "read")
        sb.add_label(OWNER, REPO, "runmaestro.ai", color="0e8a16")
        sb.add_label(OWNER, REPO, "Blocking", color="b60205")
        with capture_exchanges() as exchanges:
            drive_every_route(sb)
            drive_actions_routes(sb)
        logged = [entry for entry in sb.requests if entry.operation != "graphql"]
        rest_exchanges = [exchange for exchange in exchanges if exchange.path != "/graphql"]
        assert len(logged) == len(rest_exchanges), "every exchange must reach the sandbox exactly once"
        yield Run(rest_exchanges, [entry.operation for entry in logged])


def _by_operation(run: Run) -> dict[str, list[Exchange]]:
    grouped: dict[str, list[Exchange]] = defaultdict(list)
    for exchange, operation in zip(run.exchanges, run.operations, strict=True):
        grouped[operation or f"{exchange.method} {exchange.path}"].append(exchange)
    return grouped


ROUTE_OPERATIONS = sorted({route.operation for route in ROUTES})


def test_every_route_is_a_github_operation_with_the_same_method(openapi: GitHubOpenAPI) -> None:
    for route in ROUTES:
        assert route.operation in openapi.operations, f"{route.operation} is not an operationId on GitHub"
        assert openapi.operations[route.operation].method == route.method, route.operation


def test_error_bodies_name_each_operations_documentation_page(openapi: GitHubOpenAPI) -> None:
    """GitHub's error bodies link the operation's own page (its `externalDocs.url` in @octokit/openapi)."""
    for route in ROUTES:
        assert DOCUMENTATION_URLS[route.operation] == openapi.operations[route.operation].documentation_url


def test_every_route_was_exercised(run: Run) -> None:
    exercised = set(_by_operation(run))
    assert set(ROUTE_OPERATIONS) - exercised == set()


def test_the_sandbox_routes_each_request_where_githubs_description_does(run: Run, openapi: GitHubOpenAPI) -> None:
    for exchange, operation in zip(run.exchanges, run.operations, strict=True):
        documented = openapi.operation_for(exchange.method, exchange.path)
        assert documented is not None, f"{exchange.method} {exchange.path} is not a GitHub route"
        assert operation == documented.operation_id, (exchange.method, exchange.path)


@pytest.mark.parametrize("operation_id", ROUTE_OPERATIONS)
def test_response_bodies_validate(run: Run, openapi: GitHubOpenAPI, operation_id: str) -> None:
    exchanges = _by_operation(run).get(operation_id, [])
    assert exchanges, f"{operation_id} was not exercised"
    problems: list[str] = []
    for exchange in exchanges:
        if exchange.status == 304:
            continue
        documented = exchange.status in openapi.documented_statuses(operation_id)
        if documented:
            problems += openapi.body_errors(operation_id, exchange.status, exchange.body)
        elif exchange.status in GENERIC_ERROR_STATUSES:
            problems += openapi.basic_error_problems(
                exchange.body, f"{exchange.method} {exchange.path} {exchange.status}"
            )
        else:
            problems.append(f"{exchange.method} {exchange.path}: status {exchange.status} is not documented")
    assert problems == [], "the sandbox's bodies differ from GitHub's description:\n" + "\n".join(problems)


def test_success_and_error_bodies_were_both_checked(run: Run) -> None:
    statuses = {exchange.status for exchange in run.exchanges}
    assert {200, 201, 202, 204, 304} <= statuses and {401, 403, 404, 405, 422} <= statuses


def test_the_check_rejects_a_body_missing_required_fields(run: Run, openapi: GitHubOpenAPI) -> None:
    created = next(e for e, op in zip(run.exchanges, run.operations, strict=True) if op == "issues/create-comment")
    assert openapi.body_errors("issues/create-comment", 201, created.body) == []
    broken = {key: value for key, value in created.body.items() if key not in ("user", "node_id")}
    problems = openapi.body_errors("issues/create-comment", 201, broken)
    assert any("'user' is a required property" in problem for problem in problems)
    assert any("'node_id' is a required property" in problem for problem in problems)
    wrong_type = {**created.body, "id": "1"}
    assert any(
        "is not of type 'integer'" in problem
        for problem in openapi.body_errors("issues/create-comment", 201, wrong_type)
    )
