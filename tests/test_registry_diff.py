"""Registry diffs: added, removed and changed projects, and the rules of a change."""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony_bot.registry import render as registry_render
from symphony_bot.registry.diff import diff_registries
from symphony_bot.report.findings import Severity
from tests.registry_helpers import entry, mutations, registry_with, values


def test_diff_lists_added_removed_and_changed_fields() -> None:
    other = entry(slug="octo/other", url="https://github.com/octo/other", name="Other")
    third = entry(slug="octo/third", url="https://github.com/octo/third", name="Third")
    base = registry_with(entry(), other)
    head = registry_with(entry(description="Now bigger.", tags=["python"]), third, last_updated="2026-06-01T00:00:00Z")
    result = diff_registries(base, head)
    assert [e["slug"] for e in result.added] == ["octo/third"]
    assert [e["slug"] for e in result.removed] == ["octo/other"]
    [(slug, changes)] = result.changed
    assert slug == "octo/hello"
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("description", "A small project.", "Now bigger."),
        ("tags", ["python", "cli"], ["python"]),
    ]
    assert [f.code for f in result.findings] == ["project-removed"]


def test_diff_refuses_a_changed_slug() -> None:
    base = registry_with(entry())
    head = registry_with(
        entry(slug="octo/renamed", url="https://github.com/octo/hello"), last_updated="2026-06-01T00:00:00Z"
    )
    text = json.dumps(head, indent=2)
    result = diff_registries(base, head, text)
    [finding] = [f for f in result.findings if f.severity is Severity.ERROR]
    assert finding.code == "slug-changed"
    assert "keep your slug" in (finding.hint or "")
    assert finding.line == text.splitlines().index('      "slug": "octo/renamed",') + 1


def test_diff_tells_removal_from_deactivation() -> None:
    base = registry_with(entry())
    inactive = diff_registries(base, registry_with(entry(isActive=False), last_updated="2026-06-01T00:00:00Z"))
    assert [f.code for f in inactive.findings] == ["project-deactivated"]
    removed = diff_registries(base, registry_with(last_updated="2026-06-01T00:00:00Z"))
    assert [f.code for f in removed.findings] == ["project-removed"]
    assert removed.findings[0].severity is Severity.NOTICE


def test_diff_warns_when_last_updated_is_not_bumped() -> None:
    base = registry_with(entry())
    result = diff_registries(base, registry_with(entry(name="Renamed")))
    assert [(f.severity.value, f.code) for f in result.findings] == [("warning", "last-updated-not-bumped")]
    assert diff_registries(base, registry_with(entry())).findings == []  # nothing changed: nothing to bump


def test_diff_warns_when_a_slug_changes_only_in_case() -> None:
    base = registry_with(entry())
    head = registry_with(
        entry(slug="Octo/Hello", url="https://github.com/Octo/Hello"), last_updated="2026-06-01T00:00:00Z"
    )
    result = diff_registries(base, head)
    assert [(f.severity.value, f.code) for f in result.findings] == [("warning", "slug-case-changed")]
    assert "keep" in (result.findings[0].hint or "")
    [(_, changes)] = result.changed
    assert [c.field for c in changes] == ["slug", "url"]


def test_diff_of_the_real_desktop_commit(registry_history) -> None:
    before = json.loads((registry_history / "2026-03-24-6eae00c1b.json").read_text())
    after_text = (registry_history / "2026-05-09-d741f471b.json").read_text()
    result = diff_registries(before, json.loads(after_text), after_text)
    [(slug, changes)] = result.changed
    assert slug == "needmorecowbell/drawfinity"
    assert [(c.field, c.before, c.after) for c in changes if c.field != "description"] == [
        ("category", "web", "Desktop"),
        (
            "tags",
            ["drawing", "collaboration", "creative-tools", "generative-art"],
            ["drawing", "collaboration", "creative-tools", "tauri"],
        ),
    ]
    [finding] = result.findings
    assert (finding.code, finding.line) == ("last-updated-not-bumped", 3)


def test_diff_of_two_unrelated_large_registries_is_linear() -> None:
    def many(prefix):
        return registry_with(
            *(
                entry(slug=f"{prefix}{i}/p", url=f"https://github.com/{prefix}{i}/p", name=f"{prefix} {i}")
                for i in range(3000)
            )
        )

    result = diff_registries(many("a"), many("b"))
    assert (len(result.added), len(result.removed)) == (3000, 3000)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), mutations, values), max_size=6))
def test_no_mutation_crashes_the_diff(edits) -> None:
    base = registry_with(
        entry(),
        entry(slug="a/b", url="https://github.com/a/b", name="B"),
        entry(slug="c/d", url="https://github.com/c/d", name="D"),
    )
    head = copy.deepcopy(base)
    for index, mutate, value in edits:
        mutate(head["repositories"][index], value)
    text = json.dumps(head, indent=2)
    result = diff_registries(base, head, text)
    for finding in result.findings:
        assert finding.line >= 1 and finding.column >= 1
    for rendered in (
        registry_render.diff_text("r.json", result),
        registry_render.diff_markdown("r.json", result),
        json.dumps(result.to_json()),
    ):
        assert "\x1b" not in rendered
