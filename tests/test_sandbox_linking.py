from symphony_bot.sandbox.linking import IssueReference, closing_references, mentions


def refs(body: str) -> list[str]:
    return [str(ref) for ref in closing_references(body, "o", "r")]


def test_every_keyword_any_case_and_optional_colon():
    for keyword in ("close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"):
        assert refs(f"{keyword} #4") == ["o/r#4"]
        assert refs(f"{keyword.upper()}: #4") == ["o/r#4"]
    assert refs("Fixes: #3") == ["o/r#3"]
    assert refs("CLOSES #10") == ["o/r#10"]


def test_cross_repo_and_several_references():
    assert refs("Fixes octo-org/octo-repo#100") == ["octo-org/octo-repo#100"]
    assert refs("Resolves #10, resolves #123 and closes other/x#1") == ["o/r#10", "o/r#123", "other/x#1"]


def test_mentions_without_keyword_or_inside_words_do_not_link():
    assert refs("see #3") == []
    assert refs("prefixes #3") == []
    assert refs("Closes #10, #11") == ["o/r#10"]  # each issue needs its own keyword
    assert refs("closes#3") == []
    assert refs("Fixes `#3` in code") == []
    assert refs("```\nfixes #3\n```") == []
    assert refs("fixes #3abc") == []
    assert refs(None) == []  # type: ignore[arg-type]


def test_duplicates_collapse_case_insensitively():
    assert refs("fixes O/R#2 and closes o/r#2 and fixes #2") == ["O/R#2"]


def test_mentions_find_bare_references():
    assert mentions("see #3 and a/b#4", "o", "r") == [IssueReference("o", "r", 3), IssueReference("a", "b", 4)]


def test_the_issue_url_form_links_and_only_an_issue_url_does():
    """GitHub honours `<keyword> <issue URL>` besides `#N` and `owner/repo#N`
    (https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue);
    the sandbox's own `/html/` view of an issue counts as its URL."""
    assert refs("Fixes https://github.com/octo-org/octo-repo/issues/7") == ["octo-org/octo-repo#7"]
    assert refs("closes http://127.0.0.1:8080/html/o/r/issues/3.") == ["o/r#3"]
    assert refs("Fixes https://github.com/o/r/pull/3") == []  # a pull request's URL does not close anything
    assert refs("Fixes https://gitlab.com/o/r/issues/3") == []
    assert refs("see https://github.com/o/r/issues/3") == []  # no keyword
    assert refs("Fixes https://github.com/o/r/issues/3abc") == []
