"""Registry diffs: which projects a change adds, removes or edits, and the rules that only exist on a change
(a slug is never renamed, removal vs deactivation, lastUpdated is bumped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from symphony_bot.registry.jsondoc import JsonDocument, PathParts
from symphony_bot.registry.values import parse_datetime, quote, with_positions
from symphony_bot.report.findings import Finding, Severity, json_path

# Finding codes (stable: documented in the README, used by CI annotations)
CODE_SLUG_CHANGED = "slug-changed"
CODE_SLUG_CASE_CHANGED = "slug-case-changed"
CODE_PROJECT_REMOVED = "project-removed"
CODE_PROJECT_DEACTIVATED = "project-deactivated"
CODE_LAST_UPDATED_NOT_BUMPED = "last-updated-not-bumped"


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class RegistryDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[str, list[FieldChange]]] = field(default_factory=list)  # (slug, changes)
    findings: list[Finding] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": [entry.get("slug") for entry in self.added],
            "removed": [entry.get("slug") for entry in self.removed],
            "changed": [
                {
                    "slug": slug,
                    "fields": [{"field": c.field, "before": c.before, "after": c.after} for c in changes],
                }
                for slug, changes in self.changed
            ],
            "findings": [finding.to_json() for finding in self.findings],
        }


def _entries(data: Any) -> list[dict[str, Any]]:
    repositories = data.get("repositories") if isinstance(data, dict) else None
    if not isinstance(repositories, list):
        return []
    return [entry for entry in repositories if isinstance(entry, dict) and isinstance(entry.get("slug"), str)]


def _flatten(entry: dict[str, Any]) -> dict[str, Any]:
    """{"maintainer": {"name": x}} -> {"maintainer.name": x}: one level, the registry's only nested object
    (deeper values are compared whole, so no recursion)."""
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, dict):
            flat.update((f"{key}.{inner}", inner_value) for inner, inner_value in value.items())
        else:
            flat[key] = value
    return flat


def diff_registries(base: Any, head: Any, head_text: str = "") -> RegistryDiff:
    """What changed from `base` to `head`, with the rules that only exist on a change.
    `head_text` (the head file's text) lets findings carry their line numbers."""
    result = RegistryDiff()
    base_entries = {entry["slug"].lower(): entry for entry in _entries(base)}
    head_entries = {entry["slug"].lower(): entry for entry in _entries(head)}
    head_index = {entry["slug"].lower(): i for i, entry in enumerate(_all_entries(head)) if _has_slug(entry)}
    located: list[tuple[PathParts, Finding]] = []

    removed = [base_entries[key] for key in base_entries if key not in head_entries]
    added = [head_entries[key] for key in head_entries if key not in base_entries]

    # A project whose slug changed looks like a removal plus an addition with the same url or name.
    # Indexed, so two unrelated 10,000-project files still diff in linear time.
    added_by_identity: dict[tuple[str, Any], dict[str, Any]] = {}
    for new in reversed(added):
        for identity in _identities(new):
            added_by_identity[identity] = new
    renamed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for old in removed:
        match = next((added_by_identity[i] for i in _identities(old) if i in added_by_identity), None)
        if match is None:
            continue
        renamed.append((old, match))
        for identity in _identities(match):
            added_by_identity.pop(identity, None)
    renamed_old = {id(old) for old, _ in renamed}
    renamed_new = {id(new) for _, new in renamed}
    removed = [entry for entry in removed if id(entry) not in renamed_old]
    added = [entry for entry in added if id(entry) not in renamed_new]
    for old, match in renamed:
        parts: PathParts = ("repositories", head_index[match["slug"].lower()], "slug")
        located.append(
            (
                parts,
                Finding(
                    Severity.ERROR,
                    CODE_SLUG_CHANGED,
                    f"slug changed from {quote(old['slug'])} to {quote(match['slug'])}",
                    json_path(parts),
                    hint=f"keep your slug {quote(old['slug'])}: it identifies the project in contributors' history",
                ),
            )
        )
        result.changed.append((old["slug"], _field_changes(old, match)))

    for entry in removed:
        located.append(
            (
                ("repositories",),
                Finding(
                    Severity.NOTICE,
                    CODE_PROJECT_REMOVED,
                    f"project {quote(entry['slug'])} is removed",
                    "$.repositories",
                    hint='setting "isActive": false hides it but keeps contributors\' history linked',
                ),
            )
        )
    for key, new in head_entries.items():
        old_entry = base_entries.get(key)
        if old_entry is None:
            continue
        changes = _field_changes(old_entry, new)
        if not changes:
            continue
        result.changed.append((new["slug"], changes))
        if old_entry["slug"] != new["slug"]:  # equal ignoring case, or they would not share a key
            parts = ("repositories", head_index[key], "slug")
            located.append(
                (
                    parts,
                    Finding(
                        Severity.WARNING,
                        CODE_SLUG_CASE_CHANGED,
                        f"slug changed only in letter case, from {quote(old_entry['slug'])} to {quote(new['slug'])}",
                        json_path(parts),
                        hint=f"GitHub does not mind, but history is matched on the exact slug: keep "
                        f"{quote(old_entry['slug'])}",
                    ),
                )
            )
        if old_entry.get("isActive") is True and new.get("isActive") is False:
            parts = ("repositories", head_index[key], "isActive")
            located.append(
                (
                    parts,
                    Finding(
                        Severity.NOTICE,
                        CODE_PROJECT_DEACTIVATED,
                        f"project {quote(new['slug'])} is set inactive: it disappears from scans and the site",
                        json_path(parts),
                    ),
                )
            )
    result.added = added
    result.removed = removed
    if not result.is_empty and isinstance(head, dict) and isinstance(base, dict):
        before = parse_datetime(base.get("lastUpdated"))
        after = parse_datetime(head.get("lastUpdated"))
        if before is not None and after is not None and after <= before:
            located.append(
                (
                    ("lastUpdated",),
                    Finding(
                        Severity.WARNING,
                        CODE_LAST_UPDATED_NOT_BUMPED,
                        f"projects changed but lastUpdated is still {quote(head.get('lastUpdated'))}",
                        "$.lastUpdated",
                        hint="set lastUpdated to the time of this change",
                    ),
                )
            )
    if head_text:
        document = JsonDocument(text=head_text, data=head)
        result.findings = with_positions(document, located)
    else:
        result.findings = [finding for _, finding in located]
    return result


def _all_entries(data: Any) -> list[Any]:
    repositories = data.get("repositories") if isinstance(data, dict) else None
    return repositories if isinstance(repositories, list) else []


def _has_slug(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("slug"), str)


def _identities(entry: dict[str, Any]) -> list[tuple[str, Any]]:
    """What still identifies a project whose slug changed: its url (normalised) or its name."""
    identities: list[tuple[str, Any]] = []
    url, name = entry.get("url"), entry.get("name")
    if isinstance(url, str) and url:
        identities.append(("url", url.rstrip("/").lower()))
    if isinstance(name, str) and name:
        identities.append(("name", name))
    return identities


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    before, after = _flatten(old), _flatten(new)
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after), key=_field_order)
        if before.get(name) != after.get(name)
    ]


_FIELD_ORDER = [
    "slug",
    "name",
    "description",
    "url",
    "category",
    "tags",
    "maintainer",
    "isActive",
    "featured",
]


def _field_order(name: str) -> tuple[int, str]:
    head = name.split(".", 1)[0]
    return (_FIELD_ORDER.index(head) if head in _FIELD_ORDER else len(_FIELD_ORDER), name)
