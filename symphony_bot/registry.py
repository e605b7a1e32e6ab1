"""The project registry (`symphony-registry.json`): loading, schema and semantic rules, and diffs.

Validation runs in three layers, all collected before anything is reported:
1. the bytes (size, encoding, BOM, syntax, duplicate keys) — `symphony_bot.jsondoc`;
2. the JSON Schema `schemas/symphony-registry.schema.json` (jsonschema-rs: ~100x faster than pure-Python
   jsonschema on a 10,000-entry registry, with the same draft 2020-12 semantics and real format checks);
3. the rules a schema cannot express (uniqueness, url/slug agreement, dates relative to each other).
Every finding then gets the line and column of the value it is about.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from symphony_bot.findings import Finding, Severity, has_errors, json_path
from symphony_bot.jsondoc import (
    JsonDocument,
    PathParts,
    nearest_located,
    parse_json_bytes,
    path_deeper_than,
    read_json_file,
)

SCHEMA_RESOURCE = "symphony-registry.schema.json"
DEFAULT_REGISTRY_FILE = "symphony-registry.json"
GITHUB_URL_PREFIX = "https://github.com/"

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    # id: (label, emoji) — Maestro's nine documented categories first, then the ids its code also knows
    "ai-ml": ("AI & ML", "🤖"),
    "developer-tools": ("Developer Tools", "🛠️"),
    "infrastructure": ("Infrastructure", "🏗️"),
    "documentation": ("Documentation", "📚"),
    "web": ("Web", "🌐"),
    "mobile": ("Mobile", "📱"),
    "data": ("Data", "📊"),
    "security": ("Security", "🔒"),
    "other": ("Other", "📦"),
    "desktop": ("Desktop", "🖥️"),
    "productivity": ("Productivity", "⚡"),
    "automation": ("Automation", "🤖"),
    "cli": ("CLI", "⌨️"),
    "design": ("Design", "🎨"),
    "education": ("Education", "🎓"),
    "fintech": ("Fintech", "💳"),
    "gaming": ("Gaming", "🎮"),
    "healthcare": ("Healthcare", "🏥"),
    "iot": ("IoT", "📡"),
    "media": ("Media", "🎬"),
    "networking": ("Networking", "🔌"),
    "science": ("Science", "🔬"),
    "testing": ("Testing", "🧪"),
}

# Finding codes (stable: documented in the README, used by CI annotations)
CODE_NOT_AN_OBJECT = "not-an-object"
CODE_NESTING_TOO_DEEP = "nesting-too-deep"
CODE_VALIDATOR_FAILED = "validator-failed"
CODE_DUPLICATE_SLUG = "duplicate-slug"
CODE_URL_MISMATCH = "url-mismatch"
CODE_URL_CASE = "url-case-mismatch"
CODE_UNKNOWN_CATEGORY = "unknown-category"
CODE_ADDED_AFTER_UPDATE = "added-after-last-updated"
CODE_ADDED_IN_FUTURE = "added-in-future"
CODE_DUPLICATE_TAG = "duplicate-tag"
CODE_BLANK_TAG = "blank-tag"
CODE_MAINTAINER_URL = "maintainer-url-not-https"
# diff-only codes
CODE_SLUG_CHANGED = "slug-changed"
CODE_SLUG_CASE_CHANGED = "slug-case-changed"
CODE_PROJECT_REMOVED = "project-removed"
CODE_PROJECT_DEACTIVATED = "project-deactivated"
CODE_LAST_UPDATED_NOT_BUMPED = "last-updated-not-bumped"

MAX_NESTING_DEPTH = 64  # where a too-deep finding points (any depth past the validator's ~255 is reported)
# User values quoted in a message are cut to this many characters (a 5,000-character description is no help).
MAX_QUOTED_CHARS = 80

FORMATS_USED = ("date", "date-time", "uri")
# One value each format checker must reject; checked once at start-up (see `_assert_format_checkers`).
_FORMAT_PROBES = {"date": "2025-13-45", "date-time": "yesterday", "uri": "not a uri"}

_SCHEMA_HINTS = {
    "description": "keep the description to 200 characters or fewer",
    "slug": 'use "owner/repo" exactly as on GitHub',
    "url": "use https://github.com/<owner>/<repo>",
    "addedAt": "use YYYY-MM-DD",
    "lastUpdated": "use an RFC 3339 date-time such as 2026-05-09T00:00:00Z",
    "schemaVersion": 'use "1.0"',
}


class FormatCheckerMissing(RuntimeError):
    """The JSON Schema library would silently accept invalid dates or URLs."""


@dataclass
class RegistryReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    data: Any = None

    @property
    def valid(self) -> bool:
        return self.data is not None and not has_errors(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "valid": self.valid, "findings": [f.to_json() for f in self.findings]}


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files("symphony_bot.data").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    import jsonschema_rs

    _assert_format_checkers(jsonschema_rs)
    return jsonschema_rs.Draft202012Validator(load_schema(), validate_formats=True)


def _assert_format_checkers(jsonschema_rs: Any) -> None:
    for name, bad_value in _FORMAT_PROBES.items():
        probe = jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)
        if probe.is_valid(bad_value):
            raise FormatCheckerMissing(
                f'the JSON Schema validator does not check format "{name}", so invalid values would pass; '
                "reinstall symphony-bot with its pinned dependencies (pip install -e .)"
            )


def quote(value: Any) -> str:
    """A user value as it would appear in JSON (control characters escaped, so hostile text stays inert), cut
    short when long."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str | int | float | bool | None) else "…"
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 2] + '…"'


