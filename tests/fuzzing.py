"""Seeded generators of hostile registries and issue bodies, and the checks every one of them must pass.

Shared by the fuzz tests (a few thousand cases per run, a few seconds) and `bench/fuzz.py` (`make fuzz`, many
more). A case is reproducible from its seed and index: `registry_case(seed, index)` / `issue_body_case(...)`.
A check returns the problems found (an exception is a problem, with its traceback); an empty list is a pass.
"""

from __future__ import annotations

import copy
import json
import random
import traceback
import unicodedata
from collections.abc import Callable
from typing import Any

from symphony_bot.issues.body import parse_body
from symphony_bot.issues.status import LinkedPullRequest, PullRequestState, classify
from symphony_bot.registry import render
from symphony_bot.registry.diff import diff_registries
from symphony_bot.registry.validate import validate_bytes
from symphony_bot.report.findings import Finding
from symphony_bot.report.workflow_commands import finding_annotations, neutralize
from tests.actions_runner import forged_commands
from tests.registry_helpers import ENTRY, NOW

BASE = {
    "schemaVersion": "1.0",
    "lastUpdated": "2026-05-09T00:00:00Z",
    "repositories": [
        {**ENTRY, "slug": f"o{i}/p{i}", "url": f"https://github.com/o{i}/p{i}", "name": f"P{i}"} for i in range(3)
    ],
}

# Strings that have broken (or were meant to break) a parser, a reporter, a log or a Markdown table.
HOSTILE_STRINGS = [
    "",
    " ",
    "\ud800",
    "\udfff\ud800",
    "\x00",
    "\x1b[31mred",
    "\n::error::forged",
    "    ::error file=x,line=1::forged",
    "\u2028::error::forged",
    "\u0085::warning::forged",
    "\r::add-mask::x",
    "##[error]forged",
    "##[add-mask]secret",
    "#\u00ad#[error]x",
    ":\u200b:error::x",
    "\ufeff::notice::x",
    "| a | b |\n|---|---|",
    "<img src=https://e.example/p.png>",
    "<!-- hide the rest",
    "[x](https://evil.example)",
    "![p](https://e.example/p.png)",
    "`` ` ``",
    "$x$ **b** _i_ ~~s~~",
    "https://github.com/o/p\n| row |",
    "https://github.com/o/p><img src=x>",
    "\u202eevil\u202c",
    "A" * 300,
    "é" * 50,
    "🎵" * 10,
    "Desktop",
    "Web",
    "../../etc/passwd",
    "2026-13-45",
    "yesterday",
]
HOSTILE_VALUES: list[Any] = [
    *HOSTILE_STRINGS,
    None,
    True,
    False,
    0,
    -1,
    10**30,
    1.5,
    [],
    {},
    [None],
    {"": None},
    ["a", "a"],
    {"name": {"nested": [1]}},
]
FIELDS = [*ENTRY, "maintainer.url", "maintainer.name", "", "::error::k", "##[x]", "a\u2028b", "\ud800"]


def _mutate_data(rng: random.Random, data: dict[str, Any]) -> None:
    entries = data["repositories"]
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(8)
        value = copy.deepcopy(rng.choice(HOSTILE_VALUES))
        if kind <= 2 and entries and isinstance(entries, list):
            entry = rng.choice(entries)
            if not isinstance(entry, dict):
                continue
            field = rng.choice(FIELDS)
            if field.startswith("maintainer.") and isinstance(entry.get("maintainer"), dict):
                entry["maintainer"][field.split(".", 1)[1]] = value
            else:
                entry[field] = value
        elif kind == 3 and isinstance(entries, list):
            new = copy.deepcopy(ENTRY)
            new["slug"] = rng.choice([new["slug"], *HOSTILE_STRINGS[:20], "o0/p0", "O0/P0"])
            new["url"] = rng.choice(["https://github.com/" + str(new["slug"]), *HOSTILE_STRINGS[20:26]])
            new["description"] = rng.choice(HOSTILE_STRINGS)
            entries.append(new)
        elif kind == 4 and isinstance(entries, list) and entries:
            entries.pop(rng.randrange(len(entries)))
        elif kind == 5:
            data[rng.choice(["repositories", "lastUpdated", "schemaVersion", rng.choice(HOSTILE_STRINGS)])] = value
            entries = data["repositories"] if isinstance(data.get("repositories"), list) else []
        elif kind == 6 and isinstance(entries, list) and entries:
            entries[rng.randrange(len(entries))] = value
        else:
            nested: Any = value
            for _ in range(rng.choice([1, 10, 100, 300])):
                nested = [nested]
            data[rng.choice(["repositories", "deep"])] = nested
            entries = data["repositories"] if isinstance(data.get("repositories"), list) else []


