"""The "Security model" table of docs/security.md names, for each promise, the tests that keep it: every one must exist,
so the table cannot drift from the suite (the agent engineer's rows are checked the same way)."""

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SECTION = re.compile(r"<!-- section: security-model -->(.*?)<!-- /section: security-model -->", re.DOTALL)
# `tests/x.py::test_a` names a file and a test; a following `::test_b` names another test of the same file.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?::(\w+)`|`(tests/[\w/]+\.py)`")


def named_tests() -> list[tuple[str, str]]:
    section = SECTION.search((REPO_ROOT / "docs" / "security.md").read_text(encoding="utf-8"))
    assert section, "docs/security.md has no security-model section"
    named, current = [], None
    for row in section.group(1).splitlines():
        if not row.startswith("|") or row.startswith("| ---") or row.startswith("| promise"):
            continue
        for match in REFERENCE.finditer(row):
            current = match.group(1) or match.group(3) or current
            if match.group(2):
                named.append((current, match.group(2)))
    return named


def test_every_promise_names_tests_that_exist() -> None:
    named = named_tests()
    assert len(named) >= 20
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^def {name}\(", (REPO_ROOT / path).read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert missing == []
