"""Registry reports as Markdown, checked the way GitHub renders a job summary (cmark-gfm, raw HTML allowed so
that any injected tag would show): every value stays in its own cell, shown as it is; nothing hides the rest,
and the only links are the ones the report makes (issue 9, item 4)."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony_bot.registry import render as registry_render
from symphony_bot.registry.diff import diff_registries
from symphony_bot.registry.validate import validate_bytes
from symphony_bot.report.workflow_commands import neutralize
from tests.actions_runner import command_lines
from tests.registry_helpers import NOW, entry, registry_with

ALLOWED_TAGS = {"h2", "h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td", "code", "a", "ul", "li"}


class _Rendered(HTMLParser):
    """Tables (rows of cell texts), links (href, text) and every tag of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.links: list[tuple[str, str]] = []
        self.comments: list[str] = []
        self._cell: list[str] | None = None
        self._link: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._link, self._href = [], dict(attrs).get("href") or ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "a" and self._link is not None:
            self.links.append((self._href, "".join(self._link)))
            self._link = None

    def handle_data(self, data):
        for collecting in (self._cell, self._link):
            if collecting is not None:
                collecting.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def render(markdown: str) -> _Rendered:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parsed = _Rendered()
    parsed.feed(html)
    parsed.close()
    return parsed


def shown(value: str) -> str:
    """How a value from the file is promised to appear: as it is, but on one line and with what is invisible or
    unprintable written as an escape."""
    return neutralize(value).replace("\n", "\\n")


def check_structure(parsed: _Rendered) -> None:
    assert set(parsed.tags) <= ALLOWED_TAGS, set(parsed.tags) - ALLOWED_TAGS
    assert parsed.comments == []
    assert "img" not in parsed.tags


# ------------------------------------------------------------------------------------- the reproducers

HOSTILE_URLS = [
    "https://github.com/o/p\n| injected | row |",
    "https://github.com/o/p|x",
    "https://github.com/o/p><img src=https://e.example/p.png>",
    "https://github.com/o/p<!-- the rest is hidden",
    "https://github.com/o/p)](https://evil.example",
    "https://github.com/o/p> [x](https://evil.example)",
]
HOSTILE_TEXT = [
    "line one\n| injected | row |",
    "a | b | c",
    "<img src=https://e.example/p.png>",
    "<!-- everything after this is hidden",
    "[click](https://evil.example)",
    "![pixel](https://e.example/p.png)",
    "x](https://evil.example)",
    "`code` and ``more``",
    "$\\sqrt{x}$ **bold** _em_ ~~gone~~ # heading",
    "see https://evil.example and www.evil.example",
    "&#124; &lt;img&gt; &amp;",
    "a\\|b\\",
]


def test_an_added_projects_url_cannot_break_the_table_or_hide_the_rest() -> None:
    base = registry_with()
    added = [
        entry(slug=f"o/p{i}", name=f"P{i}", url=url, description=HOSTILE_TEXT[i], category=HOSTILE_TEXT[-1 - i])
        for i, url in enumerate(HOSTILE_URLS)
    ]
    result = diff_registries(base, registry_with(*added))
    parsed = render(registry_render.diff_markdown("r.json", result))
    check_structure(parsed)
    added_table = parsed.tables[0]
    assert len(added_table) == 1 + len(added)
    for row, project in zip(added_table[1:], added, strict=True):
        assert row == [project["slug"], shown(project["category"]), shown(project["description"])]
    # one link per project, to its URL (percent-encoded where it would have broken out), with the slug as text
    assert [text for _, text in parsed.links] == [project["slug"] for project in added]
    for (href, _), project in zip(parsed.links, added, strict=True):
        assert href.startswith("https://github.com/o/p") and "<" not in href and "\n" not in href
        assert project["url"].startswith(href.split("%", 1)[0])


def test_every_cell_of_the_changed_and_findings_tables_holds_its_value() -> None:
    base = registry_with(entry())
    head = registry_with(entry(**{"description": HOSTILE_TEXT[0], "x | y\n": HOSTILE_TEXT[3]}))
    result = diff_registries(base, head, json.dumps(head, indent=2))
    parsed = render(registry_render.diff_markdown("a|b\n.json", result))
    check_structure(parsed)
    changed = parsed.tables[0]
    assert [row[1] for row in changed[1:]] == ["description", shown("x | y\n")]
    assert changed[1][3] == shown(json.dumps(HOSTILE_TEXT[0], ensure_ascii=False))
    assert parsed.links == []


def test_validation_summary_cells_hold_the_message_whole() -> None:
    data = registry_with(entry(category=HOSTILE_TEXT[0] + HOSTILE_TEXT[2]))
    report = validate_bytes(json.dumps(data, indent=2).encode(), path="<!--r|.json", now=NOW)
    parsed = render(registry_render.validation_markdown([report]))
    check_structure(parsed)
    [table] = parsed.tables
    assert len(table) == 1 + len(report.findings)
    for row, finding in zip(table[1:], report.findings, strict=True):
        assert len(row) == 5
        assert row[2] == finding.code
        assert row[3] == shown(finding.message)


# ------------------------------------------------------------------------------------- the property

markdown_parts = st.sampled_from(
    [
        "|",
        "\\",
        "\n",
        "\r",
        "\u2028",
        "`",
        "``",
        "<",
        ">",
        "<img src=x>",
        "<!--",
        "-->",
        "](",
        "[",
        "]",
        "(",
        ")",
        "!",
        "&",
        "&#124;",
        "*",
        "_",
        "~",
        "$",
        "#",
        ":",
        "https://",
        "www.",
        " ",
        "\t",
        "::error::",
        "##[",
    ]
)
hostile_values = st.lists(st.one_of(markdown_parts, st.text(max_size=4)), max_size=10).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(hostile_values, hostile_values, hostile_values), min_size=1, max_size=4),
    hostile_values,
    hostile_values,
)
def test_no_value_breaks_the_summary_table(added_values, changed_key, changed_value) -> None:
    added = [
        entry(slug=f"o/p{i}", name=f"P{i}", url="https://github.com/o/" + url_tail, category=category, description=text)
        for i, (url_tail, category, text) in enumerate(added_values)
    ]
    base = registry_with(entry())
    head = registry_with(entry(**{changed_key or "k": changed_value}), *added)
    result = diff_registries(base, head, json.dumps(head, indent=2))
    markdown = registry_render.diff_markdown("registry.json", result)
    assert command_lines(neutralize(markdown)) == []
    parsed = render(markdown)
    check_structure(parsed)
    added_table = parsed.tables[0]
    assert len(added_table) == 1 + len(added)
    for row, project in zip(added_table[1:], added, strict=True):
        expected = [shown(project["category"]).strip(" \t"), shown(project["description"]).strip(" \t")]
        assert row == [project["slug"], *expected]  # cmark-gfm trims blanks and tabs around a cell, no more
    assert [text for _, text in parsed.links] == [project["slug"] for project in added]
    if result.changed:
        changed_table = parsed.tables[1]
        changes = [change for _, changes in result.changed for change in changes]
        assert len(changed_table) == 1 + len(changes)
        assert all(len(row) == 4 for row in changed_table)
