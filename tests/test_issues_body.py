"""Issue body parsing: every case of maestro-internals §8, our deliberate differences, and hostile bodies."""

from __future__ import annotations

import time

import pytest

from symphony_bot.issues import body as issue_body
from symphony_bot.issues import safety as issue_safety
from symphony_bot.issues.body import MAX_BODY_CHARS, parse_body
from symphony_bot.report.findings import Severity

ATTACHMENT = "https://github.com/user-attachments/files/123/task.md"


def documents(body: str) -> list[tuple[str, str | None, str | None, bool]]:
    return [(d.name, d.path, d.url, d.external) for d in parse_body(body).documents]


def paths(body: str) -> list[str | None]:
    return [d.path or d.url for d in parse_body(body).documents]


def codes(body: str) -> list[str]:
    return [p.code for p in parse_body(body).problems]


# --- Maestro's accepted formats (§8) -------------------------------------------------------------------------


def test_markdown_link_to_attachment() -> None:
    assert documents(f"Please review [task.md]({ATTACHMENT})") == [("task.md", None, ATTACHMENT, True)]


def test_maestro_example_attachment_url_is_parsed_but_not_an_attachment_host() -> None:
    # §8's first case uses https://github.com/attachments/task.md; Maestro accepts any github.com path, we accept
    # only attachment paths (deliberate difference): the reference is found and reported, not silently dropped.
    parsed = parse_body("Please review [task.md](https://github.com/attachments/task.md)")
    assert parsed.documents == ()
    assert [p.code for p in parsed.problems] == [issue_safety.CODE_URL_HOST]
    assert not parsed.valid


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("- docs/readme.md", ("readme.md", "docs/readme.md")),
        ("1. docs/task.md", ("task.md", "docs/task.md")),
        ("10. docs/file.md", ("file.md", "docs/file.md")),
        ("- `src/docs/guide.md`", ("guide.md", "src/docs/guide.md")),
        ("2. `docs/task.md`", ("task.md", "docs/task.md")),
        ("* docs/task.md", ("task.md", "docs/task.md")),
        ("    - docs/task.md", ("task.md", "docs/task.md")),
        ("readme.md", ("readme.md", "readme.md")),
        ("  docs/task.md", ("task.md", "docs/task.md")),
        ("my-docs/some_file.md", ("some_file.md", "my-docs/some_file.md")),
        ("\t- docs/tab.md", ("tab.md", "docs/tab.md")),
        ("- .maestro/autorun/t.md", ("t.md", ".maestro/autorun/t.md")),
        ("- `docs/émoji-📝.md`", ("émoji-📝.md", "docs/émoji-📝.md")),
        ("- `docs/doc!important.md`", ("doc!important.md", "docs/doc!important.md")),
        ("- docs/a.md   ", ("a.md", "docs/a.md")),
        ("- ./docs/a.md", ("a.md", "docs/a.md")),
    ],
)
def test_repository_path_formats(body: str, expected: tuple[str, str]) -> None:
    parsed = parse_body(body)
    assert [(d.name, d.path, d.external, d.line) for d in parsed.documents] == [(*expected, False, 1)]
    assert parsed.valid


@pytest.mark.parametrize(
    "body",
    [
        "Plain prose without any document",
        " " * 25 + "- doc.md",  # indent limited to 20
        "+ docs/c.md",
        "1) docs/e.md",
        "`docs/g.md`",
        "- docs/h.md (first)",
        "see docs/i.md for details",
        "- [ ] docs/j.md",
        "## docs/x.md",
        "> docs/x.md",
        "- docs/a.md docs/b.md",
        "- docs/with space.md",
        "[task.md](docs/task.md)",  # a relative link target is not an attachment
        "- https://github.com/o/r/blob/main/l.md",
        "12345. docs/too-many-digits.md",
    ],
)
def test_not_a_reference(body: str) -> None:
    parsed = parse_body(body)
    assert parsed.documents == ()
    assert issue_body.CODE_NO_DOCUMENTS in [p.code for p in parsed.problems]


def test_uppercase_suffix_is_not_a_document_but_is_reported() -> None:
    parsed = parse_body("docs/K.MD\n- docs/ok.md")
    assert paths("docs/K.MD\n- docs/ok.md") == ["docs/ok.md"]
    warning = parsed.problems[0]
    assert (warning.code, warning.line, warning.severity) == (issue_body.CODE_UPPERCASE_SUFFIX, 1, Severity.WARNING)
    assert parsed.valid


def test_link_text_suffix_is_case_insensitive_as_in_maestro() -> None:
    assert documents(f"[TASK.MD]({ATTACHMENT})") == [("TASK.MD", None, ATTACHMENT, True)]


