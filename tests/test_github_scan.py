"""The scan against the sandbox GitHub: every status case, pagination, batching, broken repositories, cache."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from github import Auth, Github

from symphony_bot.github.cache import Cache
from symphony_bot.github.client import GitHubClient
from symphony_bot.github.issue_queries import LINKED_PULL_REQUESTS_PAGE
from symphony_bot.github.pacer import Limits, Pacer
from symphony_bot.github.scan import SCAN_BATCH_SIZE, RepositoryProblemCode, scan
from symphony_bot.issues.status import IssueStatus, PullRequestState
from symphony_bot.sandbox import Sandbox

LABEL = "runmaestro.ai"
DOC = "- docs/task.md"
SCAN_OPERATION = "SymphonyScan"
FILES_OPERATION = "ReadFiles"


def request_log(sb: Sandbox) -> Any:
    return sb.requests


def graphql_calls(sb: Sandbox, operation: str = SCAN_OPERATION) -> int:
    return sum(1 for entry in request_log(sb) if entry.graphql_operation == operation)


def client_for(sb: Sandbox, token: str = "t-reader", **options: Any) -> GitHubClient:
    options.setdefault("pacer", Pacer(Limits.unlimited()))
    return GitHubClient(sb.api_url, sb.graphql_url, token, **options)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Sandbox, dict[str, int]]]:
    """One repository with an issue for every status case; `numbers` maps case -> issue number."""
    with Sandbox() as sb:
        sb.add_user("alice", token="t-alice")
        sb.add_user("bob", token="t-bob")
        sb.add_user("reader", token="t-reader")
        sb.create_repo("alice", "proj", files={"docs/task.md": "- [ ] one\n- [x] two\n- [ ] three\n"})
        sb.push_branch("alice", "proj", "develop", {"dev.txt": "dev"})
        numbers: dict[str, int] = {}

        def issue(case: str, body: str = DOC, labels: tuple[str, ...] = (LABEL,), **extra: Any) -> int:
            numbers[case] = sb.create_issue("alice", "proj", case, body, labels=list(labels), **extra).number
            return numbers[case]

        def pull(branch: str, body: str, *, base: str | None = None, draft: bool = False, **extra: Any) -> int:
            sb.push_branch("alice", "proj", branch, {f"{branch}.txt": branch}, base=base)
            return sb.open_pull("alice", "proj", branch, base, title=branch, body=body, draft=draft, **extra).number

        issue("no-pr")
        numbers["draft-pr"] = pull("symphony/draft", f"Closes #{issue('claimed')}", draft=True)
        pull("mention", f"Related to #{issue('mentioned')} and see alice/proj#{numbers['mentioned']}")
        fork_issue = issue("fork")
        sb.fork("alice", "proj", "bob")
        sb.push_branch("bob", "proj", "fix", {"fix.txt": "fix"})
        numbers["fork-pr"] = sb.open_pull(
            "alice", "proj", "fix", "main", title="fix", body=f"Fixes #{fork_issue}", head_owner="bob"
        ).number
        pull("to-develop", f"Closes #{issue('non-default-base')}", base="develop")
        numbers["closed-pr"] = pull("abandoned", f"Closes #{issue('closed-unmerged')}")
        numbers["merged-pr"] = pull("done", f"Resolves #{issue('merged')}")
        issue("closed-issue", state="closed", state_reason="completed")
        issue("blocked", labels=(LABEL, "BLOCKING"))
        pull("blocked-claim", f"Closes #{issue('blocked-but-claimed', labels=(LABEL, 'Blocking'))}")
        issue("no-documents", body="Please improve the docs.")
        issue("unsafe", body="- docs/task.md\n- ../../etc/passwd.md")
        issue("unlabelled", labels=())
        numbers["labelled-pr"] = pull("labelled", "A PR carrying the label")
        sb.label_issue("alice", "proj", numbers["labelled-pr"], LABEL)

        github = Github(base_url=sb.api_url, auth=Auth.Token("t-alice"), retry=None, seconds_between_writes=0)
        github.get_repo("alice/proj").get_pull(numbers["closed-pr"]).edit(state="closed")
        sb.merge_pull("alice", "proj", numbers["merged-pr"])
        yield sb, numbers


@pytest.fixture(scope="module")
def scanned(world: tuple[Sandbox, dict[str, int]]) -> dict[str, Any]:
    sb, numbers = world
    result = scan(client_for(sb), ["alice/proj"])
    by_number = {issue.number: issue for issue in result.issues}
    return {case: by_number.get(number) for case, number in numbers.items()} | {"result": result}


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("no-pr", IssueStatus.AVAILABLE),
        ("claimed", IssueStatus.IN_PROGRESS),
        ("mentioned", IssueStatus.AVAILABLE),
        ("fork", IssueStatus.IN_PROGRESS),
        ("non-default-base", IssueStatus.AVAILABLE),
        ("closed-unmerged", IssueStatus.AVAILABLE),
        ("merged", IssueStatus.COMPLETED),
        ("closed-issue", IssueStatus.COMPLETED),
        ("blocked", IssueStatus.BLOCKED),
        ("blocked-but-claimed", IssueStatus.IN_PROGRESS),
        ("no-documents", IssueStatus.INVALID),
        ("unsafe", IssueStatus.INVALID),
    ],
)
def test_status_of_each_case(scanned: dict[str, Any], case: str, status: IssueStatus) -> None:
    assert scanned[case] is not None, f"{case} was not scanned"
    assert scanned[case].status is status


def test_draft_claim_names_the_pr(scanned: dict[str, Any], world: tuple[Sandbox, dict[str, int]]) -> None:
    _, numbers = world
    claim = scanned["claimed"].classification.claim
    assert claim.number == numbers["draft-pr"]
    assert claim.url.endswith(f"/alice/proj/pull/{numbers['draft-pr']}")
    assert (claim.author, claim.is_draft, claim.head_branch, claim.state) == (
        "alice",
        True,
        "symphony/draft",
        PullRequestState.OPEN,
    )


def test_fork_claim_names_the_fork(scanned: dict[str, Any], world: tuple[Sandbox, dict[str, int]]) -> None:
    _, numbers = world
    claim = scanned["fork"].classification.claim
    assert (claim.number, claim.author, claim.head_repository, claim.is_draft) == (
        numbers["fork-pr"],
        "bob",
        "bob/proj",
        False,
    )


def test_closed_and_merged_links_are_reported(scanned: dict[str, Any], world: tuple[Sandbox, dict[str, int]]) -> None:
    _, numbers = world
    closed = scanned["closed-unmerged"]
    assert [(pr.number, pr.state) for pr in closed.linked_pull_requests] == [
        (numbers["closed-pr"], PullRequestState.CLOSED)
    ]
    assert closed.classification.claim is None
    assert scanned["merged"].classification.claim.number == numbers["merged-pr"]
    assert scanned["mentioned"].linked_pull_requests == ()
    assert scanned["non-default-base"].linked_pull_requests == ()


def test_invalid_reasons(scanned: dict[str, Any]) -> None:
    assert [reason.code for reason in scanned["no-documents"].classification.reasons] == ["no-documents"]
    assert [reason.code for reason in scanned["unsafe"].classification.reasons] == ["parent-segment"]


def test_labelled_prs_and_unlabelled_issues_are_not_listed(scanned: dict[str, Any]) -> None:
    assert scanned["labelled-pr"] is None
    assert scanned["unlabelled"] is None
    assert scanned["draft-pr"] is None


def test_issue_fields(scanned: dict[str, Any]) -> None:
    issue = scanned["blocked"]
    assert issue.repo == "alice/proj"
    assert issue.author == "alice"
    assert issue.labels == (("BLOCKING", issue.labels[0][1]),)  # runmaestro.ai left out, as Maestro does
    assert [d.path for d in issue.parsed.documents] == ["docs/task.md"]
    assert issue.to_json()["status"] == "blocked"


def test_one_request_for_the_whole_repository_and_one_for_its_documents(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, _ = world
    before, before_files = graphql_calls(sb), graphql_calls(sb, FILES_OPERATION)
    result = scan(client_for(sb), ["alice/proj"])
    assert graphql_calls(sb) - before == 1
    assert graphql_calls(sb, FILES_OPERATION) - before_files == 1  # the available issues' documents, all at once
    assert result.requests == 2
    assert result.points >= 1
    assert result.rate_limit is not None and result.rate_limit.remaining > 0


def test_open_only_scan_skips_closed_issues(world: tuple[Sandbox, dict[str, int]]) -> None:
    sb, numbers = world
    result = scan(client_for(sb), ["alice/proj"], include_closed=False)
    listed = {issue.number for issue in result.issues}
    assert numbers["closed-issue"] not in listed
    assert numbers["merged"] not in listed  # merging closed it
    assert numbers["no-pr"] in listed


# --- scale: pagination and batching ----------------------------------------------------------------------------


def test_120_issues_and_60_repositories_cost_ceil_r_over_the_batch_plus_pages() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.add_user("reader", token="t-reader")
        slugs = []
        for index in range(60):
            sb.create_repo("owner", f"r{index}", files={"docs/task.md": "- [ ] a\n"})
            sb.create_issue("owner", f"r{index}", "one", DOC, labels=[LABEL])
            slugs.append(f"owner/r{index}")
        for number in range(119):  # the odd ones list a document nobody committed
            body = DOC if number % 2 else "- docs/gone.md"
            sb.create_issue("owner", "r0", f"more {number}", body, labels=[LABEL])
        request_log(sb).reset()
        result = scan(client_for(sb), slugs)
        assert len(result.repositories) == 60
        assert not result.failed
        assert len(result.repositories[0].issues) == 120
        assert [issue.number for issue in result.repositories[0].issues] == list(range(1, 121))
        assert all(len(repository.issues) == 1 for repository in result.repositories[1:])
        expected = math.ceil(60 / SCAN_BATCH_SIZE) + 1  # one more page of r0
        assert graphql_calls(sb) == expected
        # each batch's document checks ride in the next scan request (the last batch's in r0's second page)
        assert graphql_calls(sb, FILES_OPERATION) == 0
        assert len(request_log(sb)) == expected == result.requests  # nothing else was asked
        statuses = [str(issue.status) for issue in result.repositories[0].issues]
        assert statuses == ["available"] + ["invalid", "available"] * 59 + ["invalid"]


def test_issue_with_many_linked_prs_is_followed_up() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "busy", files={"README.md": "busy\n"})
        number = sb.create_issue("owner", "busy", "popular", DOC, labels=[LABEL]).number
        count = LINKED_PULL_REQUESTS_PAGE + 3
        for index in range(count):
            sb.push_branch("owner", "busy", f"b{index}", {f"f{index}.txt": "x"})
            sb.open_pull("owner", "busy", f"b{index}", title=f"try {index}", body=f"Closes #{number}", draft=True)
        request_log(sb).reset()
        (issue,) = scan(client_for(sb, "t-owner"), ["owner/busy"]).issues
        assert len(issue.linked_pull_requests) == count
        assert issue.classification.claim.number == min(pr.number for pr in issue.linked_pull_requests)
        assert graphql_calls(sb) == 1 and graphql_calls(sb, "SymphonyLinkedPullRequests") == 1


# --- broken repositories ---------------------------------------------------------------------------------------


def test_missing_private_renamed_and_archived_repositories_are_reported() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.add_user("reader", token="t-reader")
        for name in ("fine", "secret", "old-name", "frozen"):
            sb.create_repo("owner", name, private=name == "secret")
            sb.create_issue("owner", name, "work", DOC, labels=[LABEL])
        sb.rename_repo("owner", "old-name", "new-name")
        sb.archive_repo("owner", "frozen")
        request_log(sb).reset()
        result = scan(client_for(sb), ["owner/fine", "owner/missing", "owner/secret", "owner/old-name", "owner/frozen"])
        problems = {
            repository.slug: [problem.code for problem in repository.problems] for repository in result.repositories
        }
        assert problems == {
            "owner/fine": [],
            "owner/missing": [RepositoryProblemCode.NOT_FOUND],
            "owner/secret": [RepositoryProblemCode.NOT_FOUND],  # the token cannot see it
            "owner/old-name": [RepositoryProblemCode.RENAMED],
            "owner/frozen": [RepositoryProblemCode.ARCHIVED],
        }
        by_slug = {repository.slug: repository for repository in result.repositories}
        assert len(by_slug["owner/fine"].issues) == 1
        assert by_slug["owner/old-name"].name_with_owner == "owner/new-name"
        assert len(by_slug["owner/old-name"].issues) == 1
        assert by_slug["owner/frozen"].issues == []
        assert result.failed
        assert result.requests == 1  # the errors came back on HTTP 200, beside the other repositories' data

        owner_view = scan(client_for(sb, "t-owner"), ["owner/secret"])
        assert [problem.code for problem in owner_view.repositories[0].problems] == [RepositoryProblemCode.PRIVATE]
        assert not owner_view.failed


def test_a_failing_batch_does_not_stop_the_others() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        slugs = []
        for index in range(SCAN_BATCH_SIZE + 1):
            sb.create_repo("owner", f"r{index}")
            sb.create_issue("owner", f"r{index}", "x", DOC, labels=[LABEL])
            slugs.append(f"owner/r{index}")
        sb.faults.inject(SCAN_OPERATION, "status", status=500, nth=1)
        result = scan(client_for(sb, "t-owner", max_retries=0), slugs)
        failed = [repository.slug for repository in result.repositories if repository.failed]
        assert failed == slugs[:SCAN_BATCH_SIZE]
        assert len(result.repositories[-1].issues) == 1
        assert "HTTP 500" in result.repositories[0].problems[0].message


# --- the documents decide whether an issue is available -----------------------------------------------------------

BIG_DOCUMENT = "- [ ] task\n" * 100_000  # 1.1 MB: more than a run reads


def test_an_issue_whose_documents_are_missing_unreadable_or_unsafe_is_invalid() -> None:
    """A registry of repositories where some issues point at files the default branch does not hold (or holds
    in a form no run reads): those are invalid with the reason, at the line that lists the document."""
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        files = {"docs/ok.md": "- [ ] a\n", "docs/binary.md": "\0\1\2", "docs/big.md": BIG_DOCUMENT}
        sb.create_repo("owner", "docs", files=files | {"docs/folder.md/inner.md": "- [ ] x\n"})
        sb.create_repo("owner", "empty")
        bodies = {
            "ok": "- docs/ok.md\n[spec.md](https://github.com/user-attachments/files/1/spec.md)",
            "missing": "- docs/ok.md\n- docs/gone.md",
            "binary": "- docs/binary.md",
            "big": "- docs/big.md",
            "folder": "- docs/folder.md",
            "unsafe": "- ../docs/ok.md",
            "claimed": "- docs/gone.md",
        }
        numbers = {
            key: sb.create_issue("owner", "docs", key, body, labels=[LABEL]).number for key, body in bodies.items()
        }
        sb.push_branch("owner", "docs", "symphony/claimed", {"w.txt": "w"})
        sb.open_pull("owner", "docs", "symphony/claimed", title="wip", body=f"Closes #{numbers['claimed']}")
        sb.create_issue("owner", "empty", "nothing pushed", DOC, labels=[LABEL])
        result = scan(client_for(sb, "t-owner"), ["owner/docs", "owner/empty"])
    issues = {issue.title: issue for issue in result.issues}
    reasons = {title: [(r.line, r.code) for r in issue.classification.reasons] for title, issue in issues.items()}
    statuses = {title: str(issue.status) for title, issue in issues.items()}
    assert statuses == {
        "ok": "available",
        "missing": "invalid",
        "binary": "invalid",
        "big": "invalid",
        "folder": "invalid",
        "unsafe": "invalid",
        "claimed": "in_progress",  # the documents decide no other status
        "nothing pushed": "invalid",
    }
    assert reasons["missing"] == [(2, "document-missing")]
    assert reasons["binary"] == reasons["big"] == reasons["folder"] == [(1, "document-unreadable")]
    assert reasons["unsafe"] == [(1, "parent-segment")]
    assert reasons["nothing pushed"] == [(1, "document-missing")]
    assert issues["missing"].classification.reasons[0].message == (
        "docs/gone.md is not on the default branch (main); commit it there or fix the path in the issue"
    )
    assert "is not UTF-8 text" in issues["binary"].classification.reasons[0].message
    assert f"is {len(BIG_DOCUMENT):,} bytes" in issues["big"].classification.reasons[0].message
    assert issues["missing"].to_json()["invalidReasons"][0]["code"] == "document-missing"


def test_documents_github_could_not_check_never_make_an_issue_invalid() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "docs", files={"docs/ok.md": "- [ ] a\n"})
        sb.create_issue("owner", "docs", "gone", "- docs/gone.md", labels=[LABEL])
        sb.faults.inject(FILES_OPERATION, "status", status=500)
        result = scan(client_for(sb, "t-owner", max_retries=0), ["owner/docs"])
    assert not result.failed
    assert [str(issue.status) for issue in result.issues] == ["available"]  # not known to be missing


def test_a_scan_request_that_fails_with_checks_riding_is_sent_again_without_them() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        slugs = []
        for index in range(SCAN_BATCH_SIZE + 1):
            sb.create_repo("owner", f"r{index}", files={"docs/task.md": "- [ ] a\n"})
            sb.create_issue("owner", f"r{index}", "x", "- docs/gone.md" if index == 0 else DOC, labels=[LABEL])
            slugs.append(f"owner/r{index}")
        sb.faults.inject(SCAN_OPERATION, "status", status=500, nth=2)  # the second batch, carrying the first's checks
        result = scan(client_for(sb, "t-owner", max_retries=0), slugs)
        assert not result.failed  # the checks never cost a repository its issues
        assert [str(issue.status) for issue in result.issues] == ["invalid"] + ["available"] * SCAN_BATCH_SIZE
        assert graphql_calls(sb) == 3 and graphql_calls(sb, FILES_OPERATION) == 1  # the checks in one of their own


def test_checks_github_cannot_answer_at_once_are_asked_again_in_halves() -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "docs", files={"docs/ok.md": "- [ ] a\n"})
        for number in range(60):
            sb.create_issue("owner", "docs", f"i{number}", f"- docs/gone-{number}.md", labels=[LABEL])
        sb.faults.inject(FILES_OPERATION, "status", status=502, nth=1)  # as GitHub's answer to a query too slow
        result = scan(client_for(sb, "t-owner", max_retries=0), ["owner/docs"])
        assert [str(issue.status) for issue in result.issues] == ["invalid"] * 60
        assert graphql_calls(sb, FILES_OPERATION) == 3  # 60 refused, then 30 and 30


# --- cache -------------------------------------------------------------------------------------------------------


def test_cache_serves_fresh_results_and_refresh_bypasses_it(tmp_path: Path) -> None:
    with Sandbox() as sb:
        sb.add_user("owner", token="t-owner")
        sb.create_repo("owner", "proj", files={"docs/task.md": "- [ ] a\n"})
        sb.create_issue("owner", "proj", "x", DOC, labels=[LABEL])
        sb.create_issue("owner", "proj", "y", "- docs/gone.md", labels=[LABEL])
        now = [1000.0]
        cache = Cache(tmp_path, clock=lambda: now[0])
        first = scan(client_for(sb, "t-owner"), ["owner/proj"], cache=cache)
        second = scan(client_for(sb, "t-owner"), ["owner/proj"], cache=cache)
        assert (first.requests, second.requests) == (2, 0)  # the issues, then their documents; then nothing
        assert second.repositories[0].from_cache
        assert [issue.number for issue in second.issues] == [issue.number for issue in first.issues]
        # the documents' answers are cached with the issues: the same statuses, the same reasons
        assert [issue.status for issue in second.issues] == [IssueStatus.AVAILABLE, IssueStatus.INVALID]
        assert second.issues[1].classification.reasons == first.issues[1].classification.reasons
        assert scan(client_for(sb, "t-owner"), ["owner/proj"], cache=cache, refresh=True).requests == 2
        assert (
            scan(client_for(sb, "t-other"), ["owner/proj"], cache=cache).requests == 1
        )  # another token: asked (refused)
        now[0] += 5 * 60
        assert scan(client_for(sb, "t-owner"), ["owner/proj"], cache=cache).requests == 2  # expired
        missing = scan(client_for(sb, "t-owner"), ["owner/gone"], cache=cache)
        again = scan(client_for(sb, "t-owner"), ["owner/gone"], cache=cache)
        assert missing.failed and again.failed and again.requests == 1  # failures are never cached
