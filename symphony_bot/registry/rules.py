"""The registry rules a JSON Schema cannot express: unique slugs, url/slug agreement, known categories, dates
relative to each other and to today, distinct tags, https maintainer links."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from symphony_bot.registry.jsondoc import PathParts
from symphony_bot.registry.values import parse_date, parse_datetime, quote
from symphony_bot.report.findings import Finding, Severity, json_path

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
CODE_DUPLICATE_SLUG = "duplicate-slug"
CODE_URL_MISMATCH = "url-mismatch"
CODE_URL_CASE = "url-case-mismatch"
CODE_UNKNOWN_CATEGORY = "unknown-category"
CODE_ADDED_AFTER_UPDATE = "added-after-last-updated"
CODE_ADDED_IN_FUTURE = "added-in-future"
CODE_DUPLICATE_TAG = "duplicate-tag"
CODE_BLANK_TAG = "blank-tag"
CODE_MAINTAINER_URL = "maintainer-url-not-https"


def category_hint(category: str) -> str | None:
    lowered = category.strip().lower()
    if lowered in CATEGORY_LABELS:
        return lowered
    matches = difflib.get_close_matches(lowered, list(CATEGORY_LABELS), n=1, cutoff=0.6)
    return matches[0] if matches else None


def semantic_findings(data: dict[str, Any], now: dt.datetime) -> list[tuple[PathParts, Finding]]:
    results: list[tuple[PathParts, Finding]] = []

    def add(parts: PathParts, severity: Severity, code: str, message: str, hint: str | None = None) -> None:
        results.append((parts, Finding(severity, code, message, json_path(parts), hint=hint)))

    last_updated = parse_datetime(data.get("lastUpdated"))
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
        added = parse_date(entry.get("addedAt"))
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
