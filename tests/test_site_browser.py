"""The built site in real headless Chromium (Debian's `chromium`, driven by npm playwright-core): filters,
search, keyboard, opening a project, no JavaScript, axe-core on every page in light and dark, the HTML
validator, and a registry whose every field is an HTML injection rendering inert. Screenshots are written to
test-artifacts/site/ (gitignored)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from symphony_bot.sandbox import Sandbox
from tests.browser.world import build, seed
from tests.conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts" / "site"
SCRIPT = Path(__file__).parent / "browser" / "site_check.mjs"
VALIDATOR_CONFIG = Path(__file__).parent / "browser" / "htmlvalidate.json"
PAGES = [
    "index.html",
    "active.html",
    "history.html",
    "stats.html",
    "projects/maint--ai-proj.html",
    "projects/maint--evil.html",
    "projects/maint--odd.html",
    "contributors/donor.html",
    "contributors/mallory.html",
]
BLOCKING_IMPACTS = {"serious", "critical"}
WIDTHS = (1280, 390)  # a desktop and a phone (iPhone 12-15 width in CSS pixels)
BROWSER_TIMEOUT_SECONDS = 300  # seven pages twice, with axe, on a shared two-core machine


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with Sandbox() as sb:
        seed(sb)
        out, _ = build(sb, tmp_path_factory.mktemp("site"))
    return out


@pytest.fixture(scope="module")
def observed(built: Path, npm_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make setup` (it installs Debian's chromium)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        config = {
            "baseUrl": f"http://127.0.0.1:{server.server_address[1]}/",
            "artifacts": str(ARTIFACTS),
            "userDataDir": str(tmp_path_factory.mktemp("chromium-profile")),
            "axe": str(npm_modules / "axe-core" / "axe.min.js"),
            "chromium": str(CHROMIUM),
            "npmModules": str(npm_modules),
            "pages": PAGES,
            "allPages": sorted(str(path.relative_to(built)) for path in built.rglob("*.html")),
            "siteDir": str(built),
        }
        completed = subprocess.run(
            ["node", str(SCRIPT), json.dumps(config)],
            capture_output=True,
            text=True,
            timeout=BROWSER_TIMEOUT_SECONDS,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        yield json.loads(completed.stdout)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_or_critical_violation(observed: dict[str, Any], name: str) -> None:
    for scheme in ("light", "dark"):
        violations = observed["pages"][name][scheme]["axe"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert blocking == [], (name, scheme, blocking)


@pytest.mark.parametrize("name", PAGES)
def test_hostile_registry_renders_inert(observed: dict[str, Any], name: str) -> None:
    for scheme in ("light", "dark"):
        page = observed["pages"][name][scheme]
        assert page["pwned"] is False
        assert page["handlers"] == 0 and page["images"] == 0 and page["javascriptLinks"] == 0
        # our own script, and the inline axe the test injected: no other script element exists
        assert [Path(src).name if src else None for src in page["scripts"]] == ["site.js", None]


def test_the_hostile_text_is_shown_as_text(observed: dict[str, Any]) -> None:
    evil = observed["pages"]["projects/maint--evil.html"]["light"]
    assert evil["h1"] == '<script>window.__pwned = 1</script>"><img src=x onerror="window.__pwned = 1">'


def test_self_contained_and_error_free(observed: dict[str, Any]) -> None:
    assert observed["foreignRequests"] == []
    assert observed["pageErrors"] == []
    assert observed["consoleErrors"] == []


def test_category_filter(observed: dict[str, Any]) -> None:
    step = observed["steps"]["filtered"]
    assert step["tiles"] == ["Ai Proj"]
    assert step["pressed"] == ["🤖 AI & ML (1)"]
    assert step["status"] == "1 of 6 projects"


def test_search_and_escape(observed: dict[str, Any]) -> None:
    steps = observed["steps"]
    assert steps["slashFocus"] == "search"
    assert steps["searched"]["tiles"] == ["Web Thing"]
    assert steps["noMatch"] == {"tiles": [], "message": True}
    assert steps["escaped"] == {"value": "", "tiles": 6}


def test_keyboard_moves_through_the_grid_and_enter_opens(observed: dict[str, Any]) -> None:
    steps = observed["steps"]
    initial = steps["initial"]["tiles"]
    columns = steps["columns"]
    assert columns >= 2
    expected_indexes = [0, 1, 2, 1, 1 + columns, 1, len(initial) - 1, 0]
    assert steps["keyboard"] == [initial[min(i, len(initial) - 1)] for i in expected_indexes]
    assert steps["opened"]["name"] == initial[1]
    assert steps["opened"]["url"].endswith("/projects/maint--ai-proj.html")
    assert steps["opened"]["h1"] == "Ai Proj"


def test_focus_order(observed: dict[str, Any]) -> None:
    order = observed["steps"]["tabOrder"]
    assert order[0] == "a:Skip to content"
    assert order[2:6] == ["a:Projects", "a:Active", "a:History", "a:Stats"]
    assert order[6] == "input#search:"
    assert order[7].startswith("button:All")


def test_readable_without_javascript(observed: dict[str, Any]) -> None:
    # what the reader sees (computed display, rendered box), not the `hidden` property: CSS can override that
    assert observed["steps"]["initial"]["controls"] == {"display": "grid", "boxed": True}
    assert observed["steps"]["noJavaScript"] == {"tiles": 6, "controls": {"display": "none", "boxed": False}}


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(observed: dict[str, Any], built: Path, width: int) -> None:
    layout = observed["layout"][str(width)]
    assert len(layout) == len(list(built.rglob("*.html")))  # every page of the site
    wide = {name: (page["scrollWidth"], page["clientWidth"]) for name, page in layout.items()}
    assert {name: sizes for name, sizes in wide.items() if sizes[0] > sizes[1]} == {}


@pytest.mark.parametrize("width", WIDTHS)
def test_no_table_cell_breaks_a_word(observed: dict[str, Any], width: int) -> None:
    layout = observed["layout"][str(width)]
    assert layout["history.html"]["cellWords"] > 20 and layout["active.html"]["cellWords"] > 10  # tables checked
    assert {name: page["brokenWords"] for name, page in layout.items() if page["brokenWords"]} == {}


def test_tables_become_labelled_cards_on_a_phone(observed: dict[str, Any]) -> None:
    assert observed["layout"]["390"]["history.html"]["cellLabel"] == '"Issue"'
    assert observed["layout"]["1280"]["history.html"]["cellLabel"] in ("none", "normal")


def test_opened_from_disk_the_site_is_styled_and_scripted(observed: dict[str, Any]) -> None:
    view = observed["fileView"]
    assert (view["gridDisplay"], view["bodyMargin"], view["projectGrid"]) == ("grid", "0px", "grid")
    assert view["controls"] == {"display": "grid", "boxed": True}  # site.js ran


def test_bidi_override_does_not_reach_the_title(observed: dict[str, Any]) -> None:
    odd = observed["pages"]["projects/maint--odd.html"]["light"]
    assert odd["title"] == "Odd tcejorp · Maestro Symphony"


def test_phone_sized_window(observed: dict[str, Any]) -> None:
    phone = observed["steps"]["phone"]
    assert [v for v in phone["axe"] if v["impact"] in BLOCKING_IMPACTS] == []
    assert phone["focused"] == phone["tiles"][1]  # one column: Down moves to the next project
    assert phone["scrollWidth"] <= 390  # nothing overflows sideways


def test_screenshots_are_saved(observed: dict[str, Any]) -> None:
    shots = {path.name for path in ARTIFACTS.glob("*.png")}
    expected = {"index.html-light.png", "index.html-dark.png", "projects-filtered.png", "project-opened.png"}
    assert expected | {"projects-phone.png"} <= shots


def test_html_passes_the_validator(built: Path, npm_modules: Path) -> None:
    files = sorted(str(path) for path in built.rglob("*.html"))
    completed = subprocess.run(
        [str(npm_modules / ".bin" / "html-validate"), "--config", str(VALIDATOR_CONFIG), *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-1000:]
