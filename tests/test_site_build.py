"""`symphony-bot site` against the sandbox: files, order, groups, snippets, escaping, self-containment; and the
model's defences (page names, unknown categories)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphony_bot.github.scan import RepositoryResult
from symphony_bot.sandbox import Sandbox
from symphony_bot.site.build import repository_names
from symphony_bot.site.html import CONTENT_SECURITY_POLICY, safe_url, text
from symphony_bot.site.model import category_of, page_name, projects_from
from symphony_bot.site.pages import DUPLICATE, UNREADABLE, project_tile
from symphony_bot.stats.history import HistoryRow, PullState
from tests.browser.world import ABANDONED_TASKS, HOSTILE, PWNED, RTL_OVERRIDE, build, seed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    with Sandbox() as sb:
        seed(sb)
        out, result = build(sb, tmp_path_factory.mktemp("site"))
        yield out, result.stdout, result.stderr
        assert result.exit_code == 1  # the entry with an invalid slug cannot be scanned: reported, site built


def read(out: Path, name: str) -> str:
    return (out / name).read_text(encoding="utf-8")


def test_files_of_the_site(site: tuple[Path, str, str]) -> None:
    out, stdout, _ = site
    names = sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file())
    assert names[:4] == [".nojekyll", "active.html", "assets/site.css", "assets/site.js"]
    assert "projects/maint--ai-proj.html" in names and "index.html" in names and "stats.html" in names
    stats = json.loads(read(out, "stats.json"))
    assert stats["totals"]["mergedPullRequests"] == 2 and stats["user"] is None
    assert "projects/maint--inactive.html" not in names  # inactive entries are not shown
    # the scan, its one request more for the available issues' documents, the contributions; then the previews
    assert re.match(r"wrote 13 pages \(\d+ KiB\) for 6 projects to .* in 3 GraphQL requests and 4 document", stdout)


def test_featured_first_then_by_name(site: tuple[Path, str, str]) -> None:
    out, _, _ = site
    names = re.findall(r'class="tile-link" href="projects/([^"]+)"', read(out, "index.html"))
    assert names[:2] == ["maint--evil.html", "maint--ai-proj.html"]  # the two featured ones
    assert names.index("maint--odd.html") < names.index("maint--plain.html") < names.index("maint--web-thing.html")


def test_category_filters_with_labels_emojis_and_unknown_ones(site: tuple[Path, str, str]) -> None:
    index = read(site[0], "index.html")
    assert '<span aria-hidden="true">🤖</span> AI &amp; ML (1)' in index
    assert '<span aria-hidden="true">📦</span> Quantum Stuff (1)' in index


def test_project_page_groups_issues_and_shows_how_to_start(site: tuple[Path, str, str]) -> None:
    page = read(site[0], "projects/maint--ai-proj.html")
    headings = re.findall(r'<h2 id="group-[a-z_]+">([^<]+)</h2>', page)
    assert headings == ["Available (1)", "In progress (1)", "Blocked (1)", "Completed (1)", "Not ready (1)"]
    assert "<code>/symphony run</code>" in page and "symphony-bot run maint/ai-proj#1" in page
    assert re.search(r"Claimed by <a href=\"[^\"]+/pull/\d+\" [^>]*>draft PR #\d+</a> by @donor", page)
    assert 'aria-label="#2"></progress> <span>1 of 3 tasks</span>' in page  # progress from the PR metadata
    assert "blob/HEAD/docs/task.md" in page


def test_contributor_pages_linked_from_the_leaderboard(site: tuple[Path, str, str]) -> None:
    out, _, _ = site
    names = sorted(path.name for path in (out / "contributors").iterdir())
    assert names == ["donor.html", "mallory.html", "other.html"]
    stats = read(out, "stats.html")
    assert (
        '<td data-label="Rank">1</td><td data-label="Contributor"><a href="contributors/donor.html">@donor</a>' in stats
    )
    donor = read(out, "contributors/donor.html")
    assert "<h1>@donor</h1>" in donor and "maint/ai-proj#4" in donor and "Running (1)" in donor
    assert '<a href="../stats.html">Stats</a>' in donor
    assert "maint/web-thing#2" not in donor  # other's contribution


def test_task_previews_of_documents(site: tuple[Path, str, str]) -> None:
    out, _, _ = site
    page = read(out, "projects/maint--ai-proj.html")
    tasks = '<ul class="tasks"><li dir="auto">one</li><li dir="auto">two</li></ul>'
    assert f">docs/task.md</a> — 3 tasks, 2 open{tasks}" in page
    web = read(out, "projects/maint--web-thing.html")
    # an issue listing a document the default branch does not hold is not ready, and the page says why
    assert (
        "Not ready: docs/missing.md is not on the default branch (main); commit it there or fix the path in the issue"
    ) in web
    evil = read(out, "projects/maint--evil.html")
    assert '<ul class="tasks"><li dir="auto">&lt;script&gt;window.__pwned = 1&lt;/script&gt;&quot;&gt;&lt;img' in evil


def test_active_history_and_stats_pages(site: tuple[Path, str, str]) -> None:
    out, _, _ = site
    active = read(out, "active.html")
    assert re.search(r'<a href="[^"]+/maint/ai-proj/issues/2" [^>]*>maint/ai-proj#2</a>', active)
    assert "1 of 3 tasks" in active and "/symphony cancel" in active
    history = read(out, "history.html")
    assert "maint/ai-proj#4" in history and "maint/web-thing#2" in history and "merged" in history
    stats = read(out, "stats.html")
    assert "Weekly Rhythm" in stats and "7 consecutive ISO weeks" in stats
    assert re.search(r'<td data-label="Rank">1</td><td data-label="Contributor"><a [^>]*>@donor</a></td>', stats)


def test_every_hostile_value_is_escaped(site: tuple[Path, str, str]) -> None:
    out, _, _ = site
    for path in out.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>" not in html, path  # our own script is <script src=...>
        assert "<img" not in html, path
        assert 'href="javascript:' not in html and PWNED + "</script>" not in html, path
        assert re.findall(r"<script\b[^>]*>", html) == [re.findall(r"<script\b[^>]*>", html)[0]], path
        assert f'content="{CONTENT_SECURITY_POLICY}"' in html
    evil = read(out, "projects/maint--evil.html")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;&quot;&gt;&lt;img" in evil
    assert 'href="javascript:' not in evil
    assert HOSTILE not in evil


def test_nothing_is_loaded_from_elsewhere(site: tuple[Path, str, str]) -> None:
    for path in site[0].rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for reference in re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html):
            assert reference == "data:," or not re.match(r"^[a-z]+:|^//", reference), (path, reference)


def test_the_invalid_slug_gets_a_safe_page_saying_it_was_not_scanned(site: tuple[Path, str, str]) -> None:
    out, _, stderr = site
    pages = [path.name for path in (out / "projects").iterdir()]
    odd = [name for name in pages if name.startswith("---script")]
    assert len(odd) == 1 and re.fullmatch(r"[A-Za-z0-9._-]+\.html", odd[0])
    assert "Not scanned:" in (out / "projects" / odd[0]).read_text()
    assert "is not an owner/name slug" in stderr


def test_page_names_cannot_escape_the_folder() -> None:
    taken: set[str] = set()
    names = [page_name(slug, taken) for slug in ("a/b", "A/B", "../../etc/passwd", ".hidden/x", "a/b")]
    assert names[0] == "a--b.html" and names[1] == "A--B-2.html" and names[4] == "a--b-3.html"
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.html", name), name


def test_unknown_categories_degrade_like_maestros() -> None:
    assert (category_of("ai-ml").label, category_of("ai-ml").emoji) == ("AI & ML", "🤖")
    unknown = category_of("quantum_stuff")
    assert (unknown.label, unknown.emoji, unknown.known) == ("Quantum Stuff", "📦", False)
    assert category_of(None).id == "other" and category_of(42).id == "other"


def test_malformed_entries_do_not_break_the_model() -> None:
    entries = [{"slug": "a/b", "tags": "not a list", "maintainer": "x", "name": 3, "featured": "yes"}, {"no": 1}]
    (project,) = projects_from(entries)  # type: ignore[arg-type]
    assert (project.name, project.tags, project.maintainer, project.featured) == ("a/b", (), "", False)


def test_only_http_urls_become_links() -> None:
    assert safe_url("https://github.com/a/b") == "https://github.com/a/b"
    bad_urls = ("javascript:alert(1)", "data:text/html,x", "//evil", "/relative", "https://", "https://a b")
    for bad in (*bad_urls, "https://user:pw@github.com/x", "https://github.com/a\\b", "https://x/\u0000"):
        assert safe_url(bad) is None, bad


def test_rebuilding_replaces_project_pages_and_keeps_other_files(tmp_path: Path) -> None:
    import datetime as dt

    from symphony_bot.site.build import build_site
    from symphony_bot.stats.maths import report

    empty = report([], None, dt.date(2026, 1, 1))
    out = tmp_path / "site"
    build_site(out, projects_from([{"slug": "a/old"}, {"slug": "a/kept"}]), empty, "then")
    (out / "CNAME").write_text("symphony.example.org\n")
    built = build_site(out, projects_from([{"slug": "a/kept"}]), empty, "now")
    assert sorted(path.name for path in (out / "projects").iterdir()) == ["a--kept.html"]
    assert (out / "CNAME").read_text() == "symphony.example.org\n"
    leftovers = [path.name for path in out.rglob(".*") if path.name != ".nojekyll"]
    assert leftovers == []  # no staging folder or temporary file stays behind
    assert built.pages == 5


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from symphony_bot.cli import cli

    registry = tmp_path / "r.json"
    registry.write_text('{"repositories": []}')
    target = tmp_path / "file"
    target.write_text("x")
    env = {"GITHUB_TOKEN": "t", "SYMPHONY_GITHUB_TOKEN": ""}
    result = CliRunner().invoke(cli, ["site", "--out", str(target), "--registry", str(registry)], env=env)
    assert result.exit_code == 2
    assert "Invalid value for '--out'" in result.stderr and "is a file" in result.stderr
    assert target.read_text() == "x"


def test_build_site_refuses_a_file(tmp_path: Path) -> None:
    import datetime as dt

    from symphony_bot.site.build import SiteError, build_site
    from symphony_bot.stats.maths import report

    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SiteError, match="exists and is not a directory; give --out a directory"):
        build_site(target, [], report([], None, dt.date(2026, 1, 1)), "now")


def test_text_and_attributes_escape_every_markup_character() -> None:
    from symphony_bot.site.html import attr, text

    assert text("""a & b < c > d " e ' f""") == "a &amp; b &lt; c &gt; d &quot; e &#x27; f"
    assert attr('"><img onerror=x>') == "&quot;&gt;&lt;img onerror=x&gt;"
    assert text("plain text — ünïcode") == "plain text — ünïcode"
    assert text(42) == "42"


