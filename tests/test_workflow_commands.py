from symphony_bot.findings import Finding, Severity
from symphony_bot.workflow_commands import (
    ANNOTATIONS_PER_LEVEL,
    SUMMARY_MAX_BYTES,
    annotation,
    append_summary,
    escape_data,
    escape_property,
    finding_annotations,
    not_annotated_note,
    split_for_annotation,
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


def test_summary_is_cut_at_githubs_per_step_limit(tmp_path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_bytes(b"x" * 1000 + b"\n")
    environ = {"GITHUB_STEP_SUMMARY": str(summary)}
    line = "| ❌ | a row of a long findings table |\n"
    assert append_summary(line * 100_000, environ)
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= SUMMARY_MAX_BYTES
    assert text.rstrip().endswith("complete report.")
    assert "The summary was cut here" in text
    body = text[text.index("\n") + 1 : text.index("\n\n**The summary")]
    assert set(body.split("\n")) == {line.rstrip("\n")}  # cut between rows, never inside one
    append_summary("# more", environ)  # a full summary takes nothing more
    assert len(summary.read_bytes()) <= SUMMARY_MAX_BYTES


def test_split_for_annotation_keeps_the_rest_for_the_summary() -> None:
    findings = [Finding(Severity.WARNING, "w", "m") for _ in range(12)]
    annotated, rest = split_for_annotation(findings)
    assert (len(annotated), len(rest)) == (10, 2)
    assert not_annotated_note(0) == ""
    assert not_annotated_note(1).startswith("1 more finding could not")