def category_hint(category: str) -> str | None:
    lowered = category.strip().lower()
    if lowered in CATEGORY_LABELS:
        return lowered
    matches = difflib.get_close_matches(lowered, list(CATEGORY_LABELS), n=1, cutoff=0.6)
    return matches[0] if matches else None


def validate_file(path: Path, now: dt.datetime | None = None) -> RegistryReport:
    """Every finding for one registry file. Raises OSError when the file cannot be read at all."""
    return _report(str(path), read_json_file(path), now)


def validate_bytes(raw: bytes, path: str = DEFAULT_REGISTRY_FILE, now: dt.datetime | None = None) -> RegistryReport:
    return _report(path, parse_json_bytes(raw), now)


def _report(path: str, document: JsonDocument, now: dt.datetime | None) -> RegistryReport:
    report = RegistryReport(path=path, findings=list(document.findings))
    if document.data is None:
        return report
    if not isinstance(document.data, dict):
        report.findings.append(
            Finding(
                Severity.ERROR,
                CODE_NOT_AN_OBJECT,
                f"the registry must be a JSON object, not {_json_type(document.data)}",
                hint='start from {"schemaVersion": "1.0", "lastUpdated": "…", "repositories": []}',
            )
        )
        return report
    report.data = document.data
    located: list[tuple[PathParts, Finding]] = []
    located += _schema_findings(document.data)
    located += _semantic_findings(document.data, now or dt.datetime.now(dt.UTC))
    report.findings += _with_positions(document, located)
    return report


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _schema_findings(data: dict[str, Any]) -> list[tuple[PathParts, Finding]]:
    validator = _validator()
    try:
        errors = list(validator.iter_errors(data))
    except ValueError as failure:
        # jsonschema-rs refuses data nested past ~255 levels (a registry needs 4). Only now is it worth a walk.
        too_deep = path_deeper_than(data, MAX_NESTING_DEPTH)
        if too_deep is not None:
            return [
                (
                    too_deep,
                    Finding(
                        Severity.ERROR,
                        CODE_NESTING_TOO_DEEP,
                        f"values are nested more than {MAX_NESTING_DEPTH} levels deep here",
                        json_path(too_deep),
                        hint="a registry entry is at most 4 levels deep; remove the nested arrays or objects",
                    ),
                )
            ]
        return [
            (
                (),
                Finding(
                    Severity.ERROR,
                    CODE_VALIDATOR_FAILED,
                    f"the schema validator could not process this file: {failure}",
                    hint="report this with the file attached",
                ),
            )
        ]
    results: list[tuple[PathParts, Finding]] = []
    for error in errors:
        parts: PathParts = tuple(error.instance_path)
        keyword = str(error.schema_path[-1]) if error.schema_path else "schema"
        if parts[-1:] == ("category",) and keyword == "enum" and isinstance(error.instance, str):
            continue  # reported by the category rule, with a "did you mean"
        try:
            message, hint, parts = _describe_schema_error(error, keyword, parts)
        except (AttributeError, TypeError, IndexError):  # an error kind shaped differently: its own words
            message, hint = _shortened(str(error.message)), _SCHEMA_HINTS.get(_field_name(parts))
        code = "schema-" + "".join("-" + c.lower() if c.isupper() else c for c in keyword)
        results.append((parts, Finding(Severity.ERROR, code, message, json_path(parts), hint=hint)))
    return results