def test_progress_only_from_the_pr_that_holds_the_claim(site: tuple[Path, str, str]) -> None:
    page = read(site[0], "projects/maint--ai-proj.html")
    available = page.split('<li class="issue status-available">')[1].split("</li>")[0]
    assert "Add unit tests" in available
    # the world's closed, abandoned PR for this issue reports 18 of 18 tasks: not this issue's progress
    assert f"{ABANDONED_TASKS} of {ABANDONED_TASKS}" not in page and "<progress" not in available
    assert 'aria-label="#2"></progress> <span>1 of 3 tasks</span>' in page  # the claiming draft PR's


def test_unreadable_project_is_marked_on_the_grid(site: tuple[Path, str, str]) -> None:
    index = read(site[0], "index.html")
    tiles = index.split('<li class="tile"')[1:]
    unreadable = [tile for tile in tiles if "script---x-" in tile]  # the entry whose slug is invalid
    assert len(unreadable) == 1
    tile = unreadable[0]
    assert UNREADABLE in tile and "available issue" not in tile


def test_bidi_controls_are_neutralised_and_user_text_has_dir_auto(site: tuple[Path, str, str]) -> None:
    out = site[0]
    odd = read(out, "projects/maint--odd.html")
    title = re.search(r"<title>(.*)</title>", odd)
    assert title and title.group(1) == "Odd tcejorp · Maestro Symphony"
    assert RTL_OVERRIDE not in odd and '<h1 dir="auto">Odd tcejorp</h1>' in odd
    assert '<p class="description" dir="auto">unclosed override</p>' in odd
    for path in out.rglob("*.html"):
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", path.read_text(encoding="utf-8")), path
    assert text("a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j") == "abcdefghij"