def test_hundred_identical_lines_give_one_document() -> None:
    parsed = parse_body("- docs/file.md\n" * 100)
    assert [d.path for d in parsed.documents] == ["docs/file.md"]
    assert parsed.valid  # duplicates are warnings


# --- deliberate differences ----------------------------------------------------------------------------------


def test_dedupe_is_by_full_path_not_file_name() -> None:
    # Maestro keeps only docs/README.md here (lower-cased basename); both are different files.
    assert paths("- docs/README.md\n- src/readme.md") == ["docs/README.md", "src/readme.md"]
    parsed = parse_body("- docs/a.md\n1. docs/a.md\ndocs/a.md")
    assert [d.path for d in parsed.documents] == ["docs/a.md"]
    duplicate = issue_body.CODE_DUPLICATE
    assert [(p.code, p.line) for p in parsed.problems] == [(duplicate, 2), (duplicate, 3)]


def test_attachment_and_repository_file_of_the_same_name_are_both_kept() -> None:
    # Maestro: a single task.md (external wins). They are two documents.
    assert paths(f"[task.md]({ATTACHMENT})\n- docs/task.md") == [ATTACHMENT, "docs/task.md"]


def test_body_order_is_kept_across_formats() -> None:
    body = f"docs/first.md\n1. docs/second.md\n- docs/third.md\n[fourth.md]({ATTACHMENT})"
    assert paths(body) == ["docs/first.md", "docs/second.md", "docs/third.md", ATTACHMENT]
    assert [d.line for d in parse_body(body).documents] == [1, 2, 3, 4]


def test_crlf_body_in_body_order() -> None:
    # Maestro: crlf2.md (bullet pass) before crlf.md (bare pass)
    parsed = parse_body("docs/crlf.md\r\n- docs/crlf2.md\r\n\r\n- docs/three.md")
    assert [(d.path, d.line) for d in parsed.documents] == [
        ("docs/crlf.md", 1),
        ("docs/crlf2.md", 2),
        ("docs/three.md", 4),
    ]
    assert paths("a.md\rb.md") == ["a.md", "b.md"]  # a lone CR ends a line as in JavaScript


def test_fenced_code_is_skipped() -> None:
    body = "```\n- docs/in-fence.md\n```\n~~~~md\n- docs/tilde.md\n~~~\nstill fenced.md\n~~~~\n- docs/out.md"
    assert paths(body) == ["docs/out.md"]


def test_inline_triple_backticks_do_not_open_a_fence() -> None:
    assert paths("some ```code``` here\n- docs/a.md") == ["docs/a.md"]
    assert paths("```a```\n- docs/a.md") == ["docs/a.md"]


def test_closing_fence_must_be_as_long_and_alone() -> None:
    assert paths("````\n```\n- docs/hidden.md\n```` trailing\n- docs/hidden2.md\n````\n- docs/a.md") == ["docs/a.md"]


def test_unclosed_fence_hides_the_rest_with_a_warning() -> None:
    parsed = parse_body("- docs/a.md\n\n```python\n- docs/b.md\n")
    assert [d.path for d in parsed.documents] == ["docs/a.md"]
    assert [(p.code, p.line, p.severity) for p in parsed.problems] == [
        (issue_body.CODE_UNCLOSED_FENCE, 3, Severity.WARNING)
    ]


def test_html_comments_are_skipped() -> None:
    body = f"<!--\n- docs/hidden.md\n[x.md]({ATTACHMENT})\n-->\n- docs/shown.md\n<!-- [y.md]({ATTACHMENT}) -->"
    assert paths(body) == ["docs/shown.md"]


def test_lines_are_counted_from_one() -> None:
    parsed = parse_body("Intro\n\n```\ncode\n```\n\n- docs/a.md\n")
    assert parsed.documents[0].line == 7