def _field_name(parts: PathParts) -> str:
    return next((part for part in reversed(parts) if isinstance(part, str)), "")


def _shortened(message: str) -> str:
    return message if len(message) <= 4 * MAX_QUOTED_CHARS else message[: 4 * MAX_QUOTED_CHARS] + "…"


def _describe_schema_error(error: Any, keyword: str, parts: PathParts) -> tuple[str, str | None, PathParts]:
    field_name = _field_name(parts)
    hint = _SCHEMA_HINTS.get(field_name)
    kind = error.kind
    if keyword == "required":
        missing = kind.property
        return f"required field {quote(missing)} is missing", f"add {quote(missing)}", parts
    if keyword == "additionalProperties":
        unexpected = list(kind.unexpected)
        # point at the first unknown key itself; the message names them all
        names = ", ".join(quote(name) for name in unexpected)
        return f"unknown field {names}", "remove it, or check its spelling", (*parts, unexpected[0])
    if keyword == "format":
        return f"{quote(error.instance)} is not a valid {kind.format}", hint, parts
    if keyword == "maxLength":
        return f"{field_name} is {len(error.instance)} characters long; at most {kind.limit} are allowed", hint, parts
    if keyword == "minLength":
        return f"{field_name} must not be empty", hint, parts
    if keyword == "maxItems":
        return f"{field_name} has {len(error.instance)} items; at most {kind.limit} are allowed", hint, parts
    if keyword == "type":
        wanted = " or ".join(str(name) for name in kind.types)
        return f"{quote(error.instance)} is not of type {wanted}", hint, parts
    if keyword == "pattern":
        return f"{quote(error.instance)} does not have the expected form", hint, parts
    if keyword == "enum":
        return f"{quote(error.instance)} is not one of the allowed values", hint, parts
    return _shortened(str(error.message)), hint, parts