def test_no_integrity_attribute_so_a_file_view_loads_the_assets(site: tuple[Path, str, str]) -> None:
    for path in site[0].rglob("*.html"):
        assert "integrity=" not in path.read_text(encoding="utf-8"), path


def test_duplicate_entries_of_one_repository_are_marked() -> None:
    entries = [{"slug": "old/name"}, {"slug": "new/name"}, {"slug": "NEW/Name"}, {"slug": "other/x"}]
    scanned = {
        "old/name": RepositoryResult(slug="old/name", name_with_owner="new/name"),  # GitHub's redirect
        "new/name": RepositoryResult(slug="new/name", name_with_owner="new/name"),
        "other/x": RepositoryResult(slug="other/x", name_with_owner="other/x"),
    }
    projects = {project.slug: project for project in projects_from(entries, scanned)}
    assert projects["old/name"].duplicate_of == ""
    assert projects["new/name"].duplicate_of == "old/name"
    assert projects["NEW/Name"].duplicate_of == "old/name"
    assert projects["other/x"].duplicate_of == ""
    assert DUPLICATE in project_tile(projects["new/name"]) and DUPLICATE not in project_tile(projects["other/x"])


def test_history_follows_a_rename_through_the_pr_url() -> None:
    # a PR opened before the rename names the old slug in its metadata; GitHub answers its URL under the new name
    row = HistoryRow(
        repository="old/name",
        issue=1,
        pr_number=2,
        pr_url="https://github.com/new/name/pull/2",
        pr_state=PullState.MERGED,
        contributor="c",
        maintainer="m",
        agent="a",
        run_state="completed",
        started_at="2026-01-01",
        completed_at=None,
        documents=(),
        tasks_done=1,
        tasks_total=1,
        tokens=1,
        cost_usd=0.0,
    )
    assert repository_names(row) == {"old/name", "new/name"}
