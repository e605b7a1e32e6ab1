"""sandbox reviews: REST reviews and review comments, GraphQL `reviewThreads` and the thread mutations.

GitHub's behaviour encoded here: a review's comments each open a thread whose comments carry the diff hunk up to
the commented line (https://docs.github.com/rest/pulls/comments, @octokit/webhooks-examples
pull_request_review_comment.created); a reply joins its comment's thread (`in_reply_to_id`); a line outside the
diff is 422 "pull_request_review_thread.line must be part of the diff"; resolving needs write access or
authorship (https://docs.github.com/graphql/reference/mutations#resolvereviewthread)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException

from tests.conformance.github_graphql import assert_valid_github_query
from tests.sandbox_helpers import OWNER, REPO, TOKENS

THREADS = """
query Threads($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 50) {
        totalCount
        nodes {
          id isResolved path line startLine diffSide
          comments(first: 50) { nodes { databaseId body diffHunk author { login } } }
        }
      }
    }
  }
}"""
REPLY = """
mutation Reply($thread: ID!, $body: String!) {
  addPullRequestReviewThreadReply(input: {pullRequestReviewThreadId: $thread, body: $body}) {
    comment { databaseId body path }
  }
}"""
RESOLVE = "mutation Resolve($thread: ID!) { resolveReviewThread(input: {threadId: $thread}) { thread { isResolved } } }"
SOURCE = "".join(f"line {n}\n" for n in range(1, 21))


def github(sb: Any, login: str) -> Github:
    """Unchanged PyGithub, unspaced (the sandbox has no secondary limits in these tests)."""
    return Github(
        base_url=sb.api_url,
        auth=Auth.Token(TOKENS[login]),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def graphql(sb: Any, query: str, variables: dict[str, Any], login: str = "maintainer") -> Any:
    assert_valid_github_query(query)
    headers = {"Authorization": f"bearer {TOKENS[login]}"}
    response = requests.post(sb.graphql_url, json={"query": query, "variables": variables}, headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def open_changed_pull(sb: Any) -> int:
    sb.push_branch(OWNER, REPO, "base-src", {"src.txt": SOURCE}, base="main")
    sb.merge_pull(OWNER, REPO, sb.open_pull(OWNER, REPO, "base-src").number)
    changed = SOURCE.replace("line 10\n", "line ten\n").replace("line 11\n", "line eleven\n")
    sb.push_branch(OWNER, REPO, "symphony/1", {"src.txt": changed})
    return sb.open_pull(OWNER, REPO, "symphony/1", author="contributor").number


def test_a_review_with_comments_opens_threads_with_their_diff_hunks(sb):
    number = open_changed_pull(sb)
    pull = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(number)
    review = pull.create_review(
        body="Please tidy up.",
        event="REQUEST_CHANGES",
        comments=[
            {"path": "src.txt", "line": 10, "body": "Spell it as digits."},
            {"path": "src.txt", "start_line": 10, "line": 11, "body": "Both lines."},
        ],
    )
    assert (review.state, review.body) == ("CHANGES_REQUESTED", "Please tidy up.")
    comments = list(pull.get_review_comments())
    assert [(c.path, c.line, c.start_line) for c in comments] == [("src.txt", 10, None), ("src.txt", 11, 10)]
    assert comments[0].diff_hunk.startswith("@@ -7,") and comments[0].diff_hunk.endswith("+line ten")
    assert comments[1].diff_hunk.endswith("+line eleven")
    reply = pull.create_review_comment_reply(comments[0].id, "Done in abc123.")
    assert reply.in_reply_to_id == comments[0].id
    assert [r.state for r in pull.get_reviews()] == ["CHANGES_REQUESTED", "COMMENTED"]

    data = graphql(sb, THREADS, {"owner": OWNER, "name": REPO, "number": number})["data"]
    threads = data["repository"]["pullRequest"]["reviewThreads"]
    assert threads["totalCount"] == 2
    first, second = threads["nodes"]
    assert (first["path"], first["line"], first["startLine"], first["diffSide"]) == ("src.txt", 10, None, "RIGHT")
    assert second["startLine"] == 10 and not first["isResolved"]
    assert [c["body"] for c in first["comments"]["nodes"]] == ["Spell it as digits.", "Done in abc123."]
    assert first["comments"]["nodes"][0]["author"] == {"login": "maintainer"}
    assert first["comments"]["nodes"][0]["databaseId"] == comments[0].id
    assert first["comments"]["nodes"][1]["diffHunk"] == comments[0].diff_hunk


def test_thread_reply_and_resolve_mutations_follow_github_s_permissions(sb):
    number = open_changed_pull(sb)
    pull = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(number)
    pull.create_review(
        body="One question.", event="COMMENT", comments=[{"path": "src.txt", "line": 11, "body": "Why?"}]
    )
    thread = graphql(sb, THREADS, {"owner": OWNER, "name": REPO, "number": number})["data"]["repository"]
    thread_id = thread["pullRequest"]["reviewThreads"]["nodes"][0]["id"]
    replied = graphql(sb, REPLY, {"thread": thread_id, "body": "Because."}, "contributor")["data"]
    assert replied["addPullRequestReviewThreadReply"]["comment"]["path"] == "src.txt"
    refused = graphql(sb, RESOLVE, {"thread": thread_id}, "stranger")
    assert refused["errors"][0]["type"] == "FORBIDDEN"
    resolved = graphql(sb, RESOLVE, {"thread": thread_id}, "contributor")["data"]
    assert resolved["resolveReviewThread"]["thread"] == {"isResolved": True}
    missing = graphql(sb, RESOLVE, {"thread": "PRRT_kwDOnothing"})
    assert missing["errors"][0]["type"] == "NOT_FOUND"


def test_a_comment_outside_the_diff_is_refused_as_github_refuses_it(sb):
    number = open_changed_pull(sb)
    pull = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(number)
    with pytest.raises(GithubException) as refused:
        pull.create_review(body="x", event="COMMENT", comments=[{"path": "src.txt", "line": 1, "body": "far"}])
    assert refused.value.status == 422
    assert "must be part of the diff" in str(refused.value.data)
    with pytest.raises(GithubException) as no_body:
        pull.create_review(event="REQUEST_CHANGES")
    assert no_body.value.status == 422


def test_reviews_survive_a_save_and_load(sb, tmp_path):
    from symphony_bot.sandbox.persistence import load_state, save_state
    from symphony_bot.sandbox.state import SandboxState

    number = open_changed_pull(sb)
    pull = github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(number)
    pull.create_review(body="Hm.", event="COMMENT", comments=[{"path": "src.txt", "line": 10, "body": "Why?"}])
    saved = save_state(sb.state, tmp_path / "state.json", repositories_dir=tmp_path)
    loaded = SandboxState()
    load_state(loaded, saved)
    repo = loaded.find_repo(OWNER, REPO)
    assert repo is not None
    [thread] = loaded.pull_review_threads(repo, loaded.pull(repo, number))
    assert [c.body for c in loaded.thread_comments(thread)] == ["Why?"]
    assert loaded.review_node(thread.node_id) is thread
