from symphony_bot.findings import Finding, Severity
from symphony_bot.workflow_commands import (
    ANNOTATIONS_PER_LEVEL,
    annotation,
    append_summary,
    escape_data,
    escape_property,
    finding_annotations,
)


def test_data_and_properties_are_escaped() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    line = annotation("error", "two\nlines", file="dir/a,b.json", line=3, column=4, title="code: x")
    assert line == "::error file=dir/a%2Cb.json,line=3,col=4,title=code%3A x::two%0Alines"


def test_annotations_stop_at_the_runner_cap_per_level() -> None:
    findings = [Finding(Severity.ERROR, "e", f"m{i}", line=i + 1) for i in range(15)]
    findings += [Finding(Severity.WARNING, "w", "warn", hint="fix it")]
    lines = finding_annotations("r.json", findings)
    assert sum(line.startswith("::error") for line in lines) == ANNOTATIONS_PER_LEVEL
    assert lines[-1] == "::warning file=r.json,line=1,col=1,title=w::warn — hint: fix it"


def test_summary_is_appended_only_in_actions(tmp_path) -> None:
    summary = tmp_path / "summary.md"
    assert append_summary("# one", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert append_summary("# two", {"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text() == "# one\n\n# two\n\n"
    assert not append_summary("# three", {})
