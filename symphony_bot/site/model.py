"""What the site shows, built from registry entries, the scan and the stats — before any HTML.

Registry entries are read defensively: the site is built from whatever registry it is given (a PR's, a
fork's), so any field may be missing, of the wrong type, or hostile. Missing text becomes empty, unknown
categories degrade as Maestro's do (a title-cased label with 📦), and nothing here is trusted as markup.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from symphony_bot.registry.rules import CATEGORY_LABELS

if TYPE_CHECKING:
    from symphony_bot.github.issue_queries import ScannedIssue
    from symphony_bot.github.scan import RepositoryResult

UNKNOWN_CATEGORY_EMOJI = "📦"
NO_CATEGORY = "other"
MAX_FIELD_CHARACTERS = 2000  # a registry description is at most 200; anything longer is cut, not rendered whole
MAX_TAGS = 20
# Issue groups of a project page, in order: (status, heading). `invalid` issues are listed last, with why.
ISSUE_GROUPS = (
    ("available", "Available"),
    ("in_progress", "In progress"),
    ("blocked", "Blocked"),
    ("completed", "Completed"),
    ("invalid", "Not ready"),
)
_SAFE_FILE_CHARACTER = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    emoji: str
    known: bool


@dataclass
class Project:
    slug: str
    name: str
    description: str
    url: str
    category: Category
    tags: tuple[str, ...]
    maintainer: str
    maintainer_url: str
    featured: bool
    added_at: str
    page: str  # file name of the project page, under projects/
    issues: list[ScannedIssue] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why the repository could not be scanned
    repository: str = ""  # owner/name as GitHub answered (differs from the slug after a rename)
    duplicate_of: str = ""  # the slug of an earlier entry naming the same repository

    @property
    def names(self) -> set[str]:
        """The lower-cased owner/name this project is known by: its slug and, after a rename, GitHub's name."""
        return {self.slug.casefold()} | ({self.repository.casefold()} if self.repository else set())

    def count(self, status: str) -> int:
        return sum(1 for issue in self.issues if str(issue.status) == status)

    @property
    def search_text(self) -> str:
        """What the search box matches: name, description and tags (Maestro's fields) and the slug, lower-cased
        with `lower()` like the script's `toLowerCase()` (casefold would turn "ß" into "ss" on one side only)."""
        return " ".join([self.name, self.slug, self.description, *self.tags]).lower()


def category_of(value: Any) -> Category:
    if not isinstance(value, str) or not value.strip():
        label, emoji = CATEGORY_LABELS[NO_CATEGORY]
        return Category(NO_CATEGORY, label, emoji, True)
    identifier = value.strip()[:80]
    known = CATEGORY_LABELS.get(identifier)
    if known is not None:
        return Category(identifier, known[0], known[1], True)
    label = " ".join(word.capitalize() for word in re.split(r"[-_\s]+", identifier) if word) or identifier
    return Category(identifier, label, UNKNOWN_CATEGORY_EMOJI, False)


def _text(value: Any) -> str:
    return value.strip()[:MAX_FIELD_CHARACTERS] if isinstance(value, str) else ""


def page_name(slug: str, taken: set[str]) -> str:
    """A file name for the project page that no slug can turn into a path: only [A-Za-z0-9._-], no leading
    dot, unique (case-insensitively, for case-insensitive file systems)."""
    base = _SAFE_FILE_CHARACTER.sub("-", slug.replace("/", "--"))[:100].lstrip(".") or "project"
    if base != slug.replace("/", "--"):
        base += "-" + hashlib.sha256(slug.encode()).hexdigest()[:8]
    name = f"{base}.html"
    counter = 2
    while name.casefold() in taken:
        name = f"{base}-{counter}.html"
        counter += 1
    taken.add(name.casefold())
    return name


def projects_from(entries: list[dict[str, Any]], scanned: dict[str, RepositoryResult] | None = None) -> list[Project]:
    """One project per entry, featured first then by name (Maestro's order); `scanned` maps a lower-cased slug
    to its scan result."""
    taken: set[str] = set()
    projects = []
    for entry in entries:
        slug = _text(entry.get("slug"))
        if not slug:
            continue
        raw_maintainer, raw_tags = entry.get("maintainer"), entry.get("tags")
        maintainer: dict[str, Any] = raw_maintainer if isinstance(raw_maintainer, dict) else {}
        tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
        project = Project(
            slug=slug,
            name=_text(entry.get("name")) or slug,
            description=_text(entry.get("description")),
            url=_text(entry.get("url")),
            category=category_of(entry.get("category")),
            tags=tuple(_text(tag) for tag in tags[:MAX_TAGS] if _text(tag)),
            maintainer=_text(maintainer.get("name")),
            maintainer_url=_text(maintainer.get("url")),
            featured=entry.get("featured") is True,
            added_at=_text(entry.get("addedAt"))[:10],
            page=page_name(slug, taken),
        )
        result = (scanned or {}).get(slug.casefold())
        if result is not None:
            project.issues = list(result.issues)
            project.problems = [problem.message for problem in result.problems if problem.fatal]
            project.repository = result.name_with_owner or ""
        projects.append(project)
    _mark_duplicates(projects)
    projects.sort(key=lambda project: (not project.featured, project.name.casefold(), project.slug.casefold()))
    return projects


def _mark_duplicates(projects: list[Project]) -> None:
    """A registry may list one repository twice (under its old and its new name): every entry after the first,
    in registry order, names the first."""
    first: dict[str, str] = {}
    for project in projects:
        earlier = next((first[name] for name in sorted(project.names) if name in first), "")
        if earlier:
            project.duplicate_of = earlier
        for name in project.names:
            first.setdefault(name, project.slug)


def categories_in(projects: list[Project]) -> list[tuple[Category, int]]:
    """The categories the projects use, with counts: known ones in the registry's order, then unknown ones by
    label."""
    counts: dict[str, tuple[Category, int]] = {}
    for project in projects:
        category, count = counts.get(project.category.id, (project.category, 0))
        counts[project.category.id] = (category, count + 1)
    order = list(CATEGORY_LABELS)
    return sorted(
        counts.values(),
        key=lambda item: (order.index(item[0].id) if item[0].known else len(order), item[0].label.casefold()),
    )
