"""Many files in one GraphQL query (`object(expression:)`), with GitHub's 512,000-byte cut of `Blob.text` read
again through the contents API (sveltia/sveltia-cms#950 measured the cut)."""

from __future__ import annotations

import pytest

from symphony_bot.github.client import GitHubClient
from symphony_bot.github.files import FILES_PER_QUERY, FileRequest, file_query, read_files
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.sandbox import Sandbox
from tests.conformance.github_graphql import assert_valid_github_query

LONG = "- [ ] task\n" * 50_000  # 550,000 bytes: over GraphQL's cut, under the contents API's 1 MB


@pytest.fixture
def client(sb: Sandbox) -> GitHubClient:
    sb.add_user("owner", token="t-owner")
    files = {"docs/a.md": "- [ ] a\n", "docs/long.md": LONG, "bin.dat": "\0\1\2", "docs/sub/x.md": "x\n"}
    sb.create_repo("owner", "one", files=files)
    sb.create_repo("owner", "two", files={**{f"d/{n}.md": f"- [ ] {n}\n" for n in range(60)}})
    return GitHubClient(sb.api_url, sb.graphql_url, "t-owner", pacer=Pacer(Limits.unlimited()))


def test_the_query_is_a_valid_github_query() -> None:
    batch = [FileRequest("o/r", "main", "a.md"), FileRequest("o/s", "main", "b.md"), FileRequest("o/r", "dev", "c")]
    for text in (True, False):
        query, variables = file_query(batch, text)
        assert_valid_github_query(query)
        assert "main:a.md" in variables.values() and "main:a.md" not in query  # values travel as variables


def test_files_of_several_repositories_in_one_request(sb: Sandbox, client: GitHubClient) -> None:
    requests = [FileRequest("owner/one", "main", "docs/a.md"), FileRequest("owner/two", "main", "d/1.md")]
    before = client.graphql_requests
    answers = read_files(client, requests)
    assert client.graphql_requests - before == 1
    assert answers[requests[0]].text == "- [ ] a\n" and answers[requests[1]].text == "- [ ] 1\n"


def test_batches_of_at_most_files_per_query(client: GitHubClient) -> None:
    requests = [FileRequest("owner/two", "main", f"d/{n}.md") for n in range(60)]
    before = client.graphql_requests
    answers = read_files(client, requests)
    assert client.graphql_requests - before == -(-60 // FILES_PER_QUERY)
    assert all(answers[request].text == f"- [ ] {n}\n" for n, request in enumerate(requests))


def test_a_text_github_cuts_short_is_read_whole_through_the_contents_api(sb: Sandbox, client: GitHubClient) -> None:
    request = FileRequest("owner/one", "main", "docs/long.md")
    answer = read_files(client, [request])[request]
    assert answer.text == LONG and answer.size == len(LONG)
    assert [entry.operation for entry in sb.requests if entry.operation == "repos/get-content"]


def test_why_a_file_has_no_text(client: GitHubClient) -> None:
    missing, folder, binary = (
        FileRequest("owner/one", "main", "nope.md"),
        FileRequest("owner/one", "main", "docs/sub"),
        FileRequest("owner/one", "main", "bin.dat"),
    )
    answers = read_files(client, [missing, folder, binary, FileRequest("owner/nowhere", "main", "a.md")])
    assert answers[missing].note == "not found on main" and not answers[missing].exists
    assert answers[folder].note == "is a directory, not a document"
    assert answers[binary].note == "is not UTF-8 text" and answers[binary].exists
    assert answers[FileRequest("owner/nowhere", "main", "a.md")].note == "not found on main"


def test_existence_only_reads_no_text(client: GitHubClient) -> None:
    present, absent = FileRequest("owner/one", "main", "docs/a.md"), FileRequest("owner/one", "main", "x.md")
    answers = read_files(client, [present, absent], text=False)
    assert answers[present].exists and answers[present].text is None and answers[present].size == 8
    assert not answers[absent].exists
