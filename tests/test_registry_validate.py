"""Registry validation: schema findings, the rules a schema cannot express, positions, hostile input."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony_bot.registry import render as registry_render
from symphony_bot.registry import validate as registry
from symphony_bot.registry.validate import validate_bytes, validate_file
from symphony_bot.registry.values import MAX_QUOTED_CHARS, quote
from symphony_bot.report.findings import Severity
from tests.registry_helpers import NOW, REPO_ROOT, check, codes, entry, mutations, registry_with, values


def test_a_correct_registry_has_no_findings() -> None:
    report = check(registry_with(entry(), entry(slug="octo/other", url="https://github.com/octo/other")))
    assert report.valid
    assert report.findings == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"slug": "not a slug"}, "schema-pattern"),
        ({"description": "x" * 201}, "schema-max-length"),
        ({"addedAt": "2025-13-45"}, "schema-format"),
        ({"url": "https:// no"}, "schema-format"),
        ({"isActive": "yes"}, "schema-type"),
        ({"name": None}, "schema-required"),
        ({"stars": 5}, "schema-additional-properties"),
    ],
)
def test_schema_errors_carry_a_code_and_a_line(change, code) -> None:
    report = check(registry_with(entry(**change)))
    assert not report.valid
    assert code in [f.code for f in report.findings]
    assert all(f.line > 1 for f in report.findings)


def test_last_updated_must_be_a_date_time() -> None:
    report = check(registry_with(entry(), last_updated="yesterday"))
    [finding] = report.findings
    assert (finding.code, finding.json_path, finding.line) == ("schema-format", "$.lastUpdated", 3)


def test_unknown_field_points_at_the_field() -> None:
    report = check(registry_with(entry(stars=5)))
    [finding] = report.findings
    assert finding.json_path == "$.repositories[0].stars"
    assert finding.message == 'unknown field "stars"'


def test_duplicate_slug_is_case_insensitive() -> None:
    report = check(registry_with(entry(), entry(slug="Octo/Hello", url="https://github.com/Octo/Hello")))
    assert ("error", "duplicate-slug") in codes(report)
    assert check(registry_with(entry(), entry(slug="octo/hello2", url="https://github.com/octo/hello2"))).valid


def test_url_must_point_at_the_slug() -> None:
    assert ("error", "url-mismatch") in codes(check(registry_with(entry(url="https://github.com/someone/else"))))
    case_only = check(registry_with(entry(url="https://github.com/Octo/Hello")))
    assert codes(case_only) == [("warning", "url-case-mismatch")]
    assert case_only.valid
    assert check(registry_with(entry(url="https://github.com/octo/hello/"))).findings == []


def test_unknown_category_suggests_the_known_one() -> None:
    report = check(registry_with(entry(category="Desktop")))
    [finding] = report.findings
    assert (finding.code, finding.hint) == ("unknown-category", "desktop")
    assert "did you mean" in finding.message
    [typo] = check(registry_with(entry(category="developer-tool"))).findings
    assert typo.hint == "developer-tools"
    [nonsense] = check(registry_with(entry(category="zzzzzz"))).findings
    assert nonsense.hint is not None and nonsense.hint.startswith("one of: ai-ml")
    assert check(registry_with(entry(category="desktop"))).valid


def test_added_dates_are_checked_against_last_updated_and_today() -> None:
    after = check(registry_with(entry(addedAt="2026-06-01")))
    assert codes(after) == [("warning", "added-after-last-updated")]
    future = check(registry_with(entry(addedAt="2027-01-01"), last_updated="2027-02-01T00:00:00Z"))
    assert codes(future) == [("warning", "added-in-future")]
    assert check(registry_with(entry(addedAt="2026-05-09"))).findings == []


def test_tags_must_be_distinct_and_not_blank() -> None:
    assert codes(check(registry_with(entry(tags=["cli", "CLI"])))) == [("warning", "duplicate-tag")]
    assert codes(check(registry_with(entry(tags=["cli", "  "])))) == [("error", "blank-tag")]


def test_maintainer_url_must_be_https() -> None:
    report = check(registry_with(entry(maintainer={"name": "x", "url": "http://example.com"})))
    assert codes(report) == [("error", "maintainer-url-not-https")]
    assert check(registry_with(entry(maintainer={"name": "x"}))).valid


def test_wrong_top_level_type_is_a_clear_error() -> None:
    report = validate_bytes(b"[1, 2]")
    assert codes(report) == [("error", "not-an-object")]
    assert "not an array" in report.findings[0].message


def test_every_file_of_the_real_registry_history(registry_history) -> None:
    files = sorted(registry_history.glob("*.json"))
    assert len(files) >= 10
    checked_case_only = 0
    for path in files:
        report = validate_file(path, now=NOW)
        if path.name == "2026-05-09-d741f471b.json":
            assert not report.valid
            errors = [f for f in report.findings if f.severity is Severity.ERROR]
            assert [(f.code, f.hint, f.line, f.json_path) for f in errors] == [
                ("unknown-category", "desktop", 115, "$.repositories[7].category")
            ]
            assert '"category": "Desktop"' in path.read_text().splitlines()[114]
        else:
            assert report.valid, (path.name, report.findings)
        case_only = [f for f in report.findings if f.code == "url-case-mismatch"]
        if "volvoxllc/volvox-bot" in path.read_text():  # its url says VolvoxLLC: a warning, never an error
            [finding] = case_only
            assert finding.severity is Severity.WARNING
            assert "volvox-bot" in finding.message
            assert finding.json_path.endswith(".url")
            checked_case_only += 1
        else:
            assert case_only == []
    assert checked_case_only >= 4


def test_the_projects_own_registry_is_valid() -> None:
    report = validate_file(REPO_ROOT / "symphony-registry.json", now=NOW)
    assert report.valid
    assert report.findings == []


def test_start_up_fails_loudly_when_a_format_is_not_checked(monkeypatch) -> None:
    class Lenient:
        def __init__(self, schema, validate_formats):
            pass

        def is_valid(self, value):
            return True

    class FakeModule:
        Draft202012Validator = Lenient

    with pytest.raises(registry.FormatCheckerMissing, match='format "date"'):
        registry._assert_format_checkers(FakeModule)


def test_formats_are_really_checked() -> None:
    for field, bad in (("addedAt", "2026-02-30"), ("url", "not a url")):
        assert "schema-format" in [f.code for f in check(registry_with(entry(**{field: bad}))).findings]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), mutations, values), max_size=6), st.booleans())
def test_no_mutated_registry_crashes_and_every_finding_has_a_line(edits, top_level_garbage) -> None:
    data = registry_with(
        entry(),
        entry(slug="a/b", url="https://github.com/a/b"),
        entry(slug="c/d", url="https://github.com/c/d"),
    )
    for index, mutate, value in edits:
        mutate(data["repositories"][index], value)
    if top_level_garbage:
        data["lastUpdated"] = edits[0][2] if edits else None
    report = check(data)
    for finding in report.findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.code and finding.message
    for rendered in (
        registry_render.validation_text([report]),
        registry_render.validation_markdown([report]),
        registry_render.validation_json([report]),
    ):
        rendered.encode("utf-8")  # printable: no lone surrogate reaches the output
        assert "\x1b" not in rendered  # control characters from the file stay escaped


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_no_byte_string_crashes_the_validator(raw) -> None:
    report = validate_bytes(b'{"repositories": [' + raw)
    assert all(f.line >= 1 for f in report.findings)


def test_a_category_that_is_not_a_string_is_still_reported() -> None:
    [finding] = check(registry_with(entry(category=5))).findings
    assert (finding.code, finding.json_path) == ("schema-enum", "$.repositories[0].category")


def test_hostile_text_is_quoted_inert_and_cut_short() -> None:
    report = check(registry_with(entry(category="\x1b[31mred\n::error::x", description="y" * 5000)))
    messages = {f.code: f.message for f in report.findings}
    assert "\\u001b[31mred\\n::error::x" in messages["unknown-category"]
    assert "\x1b" not in messages["unknown-category"] and "\n" not in messages["unknown-category"]
    assert messages["schema-max-length"] == "description is 5000 characters long; at most 200 are allowed"
    assert len(quote("z" * 1000)) == MAX_QUOTED_CHARS


def test_nesting_past_what_the_validator_takes_is_a_finding() -> None:
    deep = entry()
    deep["tags"] = json.loads("[" * 400 + "]" * 400)
    report = check(registry_with(deep))
    [finding] = [f for f in report.findings if f.severity is Severity.ERROR]
    assert finding.code == "nesting-too-deep"
    assert finding.line > 1
    assert finding.json_path.startswith("$.repositories[0].tags[0][0]")


def test_messages_for_common_schema_errors_are_plain() -> None:
    report = check(registry_with(entry(name="", isActive="yes", tags=[f"t{i}" for i in range(21)])))
    assert sorted(f.message for f in report.findings) == [
        '"yes" is not of type boolean',
        "name must not be empty",
        "tags has 21 items; at most 20 are allowed",
    ]


@pytest.mark.parametrize("slug", ["", "owner", "a/b/c", "-owner/repo", "owner-/repo", "a/..", "a/.", "o" * 40 + "/r"])
def test_slugs_maestro_refuses_are_refused(slug) -> None:
    report = check(registry_with(entry(slug=slug, url=f"https://github.com/{slug}")))
    assert "schema-pattern" in [f.code for f in report.findings]


@pytest.mark.parametrize("slug", ["a/b", "RunMaestro/Maestro", "a-b/c_d.e", "o" * 39 + "/.github"])
def test_slugs_github_allows_are_allowed(slug) -> None:
    assert check(registry_with(entry(slug=slug, url=f"https://github.com/{slug}"))).findings == []


def test_an_error_kind_of_another_shape_falls_back_to_the_validators_words(monkeypatch) -> None:
    def other_shape(error, keyword, parts):
        raise AttributeError("'ValidationErrorKind_Type' object has no attribute 'types'")

    monkeypatch.setattr(registry, "_describe_schema_error", other_shape)
    [finding] = check(registry_with(entry(isActive="yes"))).findings
    assert (finding.code, finding.json_path) == ("schema-type", "$.repositories[0].isActive")
    assert "boolean" in finding.message