# --- safety --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("- ../secret.md", issue_safety.CODE_PARENT_SEGMENT),
        ("- foo/../../../etc/passwd.md", issue_safety.CODE_PARENT_SEGMENT),
        ("- `docs/../../x.md`", issue_safety.CODE_PARENT_SEGMENT),
        ("- /etc/x.md", issue_safety.CODE_ABSOLUTE_PATH),
        ("- docs\\win.md", issue_safety.CODE_BACKSLASH),
        ("- `..\\..\\evil.md`", issue_safety.CODE_BACKSLASH),
        ("- docs/%2e%2e/x.md", issue_safety.CODE_PERCENT_ESCAPE),
        ("- docs%2f..%2fx.md", issue_safety.CODE_PERCENT_ESCAPE),
        ("- `docs/a\x00b.md`", issue_safety.CODE_CONTROL_CHARACTER),
        ("- `docs/\u202eevil.md`", issue_safety.CODE_CONTROL_CHARACTER),
        ("- .git/hooks/x.md", issue_safety.CODE_GIT_DIRECTORY),
        ("- sub/.GIT/config.md", issue_safety.CODE_GIT_DIRECTORY),
        ("- " + "a/" * 600 + "x.md", issue_safety.CODE_PATH_TOO_LONG),
    ],
)
def test_unsafe_paths_make_the_issue_invalid(body: str, code: str) -> None:
    parsed = parse_body(body + "\n- docs/ok.md")
    assert code in [p.code for p in parsed.errors]
    assert not parsed.valid
    assert "docs/ok.md" in [d.path for d in parsed.documents]  # the safe ones are still listed


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://github.com/user-attachments/files/1/a.md", issue_safety.CODE_URL_NOT_HTTPS),
        ("https://evil.com/malware.md", issue_safety.CODE_URL_HOST),
        ("https://github.com/o/r/blob/main/a.md", issue_safety.CODE_URL_HOST),
        ("https://github.com.evil.com/user-attachments/files/1/a.md", issue_safety.CODE_URL_HOST),
        ("https://camo.githubusercontent.com/abc/def.md", issue_safety.CODE_URL_HOST),
        ("https://user:pw@github.com/user-attachments/files/1/a.md", issue_safety.CODE_URL_CREDENTIALS),
        ("https://github.com@evil.com/a.md", issue_safety.CODE_URL_CREDENTIALS),
        ("https://raw.githubusercontent.com:8443/o/r/main/a.md", issue_safety.CODE_URL_PORT),
        ("https://github.com:port/user-attachments/files/1/a.md", issue_safety.CODE_URL_MALFORMED),
        ("httpx://github.com/user-attachments/files/1/a.md", issue_safety.CODE_URL_NOT_HTTPS),
    ],
)
def test_unsafe_attachment_urls(url: str, code: str) -> None:
    parsed = parse_body(f"[a.md]({url})")
    assert [p.code for p in parsed.errors] == [code]
    assert parsed.documents == ()


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/user-attachments/files/17/task.md",
        "https://github.com/user-attachments/assets/0f1e2d/task.md",
        "https://github.com/owner/repo/files/42/task.md",
        "https://github.com/owner/repo/raw/main/docs/task.md",
        "https://www.github.com/owner/repo/files/42/task.md",
        "https://user-images.githubusercontent.com/1/task.md",
        "https://private-user-images.githubusercontent.com/1/task.md?jwt=abc",
        "https://objects.githubusercontent.com/github-production-repository-file/1/task.md",
        "https://raw.githubusercontent.com/owner/repo/main/task.md",
        "https://GitHub.com/user-attachments/files/17/task.md",
    ],
)
def test_allowed_attachment_urls(url: str) -> None:
    parsed = parse_body(f"[task.md]({url})")
    assert [d.url for d in parsed.documents] == [url]
    assert parsed.valid


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("../../evil.md", "evil.md"),
        ("docs/x.md", "x.md"),
        ("..\\..\\win.md", "win.md"),
        ("..md", "task.md"),  # nothing left of the text: the URL names it
        ("my task.md", "my-task.md"),
        ("a" * 300 + ".md", "a" * 97 + ".md"),
    ],
)
def test_attachment_names_are_safe_base_names(text: str, name: str) -> None:
    parsed = parse_body(f"[{text}]({ATTACHMENT})")
    (document,) = parsed.documents
    assert document.name == name
    assert "/" not in document.name and "\\" not in document.name and not document.name.startswith(".")
    assert [p.code for p in parsed.problems] == [issue_body.CODE_NAME_SANITISED]
    assert parsed.valid


def test_attachment_name_falls_back_to_the_url() -> None:
    assert issue_safety.safe_attachment_name("../.md", ATTACHMENT) == "task.md"
    assert issue_safety.safe_attachment_name("...md", "https://github.com/user-attachments/files/1/") == "attachment.md"


def test_link_forms() -> None:
    body = (
        f'[a.md](<{ATTACHMENT}>) and [b.md]({ATTACHMENT.replace("task", "b")} "title") '
        f"![c.md]({ATTACHMENT.replace('task', 'c')}) [not a doc](https://x/y.md) [[nested] d.md]({ATTACHMENT}x.md)"
    )
    assert [d.name for d in parse_body(body).documents] == ["a.md", "b.md", "c.md"]


def test_problem_count_is_capped() -> None:
    parsed = parse_body("- ../x.md\n" * 500)
    assert len(parsed.problems) == issue_body.MAX_PROBLEMS + 1
    assert parsed.problems[-1].code == issue_body.CODE_TOO_MANY_PROBLEMS


def test_too_many_references_are_refused() -> None:
    body = "".join(f"- docs/{n}.md\n" for n in range(issue_body.MAX_REFERENCES + 5))
    parsed = parse_body(body)
    assert len(parsed.documents) == issue_body.MAX_REFERENCES
    assert parsed.problems[-1].code == issue_body.CODE_TOO_MANY_DOCUMENTS
    assert not parsed.valid


