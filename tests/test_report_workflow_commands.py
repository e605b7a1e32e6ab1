import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony_bot.report.findings import Finding, Severity
from symphony_bot.report.workflow_commands import (
    ANNOTATIONS_PER_LEVEL,
    SUMMARY_MAX_BYTES,
    annotation,
    append_summary,
    escape_data,
    escape_property,
    finding_annotations,
    neutralize,
    not_annotated_note,
    split_for_annotation,
)
from tests.actions_runner import command_lines, forged_commands


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


# ------------------------------------------------------------------ neutralize (issue 9, item 3: forged commands)

FORGERIES = [
    "    ::error file=x,line=1::forged",  # leading blanks: the runner trims them
    "key\n::error::forged",  # a value holding a line feed
    "key\r::error::forged",
    "key\r\n::add-mask::secret",
    "x\u2028::error::forged",  # Unicode line and paragraph separators, NEL, VT, FF
    "x\u2029::error::forged",
    "x\u0085::error::forged",
    "x\v::error::forged",
    "x\f::error::forged",
    "\u2028::error::forged",
    "\t\u3000\u00a0::warning::forged",  # Unicode white space before the command
    "\u00ad::error::forged",  # ignorable characters a culture-sensitive comparison skips
    ":\u200b:error::forged",
    "\ufeff::error::forged",
    "description ##[error]forged anywhere in the line",
    "##[add-mask]secret",
    "#\u00ad#[error]forged",
    "##vso[task.setvariable]x",
    "###[error]x",
]


@pytest.mark.parametrize("text", FORGERIES)
def test_neutralize_leaves_no_command_the_runner_would_obey(text) -> None:
    assert command_lines(text), "the reproducer is a command before neutralizing"
    assert command_lines(neutralize(text)) == []


def test_neutralize_keeps_plain_text_and_line_feeds() -> None:
    text = "symphony-registry.json:3:5: error[url-mismatch]: url does not match\n    hint: use a::b"
    assert neutralize(text) == text
    assert neutralize("café 🎵\tx") == "café 🎵\tx"


def test_neutralize_escapes_the_json_way_so_json_stays_json() -> None:
    value = {"key": "##[add-mask]x\u2028::error\ud800\U000e0041\u00ad", "::error::x": [1]}
    text = json.dumps(value, ensure_ascii=False, indent=2)
    neutral = neutralize(text)
    assert json.loads(neutral) == value
    assert command_lines(neutral) == []
    neutral.encode("utf-8")  # a lone surrogate is an escape, not a crash


def test_everything_a_reader_may_take_as_a_line_end_or_skip_is_escaped() -> None:
    """The escape list in workflow_commands agrees with the Unicode database: every control (but tab and
    line feed), surrogate, separator and format character; and no white space the runner trims hides a command."""
    missed = []
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        must_escape = category in ("Cc", "Cf", "Cs", "Zl", "Zp") and char not in "\t\n"
        if must_escape and neutralize(char) == char:
            missed.append(f"U+{code:04X}")
    assert missed == []
    # .NET's Char.IsWhiteSpace, which the runner's TrimStart removes: escaped, or trimmed by neutralize too
    dotnet_white_space = "\t\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    dotnet_white_space += "".join(map(chr, range(0x2000, 0x200B)))
    for char in dotnet_white_space:
        assert neutralize(char + "::x") != char + "::x", f"U+{ord(char):04X}"


def test_neutralize_twice_changes_nothing_more() -> None:
    for text in FORGERIES:
        assert neutralize(neutralize(text)) == neutralize(text)


def test_annotation_messages_and_properties_are_neutralized() -> None:
    line = annotation("error", "a\u2028::error::forged ##[add-mask]x", file="a\u0085::b.json", title="t")
    assert command_lines(line) == [line]  # one command: this one
    assert forged_commands(line) == []
    assert "\u2028" not in line and "##[" not in line


forgery_parts = st.sampled_from(
    [
        "::",
        ":",
        "##[",
        "#",
        "[",
        "vso[",
        "error",
        "add-mask",
        " ",
        "\t",
        "\n",
        "\r",
        "\r\n",
        "\v",
        "\f",
        "\x1c",
        "\u0085",
        "\u2028",
        "\u2029",
        "\u00a0",
        "\u3000",
        "\u00ad",
        "\u200b",
        "\u2060",
        "\ufeff",
        "\ufe0f",
        "\U000e0001",
        "\ud800",
        "%0A",
        "\\",
        "u003a",
    ]
)
hostile_text = st.one_of(
    st.lists(st.one_of(forgery_parts, st.text(max_size=3)), max_size=12).map("".join),
    st.text(),
)


@settings(max_examples=600, deadline=None)
@given(hostile_text)
def test_no_text_neutralized_is_read_as_a_command(text) -> None:
    neutral = neutralize(text)
    assert command_lines(neutral) == []
    neutral.encode("utf-8")
    assert neutralize(neutral) == neutral


@settings(max_examples=300, deadline=None)
@given(hostile_text, hostile_text, hostile_text)
def test_no_annotation_carries_a_second_command(message, file, title) -> None:
    line = annotation("warning", message, file=file, line=1, column=1, title=title)
    assert len(line.splitlines()) == 1
    assert command_lines(line) == [line]