def _mutate_text(rng: random.Random, text: str) -> bytes:
    """Text-level damage json.dumps cannot make: duplicate keys, escapes of lone surrogates, bad bytes."""
    kind = rng.randrange(6)
    if kind == 0:  # a duplicate key, perhaps one that cannot be printed
        key = rng.choice(['"slug"', '"\\ud800"', '"a\\n::error::x"', '"##[add-mask]k"', '"repositories"'])
        text = text.replace("{", "{" + key + ": 1, " + key + ": 2, ", 1)
    elif kind == 1:  # truncated
        text = text[: rng.randrange(len(text) + 1)]
    elif kind == 2:  # NaN, Infinity, a huge number
        text = text.replace('"isActive": true', rng.choice(['"isActive": NaN', '"x": -Infinity', '"n": ' + "9" * 5000]))
    raw = text.encode("utf-8", errors="surrogatepass")
    if kind == 3:  # bytes that are not UTF-8, or a BOM
        position = rng.randrange(len(raw) + 1)
        raw = raw[:position] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf"]) + raw[position:]
    elif kind == 4:
        raw = b"\xef\xbb\xbf" + raw
    return raw


def registry_case(seed: int, index: int) -> bytes:
    rng = random.Random(seed * 1_000_003 + index)
    data = copy.deepcopy(BASE)
    _mutate_data(rng, data)
    text = json.dumps(data, indent=rng.choice([None, 2]), ensure_ascii=rng.random() < 0.3)
    return _mutate_text(rng, text) if rng.random() < 0.4 else text.encode("utf-8", errors="surrogatepass")


def _printed(text: str, where: str, problems: list[str]) -> None:
    neutral = neutralize(text)
    neutral.encode("utf-8")
    forged = forged_commands(neutral)
    if forged:
        problems.append(f"{where}: forged workflow command {forged[0]!r}")


def _annotations(path: str, findings: list[Finding], problems: list[str]) -> None:
    for line in finding_annotations(path, findings):
        line.encode("utf-8")
        if forged_commands(line):
            problems.append(f"annotation carries a forged command: {line!r}")


def check_registry(raw: bytes) -> list[str]:
    """Validate, diff against the base and render in every format: no exception, every finding located,
    nothing unprintable, no forged workflow command."""
    problems: list[str] = []
    try:
        report = validate_bytes(raw, path="symphony-registry.json", now=NOW)
        for finding in report.findings:
            if finding.line < 1 or finding.column < 1 or not finding.code:
                problems.append(f"finding without a place or code: {finding}")
            json.dumps(finding.to_json(), ensure_ascii=False).encode("utf-8")  # printable even before neutralize
        _printed(render.validation_text([report]), "text", problems)
        _printed(render.validation_json([report]), "json", problems)
        render.validation_markdown([report]).encode("utf-8")
        _annotations(report.path, report.findings, problems)
        if report.data is not None:
            result = diff_registries(BASE, report.data, raw.decode("utf-8-sig"))
            _printed(render.diff_text(report.path, result), "diff text", problems)
            _printed(json.dumps(result.to_json(), ensure_ascii=False), "diff json", problems)
            render.diff_markdown(report.path, result).encode("utf-8")
            _annotations(report.path, result.findings, problems)
    except Exception:
        problems.append(traceback.format_exc())
    return problems


# ------------------------------------------------------------------------------------------ issue bodies