def _semantic_findings(data: dict[str, Any], now: dt.datetime) -> list[tuple[PathParts, Finding]]:
    results: list[tuple[PathParts, Finding]] = []

    def add(parts: PathParts, severity: Severity, code: str, message: str, hint: str | None = None) -> None:
        results.append((parts, Finding(severity, code, message, json_path(parts), hint=hint)))

    last_updated = _parse_datetime(data.get("lastUpdated"))
    repositories = data.get("repositories")
    if not isinstance(repositories, list):
        return results
    first_index_of_slug: dict[str, int] = {}
    for index, entry in enumerate(repositories):
        if not isinstance(entry, dict):
            continue
        base: PathParts = ("repositories", index)
        slug = entry.get("slug")
        if isinstance(slug, str):
            key = slug.lower()
            if key in first_index_of_slug:
                first = first_index_of_slug[key]
                add(
                    (*base, "slug"),
                    Severity.ERROR,
                    CODE_DUPLICATE_SLUG,
                    f"slug {quote(slug)} is already used by repositories[{first}] (slugs compare case-insensitively)",
                    "each project appears once; edit the existing entry instead",
                )
            else:
                first_index_of_slug[key] = index
            url = entry.get("url")
            if isinstance(url, str):
                expected = GITHUB_URL_PREFIX + slug
                actual = url.rstrip("/")
                if actual != expected:
                    if actual.lower() == expected.lower():
                        add(
                            (*base, "url"),
                            Severity.WARNING,
                            CODE_URL_CASE,
                            f"url {quote(url)} differs from the slug {quote(slug)} only in letter case",
                            f"GitHub ignores case, but keep them identical: {quote(expected)}",
                        )
                    else:
                        add(
                            (*base, "url"),
                            Severity.ERROR,
                            CODE_URL_MISMATCH,
                            f"url {quote(url)} does not point at the slug {quote(slug)}",
                            f"use {quote(expected)}",
                        )
        category = entry.get("category")
        if isinstance(category, str) and category not in CATEGORY_LABELS:
            suggestion = category_hint(category)
            add(
                (*base, "category"),
                Severity.ERROR,
                CODE_UNKNOWN_CATEGORY,
                f"unknown category {quote(category)}; Maestro shows it as an unknown category"
                + (f' (did you mean "{suggestion}"?)' if suggestion else ""),
                suggestion if suggestion else "one of: " + ", ".join(CATEGORY_LABELS),
            )
        added = _parse_date(entry.get("addedAt"))
        if added is not None:
            if added > now.date():
                add(
                    (*base, "addedAt"),
                    Severity.WARNING,
                    CODE_ADDED_IN_FUTURE,
                    f"addedAt {added.isoformat()} is in the future",
                    "use the day the project is added",
                )
            elif last_updated is not None and added > last_updated.date():
                add(
                    (*base, "addedAt"),
                    Severity.WARNING,
                    CODE_ADDED_AFTER_UPDATE,
                    f"addedAt {added.isoformat()} is after lastUpdated {last_updated.date().isoformat()}",
                    "bump lastUpdated when you add a project",
                )
        tags = entry.get("tags")
        if isinstance(tags, list):
            seen: set[str] = set()
            for tag_index, tag in enumerate(tags):
                if not isinstance(tag, str):
                    continue
                if not tag.strip():
                    add((*base, "tags", tag_index), Severity.ERROR, CODE_BLANK_TAG, "blank tag", "remove it")
                elif tag.strip().lower() in seen:
                    add(
                        (*base, "tags", tag_index),
                        Severity.WARNING,
                        CODE_DUPLICATE_TAG,
                        f"tag {quote(tag)} appears twice (tags compare case-insensitively)",
                        "remove the repeat",
                    )
                seen.add(tag.strip().lower())
        maintainer = entry.get("maintainer")
        if isinstance(maintainer, dict):
            maintainer_url = maintainer.get("url")
            if isinstance(maintainer_url, str) and not maintainer_url.startswith("https://"):
                add(
                    (*base, "maintainer", "url"),
                    Severity.ERROR,
                    CODE_MAINTAINER_URL,
                    f"maintainer url {quote(maintainer_url)} is not https",
                    "use an https:// link, e.g. https://github.com/<login>",
                )
    return results


def _with_positions(document: JsonDocument, located: list[tuple[PathParts, Finding]]) -> list[Finding]:
    if not located:
        return []
    wanted = {prefix for parts, _ in located for prefix in _prefixes(parts)}
    positions = document.locate(wanted)
    placed = []
    for parts, finding in located:
        position = nearest_located(parts, positions)
        placed.append(_replace_position(finding, position.line, position.column))
    return sorted(placed, key=lambda f: (f.line, f.column))


def _prefixes(parts: PathParts) -> list[PathParts]:
    return [parts[:length] for length in range(len(parts) + 1)]


def _replace_position(finding: Finding, line: int, column: int) -> Finding:
    from dataclasses import replace

    return replace(finding, line=line, column=column)


def _parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# ----------------------------------------------------------------------------------------------- diff


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
        before = _parse_datetime(base.get("lastUpdated"))
        after = _parse_datetime(head.get("lastUpdated"))
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
        result.findings = _with_positions(document, located)
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