def test_json_shape() -> None:
    parsed = parse_body(f"- docs/a.md\n[b.md]({ATTACHMENT})\n- ../c.md")
    assert parsed.to_json() == {
        "documents": [
            {"name": "a.md", "path": "docs/a.md", "url": None, "external": False, "line": 1},
            {"name": "b.md", "path": None, "url": ATTACHMENT, "external": True, "line": 2},
        ],
        "problems": [
            {
                "line": 3,
                "code": issue_safety.CODE_PARENT_SEGMENT,
                "message": parsed.problems[0].message,
                "severity": "error",
            }
        ],
    }


def test_empty_and_missing_body() -> None:
    for body in ("", None):
        parsed = parse_body(body)
        assert parsed.documents == () and [p.code for p in parsed.problems] == [issue_body.CODE_NO_DOCUMENTS]


# --- size and hostile bodies ---------------------------------------------------------------------------------


def test_body_of_exactly_the_limit_is_read_whole() -> None:
    head = "- `docs/test-file.md`\n"
    body = head + "x" * (MAX_BODY_CHARS - len(head) - len("\n- docs/end.md")) + "\n- docs/end.md"
    assert len(body) == MAX_BODY_CHARS
    parsed = parse_body(body)
    assert [d.path for d in parsed.documents] == ["docs/test-file.md", "docs/end.md"]
    assert parsed.problems == ()


def test_body_over_the_limit_is_cut_with_a_warning() -> None:
    head = "- `docs/test-file.md`\n"
    body = head + "x" * (MAX_BODY_CHARS + 1000 - len(head) - len("\n- docs/end.md")) + "\n- docs/end.md"
    parsed = parse_body(body)
    assert [d.path for d in parsed.documents] == ["docs/test-file.md"]
    assert [(p.code, p.severity) for p in parsed.problems] == [(issue_body.CODE_BODY_TRUNCATED, Severity.WARNING)]
    assert parsed.valid


HOSTILE_BODIES = {
    "newlines": "\n" * MAX_BODY_CHARS,
    "open brackets": "[" * MAX_BODY_CHARS,
    "bracket-paren": "](" * (MAX_BODY_CHARS // 2),
    "suffixes": ".md" * (MAX_BODY_CHARS // 3),
    "long token": " " * 20 + "a" * (MAX_BODY_CHARS - 30) + ".md",
    "maestro slow case": ("a" * 10000 + ".md" * 100 + "\n") * 80,
    "duplicate refs": "- docs/file.md\n" * (MAX_BODY_CHARS // 15),
    "unsafe refs": "- ../x.md\n" * (MAX_BODY_CHARS // 10),
    "lines ending in .md": "x y.md\n" * (MAX_BODY_CHARS // 7),
    "fences then a ref": "```\n" * (MAX_BODY_CHARS // 4 - 10) + "- a.md\n",
    "unclosed fence": "```\n" + "\n" * (MAX_BODY_CHARS - 20) + "- a.md",
    "comments": "<!--" * (MAX_BODY_CHARS // 4),
    "links": f"[a.md]({ATTACHMENT})" * (MAX_BODY_CHARS // (len(ATTACHMENT) + 8)),
    "unclosed links": "[a.md](" * (MAX_BODY_CHARS // 7),
    "backticks": "`" * MAX_BODY_CHARS,
}


# An ordinary body of the same size: a reference, then prose. Measured beside each hostile body, on the same
# machine under the same load, it is the yardstick (a bound in seconds depends on the load: 1 s was close at 10).
ORDINARY_LINE = "Some words of prose in an ordinary issue.\n"
ORDINARY_BODY = ("- docs/a.md\n" + ORDINARY_LINE * (MAX_BODY_CHARS // len(ORDINARY_LINE)))[:MAX_BODY_CHARS]
# Hostile bodies measured 0.3-30x the ordinary one; a quadratic blow-up on 1 MiB is a million times.
MAX_RATIO_TO_ORDINARY = 200


def _best_of_three(body: str) -> float:
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        parse_body(body)
        timings.append(time.perf_counter() - started)
    return min(timings)


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_hostile_bodies_parse_in_linear_time(name: str) -> None:
    # The target is 50 ms (bench/scan.py measures it); this only catches super-linear blow-ups.
    body = HOSTILE_BODIES[name][:MAX_BODY_CHARS]
    ordinary, hostile = _best_of_three(ORDINARY_BODY), _best_of_three(body)
    assert hostile < MAX_RATIO_TO_ORDINARY * ordinary, f"{name}: {hostile:.3f} s, an ordinary body {ordinary:.3f} s"
