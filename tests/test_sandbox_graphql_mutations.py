"""graphql_mutations.py: the mutations a claiming bot uses, each query valid on GitHub's own schema too."""

from __future__ import annotations

from typing import Any

import requests

from tests.conformance.github_graphql import assert_valid_github_query
from tests.sandbox_helpers import OWNER, REPO, TOKENS, github

CREATE = """
mutation Create($repo: ID!, $head: String!) {
  createPullRequest(input: {repositoryId: $repo, baseRefName: "main", headRefName: $head, title: "Run",
                            body: "Closes #1", draft: true, clientMutationId: "symphony"}) {
    clientMutationId
    pullRequest { id number isDraft state headRefName closingIssuesReferences(first: 5) { totalCount } }
  }
}"""
UPDATE = """
mutation Update($id: ID!) {
  updatePullRequest(input: {pullRequestId: $id, title: "Run: done", body: "Fixes #1"}) { pullRequest { title body } }
}"""
CLOSE = "mutation Close($id: ID!) { closePullRequest(input: {pullRequestId: $id}) { pullRequest { state } } }"
REOPEN = "mutation Reopen($id: ID!) { reopenPullRequest(input: {pullRequestId: $id}) { pullRequest { state } } }"
COMMENT = """
mutation Comment($id: ID!) {
  addComment(input: {subjectId: $id, body: "status"}) { commentEdge { cursor node { id body } } subject { id } }
}"""
EDIT = 'mutation Edit($id: ID!) { updateIssueComment(input: {id: $id, body: "edited"}) { issueComment { body } } }'
MINIMIZE = """
mutation Hide($id: ID!) {
  minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) {
    minimizedComment { isMinimized minimizedReason viewerCanMinimize }
  }
}"""
READ = """
query Read($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    viewerPermission
    ref(qualifiedName: "refs/heads/symphony/1") { id name target { oid } }
    missing: ref(qualifiedName: "no-such-branch") { id }
    issue(number: 1) { comments(first: 5) { nodes { body isMinimized minimizedReason } } }
  }
}"""
DELETE = "mutation Delete($id: ID!) { deleteRef(input: {refId: $id}) { clientMutationId } }"


def graphql(sb, query: str, variables: dict[str, Any], login: str = "maintainer", token: str | None = None) -> Any:
    assert_valid_github_query(query)
    headers = {"Authorization": f"bearer {token or TOKENS[login]}"}
    response = requests.post(sb.graphql_url, json={"query": query, "variables": variables}, headers=headers, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_pull_request_mutations_from_create_to_reopen(sb):
    sb.create_issue(OWNER, REPO, "Run the docs")
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "w\n"})
    repo_id = sb.repo(OWNER, REPO).node_id
    created = graphql(sb, CREATE, {"repo": repo_id, "head": "symphony/1"}, "contributor")["data"]["createPullRequest"]
    pull = created["pullRequest"]
    assert created["clientMutationId"] == "symphony"
    assert (pull["isDraft"], pull["state"], pull["headRefName"]) == (True, "OPEN", "symphony/1")
    assert pull["closingIssuesReferences"]["totalCount"] == 1
    again = graphql(sb, CREATE, {"repo": repo_id, "head": "symphony/1"}, "contributor")
    assert again["errors"][0]["type"] == "UNPROCESSABLE"
    assert again["errors"][0]["message"] == f"A pull request already exists for {OWNER}:symphony/1."
    updated = graphql(sb, UPDATE, {"id": pull["id"]}, "contributor")["data"]["updatePullRequest"]["pullRequest"]
    assert updated == {"title": "Run: done", "body": "Fixes #1"}
    assert graphql(sb, CLOSE, {"id": pull["id"]})["data"]["closePullRequest"]["pullRequest"]["state"] == "CLOSED"
    assert graphql(sb, REOPEN, {"id": pull["id"]})["data"]["reopenPullRequest"]["pullRequest"]["state"] == "OPEN"
    refused = graphql(sb, CLOSE, {"id": pull["id"]}, "stranger")
    assert refused["errors"][0]["type"] == "FORBIDDEN"
    assert github(sb, "maintainer").get_repo(f"{OWNER}/{REPO}").get_pull(pull["number"]).title == "Run: done"


def test_comment_mutations_and_the_fields_a_bot_reads(sb):
    sb.create_issue(OWNER, REPO, "Run the docs")
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "w\n"})
    issue_id = sb.issue(OWNER, REPO, 1).node_id
    added = graphql(sb, COMMENT, {"id": issue_id}, "contributor")["data"]["addComment"]
    comment_id = added["commentEdge"]["node"]["id"]
    assert added["commentEdge"]["node"]["body"] == "status" and added["subject"]["id"] == issue_id
    edited = graphql(sb, EDIT, {"id": comment_id}, "contributor")["data"]["updateIssueComment"]["issueComment"]
    assert edited == {"body": "edited"}
    assert graphql(sb, MINIMIZE, {"id": comment_id}, "stranger")["errors"][0]["type"] == "FORBIDDEN"
    hidden = graphql(sb, MINIMIZE, {"id": comment_id})["data"]["minimizeComment"]["minimizedComment"]
    assert hidden == {"isMinimized": True, "minimizedReason": "outdated", "viewerCanMinimize": True}
    read = graphql(sb, READ, {"owner": OWNER, "name": REPO}, "contributor")["data"]["repository"]
    assert read["viewerPermission"] == "WRITE" and read["missing"] is None
    assert read["ref"]["name"] == "symphony/1"
    assert read["ref"]["target"]["oid"] == sb.branches(OWNER, REPO)["symphony/1"]
    minimized = {"body": "edited", "isMinimized": True, "minimizedReason": "outdated"}
    assert read["issue"]["comments"]["nodes"] == [minimized]
    as_stranger = graphql(sb, READ, {"owner": OWNER, "name": REPO}, "stranger")["data"]["repository"]
    assert as_stranger["viewerPermission"] == "READ"
    ref_id = {"id": read["ref"]["id"]}
    assert graphql(sb, DELETE, ref_id, "stranger")["errors"][0]["type"] == "FORBIDDEN"
    assert graphql(sb, DELETE, ref_id, "contributor")["data"]["deleteRef"] == {"clientMutationId": None}
    assert "symphony/1" not in sb.branches(OWNER, REPO)


def test_actions_token_create_pull_refusal_names_the_mutation(sb):
    token = sb.add_actions_token(OWNER, REPO, permissions={"pull-requests": "write"})
    sb.create_issue(OWNER, REPO, "Run the docs")
    sb.push_branch(OWNER, REPO, "symphony/1", {"work.txt": "w\n"})
    refused = graphql(sb, CREATE, {"repo": sb.repo(OWNER, REPO).node_id, "head": "symphony/1"}, token=token)
    assert refused["errors"][0]["type"] == "FORBIDDEN"
    assert refused["errors"][0]["message"] == (
        "GitHub Actions is not permitted to create or approve pull requests (createPullRequest)"
    )
    sb.set_actions_can_create_pulls(OWNER, REPO)
    created = graphql(sb, CREATE, {"repo": sb.repo(OWNER, REPO).node_id, "head": "symphony/1"}, token=token)
    assert created["data"]["createPullRequest"]["pullRequest"]["isDraft"] is True
