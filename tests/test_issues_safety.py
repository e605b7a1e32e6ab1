"""References that become dangerous if anything rewrites them later (issue 9, item 7): refused with stable
codes, and what is accepted stays inside the repository or the attachment folder under any later rewriting."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony_bot.issues import safety as issue_safety
from symphony_bot.issues.body import parse_body
from symphony_bot.report.workflow_commands import neutralize
from tests.actions_runner import command_lines

ATTACHMENTS = "https://github.com/user-attachments/files/1/"


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("- ．．/x.md", issue_safety.CODE_COMPATIBILITY_CHARACTER),  # fullwidth full stops: NFKC gives ../x.md
        ("- ‥/x.md", issue_safety.CODE_COMPATIBILITY_CHARACTER),  # two-dot leader: NFKC gives ../x.md
        ("- docs/ﬁle.md", issue_safety.CODE_COMPATIBILITY_CHARACTER),
        ("- ~/x.md", issue_safety.CODE_HOME_DIRECTORY),
        ("- ~root/x.md", issue_safety.CODE_HOME_DIRECTORY),
        ("- C:/x.md", issue_safety.CODE_DRIVE_LETTER),
        ("- c:x.md", issue_safety.CODE_DRIVE_LETTER),
        ("- -x.md", issue_safety.CODE_LEADING_DASH),
        ("- docs/--output=x.md", issue_safety.CODE_LEADING_DASH),
        ("- docs/a\u200bb.md", issue_safety.CODE_INVISIBLE_CHARACTER),  # zero-width space
        ("- docs/a\u200db.md", issue_safety.CODE_INVISIBLE_CHARACTER),  # zero-width joiner
        ("- docs/a\u2060b.md", issue_safety.CODE_INVISIBLE_CHARACTER),  # word joiner
        ("- docs/\ufeffa.md", issue_safety.CODE_INVISIBLE_CHARACTER),  # BOM
        ("- docs/a\u00adb.md", issue_safety.CODE_INVISIBLE_CHARACTER),  # soft hyphen
        ("- docs/a\ufe0fb.md", issue_safety.CODE_INVISIBLE_CHARACTER),  # variation selector
        (f"[x.md]({ATTACHMENTS}../../../x)", issue_safety.CODE_URL_DOT_SEGMENT),
        (f"[x.md]({ATTACHMENTS}%2e%2e/%2e%2e/%2e%2e/x)", issue_safety.CODE_URL_DOT_SEGMENT),
        (f"[x.md]({ATTACHMENTS}%2E%2e/x.md)", issue_safety.CODE_URL_DOT_SEGMENT),
        (f"[x.md]({ATTACHMENTS}%252e%252e/x.md)", issue_safety.CODE_URL_DOT_SEGMENT),  # encoded twice
        (f"[x.md]({ATTACHMENTS}..%2f..%2fx.md)", issue_safety.CODE_URL_DOT_SEGMENT),
        (f"[x.md]({ATTACHMENTS}./x.md)", issue_safety.CODE_URL_DOT_SEGMENT),
        ("[x.md](https://raw.githubusercontent.com/o/r/main/../../x.md)", issue_safety.CODE_URL_DOT_SEGMENT),
        ("[x.md](https://github.com:/user-attachments/files/1/x.md)", issue_safety.CODE_URL_PORT),  # empty port
        ("[x.md](https://raw.githubusercontent.com:/o/r/main/x.md)", issue_safety.CODE_URL_PORT),
    ],
)
def test_references_dangerous_once_rewritten_are_refused_with_a_stable_code(line, code) -> None:
    parsed = parse_body(line)
    assert parsed.documents == ()
    assert [problem.code for problem in parsed.problems] == [code]
    assert not parsed.valid
    problem = parsed.problems[0]
    problem.message.encode("utf-8")
    assert "\u200b" not in problem.message and "\ufeff" not in problem.message  # shown escaped


@pytest.mark.parametrize(
    "line",
    [
        "- docs/café.md",  # NFC
        "- docs/cafe\u0301.md",  # NFD: only composition differs, not a compatibility character
        "- docs/日本語.md",
        "- a/~/x.md",  # ~ inside a path is a name
        "- docs/a-b.md",
        "- docs/a.b.md",
        "- docs/x:y.md",
        f"[task.md]({ATTACHMENTS}task.md)",
        f"[task.md]({ATTACHMENTS}a%20b.md)",
        "[task.md](https://raw.githubusercontent.com/o/r/main/docs/task.md)",
    ],
)
def test_ordinary_references_are_still_accepted(line) -> None:
    parsed = parse_body(line)
    assert parsed.valid, parsed.problems
    assert len(parsed.documents) == 1


def test_an_attachment_name_never_starts_with_a_dash() -> None:
    assert issue_safety.safe_attachment_name("-rf.md", ATTACHMENTS + "x.md") == "rf.md"
    assert issue_safety.safe_attachment_name("--.md", ATTACHMENTS + "task.md") == "task.md"


# ------------------------------------------------------------------------------------- properties

path_parts = st.sampled_from(
    [".", "..", "．", "‥", "。", "/", "\\", "~", "-", ":", "C:", "%2e", "%2f", "%252e", "\u200b", "\ufeff", "\u00ad"]
)
path_words = st.sampled_from(["a", "docs", ".git", "ﬁ", "e\u0301", "x"])
paths = st.lists(st.one_of(path_parts, path_words, st.text(max_size=3)), min_size=1, max_size=10).map(
    lambda p: "".join(p) + ".md"
)
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200f\u2060-\u206f\ufe00-\ufe0f\ufeff]")


@settings(max_examples=500, deadline=None)
@given(paths)
def test_an_accepted_path_stays_in_the_repository_under_any_rewriting(path) -> None:
    parsed = parse_body(f"- `{path}`")
    for document in parsed.documents:
        for rewritten in (document.path, unicodedata.normalize("NFKC", document.path), unquote(document.path)):
            segments = rewritten.replace("\\", "/").split("/")
            assert ".." not in segments and not rewritten.startswith(("/", "~", "-"))
            assert not re.match(r"[A-Za-z]:", rewritten)
            assert not any(segment.startswith("-") for segment in segments)
        assert not _INVISIBLE.search(document.path)
        assert not any(unicodedata.category(char) in ("Cc", "Cf") for char in document.path)


url_parts = st.sampled_from(["/", ".", "..", "%2e", "%2E", "%252e", "%2f", "%5c", "x", "task.md", ":", "@", "?", "#"])


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["https://github.com", "https://github.com:", "https://raw.githubusercontent.com", "https://x"]),
    st.lists(url_parts, max_size=12).map("".join),
)
def test_an_accepted_attachment_stays_in_its_folder(origin, tail) -> None:
    url = f"{origin}/user-attachments/files/1/{tail}"
    parsed = parse_body(f"[task.md]({url})")
    for document in parsed.documents:
        parts = urlsplit(document.url)
        assert parts.port is None and not parts.netloc.endswith(":")
        decoded = parts.path
        for _ in range(5):
            decoded = unquote(decoded)
        assert not {".", ".."} & set(decoded.replace("\\", "/").split("/"))


body_parts = st.sampled_from(
    [
        *("- ", "1. ", "`", "[", "](", ")", ".md", "\n", "\r", "\u2028", "::error::", "##[add-mask]", "\u00ad"),
        *("\ud800", "https://github.com/user-attachments/files/1/", "<!--", "```", "..", "/", "~", "-", "\u200b", "．"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(body_parts, st.text(max_size=4)), max_size=30).map("".join))
def test_nothing_from_an_issue_body_is_printed_as_a_workflow_command(body) -> None:
    parsed = parse_body(body)
    printed = "\n".join(
        [f"{p.severity}[{p.code}] line {p.line}: {p.message}" for p in parsed.problems]
        + [f"{d.name}: {d.path or d.url}" for d in parsed.documents]
        + [json.dumps(parsed.to_json(), ensure_ascii=False, indent=2)]
    )
    neutral = neutralize(printed)
    neutral.encode("utf-8")
    assert command_lines(neutral) == []
    for problem in parsed.problems:  # messages show what is invisible as an escape
        assert not re.search("[\u200b\u00ad\u202e\ufeff]", problem.message)