PATHS = [
    "docs/task.md",
    "a/b/c.md",
    "../secret.md",
    "．．/x.md",
    "‥/x.md",
    "~/x.md",
    "C:/x.md",
    "-x.md",
    "docs/-rf.md",
    "docs/a\u200bb.md",
    "/etc/x.md",
    "docs\\x.md",
    "docs/%2e%2e/x.md",
    ".git/hooks/x.md",
    "docs/x.MD",
    "docs/\u202eevil.md",
    "docs/::error::x.md",
    "docs/##[error]x.md",
    "a" * 1100 + ".md",
]
URLS = [
    "https://github.com/user-attachments/files/1/task.md",
    "https://github.com/user-attachments/files/1/../../../x",
    "https://github.com/user-attachments/files/1/%2e%2e/%2e%2e/x",
    "https://github.com:/user-attachments/files/1/x.md",
    "https://github.com:443/user-attachments/files/1/x.md",
    "https://user:pw@github.com/user-attachments/files/1/a.md",
    "http://github.com/user-attachments/files/1/a.md",
    "https://evil.example/a.md",
    "https://raw.githubusercontent.com/o/r/main/x.md",
    "https://github.com/o/r/raw/main/..%2f..%2fx.md",
    "https://[::1]/x.md",
    "https://github.com/user-attachments/files/1/%252e%252e/x.md",
]
LINK_TEXTS = ["task.md", "../x.md", "-rf.md", "a b.md", "\u202etxt.md", "::error::x.md", "##[x].md", "x" * 300 + ".md"]


def _body_line(rng: random.Random) -> str:
    kind = rng.randrange(10)
    if kind <= 2:
        return rng.choice(["- ", "* ", "1. ", "", "   - ", "\t"]) + rng.choice(["", "`"]) + rng.choice(PATHS)
    if kind <= 4:
        title = rng.choice(["", ' "title"'])
        return f"[{rng.choice(LINK_TEXTS)}]({rng.choice(URLS)}{title})"
    if kind == 5:
        return rng.choice(["```", "~~~", "````md", "<!--", "-->", "```a```"])
    if kind == 6:
        return rng.choice(HOSTILE_STRINGS)
    if kind == 7:
        return "".join(rng.choice(["- ", "[", "](", ".md", "\r", "\u2028", "`", "<!--", " "]) for _ in range(20))
    if kind == 8:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 40))) + ".md"
    return "Some prose about the work, with a [link](https://example.com) and `code`."


def issue_body_case(seed: int, index: int) -> str:
    rng = random.Random(seed * 1_000_033 + index)
    lines = [_body_line(rng) for _ in range(rng.randrange(0, 30))]
    if rng.random() < 0.02:
        lines *= 300  # a long body now and then
    return rng.choice(["\n", "\r\n", "\r"]).join(lines)


def _document_is_safe(path: str) -> bool:
    for rewritten in (path, unicodedata.normalize("NFKC", path)):
        segments = rewritten.split("/")
        if ".." in segments or rewritten.startswith(("/", "~", "-")) or "\\" in rewritten:
            return False
        if any(segment.startswith("-") for segment in segments):
            return False
    return not any(unicodedata.category(char) in ("Cc", "Cf") for char in path)


def check_issue_body(body: str) -> list[str]:
    """Parse, classify and print: no exception, only safe documents, nothing unprintable, no forged command."""
    problems: list[str] = []
    try:
        parsed = parse_body(body)
        for document in parsed.documents:
            if document.path is not None and not _document_is_safe(document.path):
                problems.append(f"unsafe document accepted: {document.path!r}")
            if document.url is not None and (document.name.startswith(("-", ".")) or "/" in document.name):
                problems.append(f"unsafe attachment name: {document.name!r}")
        linked = [
            LinkedPullRequest(
                1, "https://github.com/o/r/pull/1", PullRequestState.CLOSED, False, None, "b", "o/r", None
            )
        ]
        classify(closed=False, labels=["runmaestro.ai"], linked_pull_requests=linked, parsed=parsed)
        _printed(json.dumps(parsed.to_json(), ensure_ascii=False, indent=2), "issue json", problems)
        _printed(
            "\n".join(f"line {p.line}: {p.severity}[{p.code}]: {p.message}" for p in parsed.problems), "text", problems
        )
        _printed("\n".join(f"{d.name} {d.path or d.url}" for d in parsed.documents), "documents", problems)
    except Exception:
        problems.append(traceback.format_exc())
    return problems


def run_suite(case: Callable[[int, int], Any], check: Callable[[Any], list[str]], seed: int, count: int) -> list[str]:
    """Every problem of `count` cases, each prefixed with the seed and index that reproduce it."""
    failures = []
    for index in range(count):
        failures += [f"seed {seed} case {index}: {problem}" for problem in check(case(seed, index))]
    return failures
