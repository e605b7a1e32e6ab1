"""Write the static site: HTML pages, the stylesheet and the script, nothing fetched from anywhere at view time.

Layout of `out`:
    index.html  active.html  history.html  stats.html  projects/<page>.html  contributors/<login>.html
    assets/site.css  assets/site.js  stats.json  (the numbers of `stats --format json`)
    .nojekyll   (GitHub Pages serves the files as they are)

The directory is written in place: files of an earlier build that this build does not produce are left alone,
except the `projects/` and `contributors/` pages, which are replaced as a whole so a project removed from the
registry disappears.
Every file is written beside its target and renamed over it, so a killed build leaves the previous site, not
half pages.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from symphony_bot.github.document_previews import DocumentPreview
from symphony_bot.site.html import ASSETS_FOLDER, SCRIPT_FILE, STYLESHEET_FILE, asset_text
from symphony_bot.site.model import Project, page_name
from symphony_bot.site.pages import project_page, projects_page
from symphony_bot.site.stats_pages import active_page, contributor_page, history_page, stats_page
from symphony_bot.stats.history import HistoryRow
from symphony_bot.stats.maths import StatsReport
from symphony_bot.stats.maths import report as report_for
from symphony_bot.stats.render import report_json

ASSETS = (STYLESHEET_FILE, SCRIPT_FILE)
PROJECTS_FOLDER = "projects"
CONTRIBUTORS_FOLDER = "contributors"
REPLACED_FOLDERS = (PROJECTS_FOLDER, CONTRIBUTORS_FOLDER)  # rebuilt as a whole: removed entries disappear
STATS_JSON = "stats.json"  # the `stats --format json` numbers of everyone, for badges and other sites


def _write(out: Path, files: dict[str, str]) -> int:
    """Write every file so that a killed build never leaves half a page: the pages of each replaced folder go
    to a fresh folder that takes its place in two renames, every other file is written beside its target and
    renamed over it."""
    staging = {folder: Path(tempfile.mkdtemp(prefix=f".{folder}-", dir=out)) for folder in REPLACED_FOLDERS}
    total = 0
    try:
        (out / ASSETS_FOLDER).mkdir(exist_ok=True)
        for relative, content in files.items():
            data = content.encode("utf-8")
            total += len(data)
            folder, _, name = relative.partition("/")
            if folder in staging and name:
                (staging[folder] / name).write_bytes(data)
                continue
            target = out / relative
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, target)
        for folder, fresh in staging.items():
            current, retired = out / folder, out / f".{folder}-old"
            shutil.rmtree(retired, ignore_errors=True)
            if current.exists():
                current.rename(retired)
            fresh.rename(current)
            shutil.rmtree(retired, ignore_errors=True)
    finally:
        for fresh in staging.values():
            shutil.rmtree(fresh, ignore_errors=True)
    return total


def repository_names(row: HistoryRow) -> set[str]:
    """The lower-cased owner/name a contribution belongs to: the one its metadata names and the one in its PR's
    URL, which GitHub gives under the repository's current name, so the history follows a rename."""
    names = {row.repository.casefold()}
    head, found, _ = row.pr_url.rpartition("/pull/")
    parts = head.rstrip("/").split("/")
    if found and len(parts) >= 2:
        names.add(f"{parts[-2]}/{parts[-1]}".casefold())
    return names


def _contributor_pages(report: StatsReport, generated_at: str) -> dict[str, tuple[str, str]]:
    """Lower-cased login -> (file name, page) for everyone on the leaderboard."""
    by_contributor: dict[str, list[HistoryRow]] = {}
    for row in report.rows:
        by_contributor.setdefault(row.contributor.casefold(), []).append(row)
    taken: set[str] = set()
    pages = {}
    for entry in report.leaderboard:
        key = entry.contributor.casefold()
        own = report_for(by_contributor.get(key, []), entry.contributor, report.generated_on)
        pages[key] = (page_name(entry.contributor, taken), contributor_page(own, generated_at))
    return pages


class SiteError(Exception):
    """The output directory cannot be written; the message names it and the cause."""


@dataclass(frozen=True)
class BuiltSite:
    directory: Path
    pages: int
    bytes: int


def build_site(
    out: Path,
    projects: list[Project],
    report: StatsReport,
    generated_at: str,
    previews: dict[tuple[str, str], DocumentPreview] | None = None,
) -> BuiltSite:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} exists and is not a directory; give --out a directory")
    contributors = _contributor_pages(report, generated_at)
    links = {login: f"{CONTRIBUTORS_FOLDER}/{name}" for login, (name, _) in contributors.items()}
    files: dict[str, str] = {
        "index.html": projects_page(projects, generated_at),
        "active.html": active_page(report, generated_at),
        "history.html": history_page(report, generated_at),
        "stats.html": stats_page(report, generated_at, links),
    }
    for name, html in contributors.values():
        files[f"{CONTRIBUTORS_FOLDER}/{name}"] = html
    by_repository: dict[str, list[HistoryRow]] = {}
    for row in report.rows:
        for name in repository_names(row):
            by_repository.setdefault(name, []).append(row)
    for project in projects:
        own_ids = {id(row) for name in project.names for row in by_repository.get(name, [])}
        own = [row for row in report.rows if id(row) in own_ids]
        files[f"{PROJECTS_FOLDER}/{project.page}"] = project_page(project, own, generated_at, previews)
    for name in ASSETS:
        files[f"{ASSETS_FOLDER}/{name}"] = asset_text(name)
    files[STATS_JSON] = json.dumps(report_json(report), ensure_ascii=False, separators=(",", ":"))
    files[".nojekyll"] = ""
    try:
        out.mkdir(parents=True, exist_ok=True)
        total = _write(out, files)
    except OSError as error:
        raise SiteError(f"cannot write the site to {out}: {error.strerror or error}") from None
    return BuiltSite(directory=out, pages=sum(1 for name in files if name.endswith(".html")), bytes=total)
