"""Real GitHub traffic (@octokit/fixtures) replayed through vcrpy, then the same PyGithub calls on the sandbox.

For each scenario the cassette is generated from the pinned npm package at test time. The same PyGithub code
runs twice: against the recording (`record_mode="none"`: nothing reaches the network, every recorded
interaction must be played) and against a sandbox seeded with the recording's own data. The HTTP exchanges of
both runs are compared: same methods, statuses and pagination, and the sandbox's bodies have every key GitHub
sent, with the same JSON types, at the levels the bot reads.

Known differences between PyGithub and octokit.js (toolchain.md §5, §7) are handled where they arise: PyGithub
sends add-labels as a bare list (the body matcher folds it), and a label is only fetched when read.
GitHub's search now requires `is:issue` / `is:pull-request` (github-semantics.md §3), which the 2017 recording
predates: the sandbox is asked with `is:issue` added, and the bare query is checked to be refused with 422.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import github
import pytest
from github import Auth, Github

from symphony_bot.sandbox import Sandbox
from tests.conformance.octokit_fixtures import (
    GITHUB_API,
    Exchange,
    capture_exchanges,
    replaying_vcr,
    scenario_entries,
    shape_differences,
    write_cassette,
)

ORG = "octokit-fixture-org"
USER = "octokit-fixture-user-a"
TOKEN = "0000000000000000000000000000000000000001"  # the recordings' normalised token
SEARCH_TERMS = f"sesame repo:{ORG}/search-issues"


@dataclass
class Outcome:
    exchanges: list[Exchange]
    result: Any


def client(base_url: str, **options: Any) -> Github:
    return Github(
        base_url=base_url,
        auth=Auth.Token(TOKEN),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
        lazy=True,
        **options,
    )


# ---- the same PyGithub calls for both sides ---------------------------------------------------------------------


def labels_steps(gh: Github) -> Any:
    repo = gh.get_repo(f"{ORG}/labels")
    names = [label.name for label in repo.get_labels()]
    repo.create_label("test-label", "663399")
    label = repo.get_label("test-label")
    color = label.color  # lazy: reading fetches it
    label.edit("test-label-updated", "BADA55")
    label.delete()
    return names, color


def add_labels_steps(gh: Github) -> Any:
    repo = gh.get_repo(f"{ORG}/add-labels-to-issue")
    issue = repo.create_issue(title="Issue without a label")
    issue.add_to_labels("Foo", "bAr", "baZ")
    return issue.number


def paginate_steps(gh: Github) -> Any:
    return [issue.title for issue in gh.get_repo(f"{ORG}/paginate-issues").get_issues()]


def search_steps(terms: str) -> Callable[[Github], Any]:
    def steps(gh: Github) -> Any:
        return [item.number for item in gh.search_issues(terms)]  # iterate: totalCount makes an extra request

    return steps


def errors_steps(gh: Github) -> Any:
    with pytest.raises(github.GithubException) as raised:
        gh.get_repo(f"{ORG}/errors").create_label("foo", "invalid")
    return raised.value.status, raised.value.data


# ---- seeding the sandbox from the recording -----------------------------------------------------------------


def _first_response(npm_modules: Path, scenario: str) -> Any:
    return scenario_entries(npm_modules, scenario)[0]["response"]


def seed(sb: Sandbox, npm_modules: Path, scenario: str) -> None:
    sb.add_user(USER, token=TOKEN)
    sb.add_user(ORG, type="Organization")
    repo_name = scenario
    sb.create_repo(ORG, repo_name, files={"README.md": f"{scenario}\n"})
    sb.set_permission(ORG, repo_name, USER, "admin")
    if scenario == "labels":
        for label in _first_response(npm_modules, scenario):
            sb.add_label(ORG, repo_name, label["name"], color=label["color"], description=label["description"])
    elif scenario == "paginate-issues":
        recorded = [issue for entry in scenario_entries(npm_modules, scenario) for issue in entry["response"]]
        for issue in sorted(recorded, key=lambda item: item["number"]):
            sb.create_issue(ORG, repo_name, issue["title"], issue["body"] or "", author=USER)
    elif scenario == "search-issues":
        recorded = _first_response(npm_modules, scenario)["items"]
        for issue in sorted(recorded, key=lambda item: item["number"]):
            sb.create_issue(ORG, repo_name, issue["title"], issue["body"] or "", author=USER)
        sb.create_issue(ORG, repo_name, "Unrelated", "nothing to see", author=USER)


# ---- running both sides -------------------------------------------------------------------------------------


def replay(npm_modules: Path, tmp: Path, scenario: str, steps: Callable[[Github], Any], **options: Any) -> Outcome:
    cassette_path = write_cassette(npm_modules, scenario, tmp / f"{scenario}.yaml")
    with replaying_vcr().use_cassette(str(cassette_path)) as cassette, capture_exchanges() as exchanges:
        result = steps(client(GITHUB_API, **options))
        assert cassette.all_played, f"{scenario}: the PyGithub calls did not use every recorded interaction"
        assert cassette.play_count == len(exchanges) == len(cassette.data)
    return Outcome(list(exchanges), result)


def on_sandbox(npm_modules: Path, scenario: str, steps: Callable[[Github], Any], **options: Any) -> Outcome:
    with Sandbox() as sb:
        seed(sb, npm_modules, scenario)
        with capture_exchanges() as exchanges:
            result = steps(client(sb.api_url, **options))
    return Outcome(list(exchanges), result)


def assert_same_shapes(recorded: Outcome, ours: Outcome) -> None:
    assert [(e.method, e.status) for e in ours.exchanges] == [(e.method, e.status) for e in recorded.exchanges]
    problems: list[str] = []
    for index, (theirs, mine) in enumerate(zip(recorded.exchanges, ours.exchanges, strict=True)):
        problems += [
            f"exchange {index} {mine.method} {mine.path}: {p}" for p in shape_differences(theirs.body, mine.body)
        ]
    assert problems == []


@pytest.fixture(scope="module")
def cassettes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cassettes")


def test_labels(npm_modules: Path, cassettes: Path) -> None:
    recorded = replay(npm_modules, cassettes, "labels", labels_steps)
    ours = on_sandbox(npm_modules, "labels", labels_steps)
    assert_same_shapes(recorded, ours)
    assert ours.result == recorded.result  # same label names in the same order, same colour read back


def test_add_labels_to_issue(npm_modules: Path, cassettes: Path) -> None:
    recorded = replay(npm_modules, cassettes, "add-labels-to-issue", add_labels_steps)
    ours = on_sandbox(npm_modules, "add-labels-to-issue", add_labels_steps)
    assert_same_shapes(recorded, ours)
    assert ours.result == recorded.result == 1
    # add-labels answers with the issue's labels, names as given (new labels are created on the fly).
    for outcome in (recorded, ours):
        assert [label["name"] for label in outcome.exchanges[1].body] == ["Foo", "bAr", "baZ"]


def test_paginate_issues(npm_modules: Path, cassettes: Path) -> None:
    recorded = replay(npm_modules, cassettes, "paginate-issues", paginate_steps, per_page=3)
    ours = on_sandbox(npm_modules, "paginate-issues", paginate_steps, per_page=3)
    assert_same_shapes(recorded, ours)
    assert sorted(ours.result) == sorted(recorded.result) and len(ours.result) == 13
    # Same pagination: pages of 3, a `next` link on every page but the last, `per_page` carried along.
    for theirs, mine in zip(recorded.exchanges, ours.exchanges, strict=True):
        assert len(mine.body) == len(theirs.body)
        assert ('rel="next"' in mine.link) == ('rel="next"' in theirs.link)
        assert ('rel="prev"' in mine.link) == ('rel="prev"' in theirs.link)
        assert dict(mine.query).get("per_page") == dict(theirs.query).get("per_page") == "3"


def test_search_issues(npm_modules: Path, cassettes: Path) -> None:
    recorded = replay(npm_modules, cassettes, "search-issues", search_steps(SEARCH_TERMS))
    ours = on_sandbox(npm_modules, "search-issues", search_steps(f"{SEARCH_TERMS} is:issue"))
    assert_same_shapes(recorded, ours)
    assert sorted(ours.result) == sorted(recorded.result)
    assert ours.exchanges[0].body["total_count"] == recorded.exchanges[0].body["total_count"] == 2
    # Today's GitHub refuses the recording's bare query (no is:issue / is:pull-request).
    refused = on_sandbox(npm_modules, "search-issues", _raises(search_steps(SEARCH_TERMS)))
    assert refused.result.status == 422


def _raises(steps: Callable[[Github], Any]) -> Callable[[Github], Any]:
    def run(gh: Github) -> Any:
        with pytest.raises(github.GithubException) as raised:
            steps(gh)
        return raised.value

    return run


def test_validation_error_422(npm_modules: Path, cassettes: Path) -> None:
    recorded = replay(npm_modules, cassettes, "errors", errors_steps)
    ours = on_sandbox(npm_modules, "errors", errors_steps)
    assert_same_shapes(recorded, ours)
    (their_status, their_body), (our_status, our_body) = recorded.result, ours.result
    assert our_status == their_status == 422
    assert our_body["message"] == their_body["message"] == "Validation Failed"
    assert our_body["errors"] == their_body["errors"] == [{"resource": "Label", "code": "invalid", "field": "color"}]
    assert "documentation_url" in our_body


def test_a_request_outside_the_recording_never_reaches_the_network(npm_modules: Path, cassettes: Path) -> None:
    import vcr.errors

    def unrecorded(gh: Github) -> Any:
        return gh.get_repo(f"{ORG}/labels").get_label("not-recorded").color

    with pytest.raises(vcr.errors.CannotOverwriteExistingCassetteException):
        replay(npm_modules, cassettes, "labels", unrecorded)


def test_the_shape_check_notices_a_missing_key_or_a_wrong_type() -> None:
    github_issue = {"number": 1, "user": {"login": "a", "id": 1}, "labels": [{"name": "x", "color": "fff"}]}
    assert shape_differences(github_issue, {**github_issue, "extra": True}) == []
    assert shape_differences(github_issue, {"number": 1, "user": {"login": "a"}, "labels": []}) == [
        "$.user.id: missing in the sandbox's body"
    ]
    assert shape_differences(github_issue, {**github_issue, "number": "1"}) == [
        "$.number: GitHub sent number, sandbox sent string"
    ]
    assert shape_differences(github_issue, {**github_issue, "labels": [{"name": "x"}]}) == [
        "$.labels[0].color: missing in the sandbox's body"
    ]
