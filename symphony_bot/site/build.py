"""Write the static site: HTML pages, the stylesheet and the script, nothing fetched from anywhere at view time.

Layout of `out`:
    index.html  active.html  history.html  stats.html  projects/<page>.html  assets/site.css  assets/site.js
    stats.json  (the numbers of `stats --format json`)
    .nojekyll   (GitHub Pages serves the files as they are)

The directory is written in place: files of an earlier build that this build does not produce are left alone,
except the `projects/` pages, which are replaced as a whole so a project removed from the registry disappears.
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
from symphony_bot.site.model import Project
from symphony_bot.site.pages import project_page, projects_page
from symphony_bot.site.stats_pages import active_page, history_page, stats_page
from symphony_bot.stats.history import HistoryRow
from symphony_bot.stats.maths import StatsReport
from symphony_bot.stats.render import report_json

ASSETS = (STYLESHEET_FILE, SCRIPT_FILE)
PROJECTS_FOLDER = "projects"
STATS_JSON = "stats.json"  # the `stats --format json` numbers of everyone, for badges and other sites


def _write(out: Path, files: dict[str, str]) -> int:
    """Write every file so that a killed build never leaves half a page: the project pages go to a fresh
    folder that replaces `projects/` in two renames, every other file is written beside its target and renamed
    over it."""
    staging = Path(tempfile.mkdtemp(prefix=".projects-", dir=out))
    total = 0
    try:
        (out / ASSETS_FOLDER).mkdir(exist_ok=True)
        for relative, content in files.items():
            data = content.encode("utf-8")
            total += len(data)
            if relative.startswith(f"{PROJECTS_FOLDER}/"):
                (staging / relative.removeprefix(f"{PROJECTS_FOLDER}/")).write_bytes(data)
                continue
            target = out / relative
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, target)
        current = out / PROJECTS_FOLDER
        retired = out / f".{PROJECTS_FOLDER}-old"
        shutil.rmtree(retired, ignore_errors=True)
        if current.exists():
            current.rename(retired)
        staging.rename(current)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return total


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
    files: dict[str, str] = {
        "index.html": projects_page(projects, generated_at),
        "active.html": active_page(report, generated_at),
        "history.html": history_page(report, generated_at),
        "stats.html": stats_page(report, generated_at),
    }
    rows = report.rows
    by_repository: dict[str, list[HistoryRow]] = {}
    for row in rows:
        by_repository.setdefault(row.repository.casefold(), []).append(row)
    for project in projects:
        own = by_repository.get(project.slug.casefold(), [])
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
