"""HTML building blocks: escaping, safe links, and the page layout every page shares.

Every value from the registry, GitHub or a PR body goes through `text()` (element content) or `attr()`
(attribute values, always double-quoted) — there is no other way into a page. A link is emitted only for an
http(s) URL; anything else (`javascript:`, `data:`, relative tricks) is shown as text. Pages carry a Content
Security Policy that allows only the site's own script and stylesheet, so even a missed escape could not run
inline code.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources

from symphony_bot.report.words import plural

SITE_TITLE = "Maestro Symphony"
ASSETS_FOLDER = "assets"
STYLESHEET_FILE = "site.css"
SCRIPT_FILE = "site.js"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
NAVIGATION = (
    ("index.html", "Projects"),
    ("active.html", "Active"),
    ("history.html", "History"),
    ("stats.html", "Stats"),
)
_MARKUP = re.compile(r"[&<>\"']")
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
USER_TEXT = ' dir="auto"'  # on every element holding text from the registry, GitHub or a PR
_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][^\x00-\x20\x7f\\]*)?", re.ASCII)
FOOTER_TEXT = "Built by symphony-bot from the Symphony registry and GitHub"


@cache
def asset_text(name: str) -> str:
    """One of the site's own assets (package data)."""
    return resources.files("symphony_bot.site").joinpath(name).read_text(encoding="utf-8")


def text(value: object) -> str:
    """`value` as element content: bidi embedding, override and isolate controls removed (an unclosed U+202E
    would reverse the rest of the line, the `<title>` included), then `&`, `<`, `>`, `"` and `'` escaped (most
    values have neither: skip the work). Right-to-left text still shows right: user text sits in `dir="auto"`
    elements."""
    plain = str(value)
    if _BIDI_CONTROL.search(plain):
        plain = _BIDI_CONTROL.sub("", plain)
    return html.escape(plain, quote=True) if _MARKUP.search(plain) else plain


def attr(value: object) -> str:
    """`value` inside a double-quoted attribute: the same escaping as `text`."""
    return text(value)


def safe_url(url: str) -> str | None:
    """`url` when it is an absolute http(s) URL with a plain host name (no user info, no whitespace, no
    backslash), else None. A regular expression rather than urlsplit: the site checks tens of thousands."""
    candidate = url.strip()
    return candidate if _HTTP_URL.fullmatch(candidate) else None


def link(url: str, label: str, *, css_class: str | None = None, user_text: bool = False) -> str:
    """An external link to `url` (opened without a referrer or opener), or just the label when the URL is not
    http(s); `user_text` marks a label written by a user (`dir="auto"`)."""
    target = safe_url(url)
    direction = USER_TEXT if user_text else ""
    if target is None:
        return f"<span{direction}>{text(label)}</span>" if user_text else text(label)
    class_attribute = f' class="{attr(css_class)}"' if css_class else ""
    return f'<a href="{attr(target)}" rel="noopener noreferrer"{class_attribute}{direction}>{text(label)}</a>'


def page(*, title: str, current: str, body: str, depth: int = 0, generated_at: str = "") -> str:
    """A whole document. `current` is the file name of the navigation entry to mark; `depth` is how many folders
    below the site root the page lives (project pages: 1)."""
    root = "../" * depth
    items = []
    for file_name, label in NAVIGATION:
        marker = ' aria-current="page"' if file_name == current else ""
        items.append(f'<li><a href="{root}{file_name}"{marker}>{text(label)}</a></li>')
    generated = f" · {text(generated_at)}" if generated_at else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{text(title)} · {SITE_TITLE}</title>\n"
        # no `integrity`: Chromium refuses a subresource with one when the site is opened from disk (file://)
        f'<link rel="stylesheet" href="{root}{ASSETS_FOLDER}/{STYLESHEET_FILE}">\n'
        f'<script src="{root}{ASSETS_FOLDER}/{SCRIPT_FILE}" defer></script>\n'
        "</head>\n<body>\n"
        '<a class="skip-link" href="#main">Skip to content</a>\n'
        f'<header class="site-header"><p class="site-title"><a href="{root}index.html">🎵 {SITE_TITLE}</a></p>\n'
        f'<nav aria-label="Sections"><ul class="tabs">{"".join(items)}</ul></nav></header>\n'
        f'<main id="main" tabindex="-1">\n{body}\n</main>\n'
        f'<footer class="site-footer"><p>{FOOTER_TEXT}{generated}</p></footer>\n'
        "</body>\n</html>\n"
    )


def progress_bar(done: int, total: int, label: str) -> str:
    value = min(done, total) if total > 0 else 0
    return (
        f'<progress max="{max(total, 1)}" value="{value}" aria-label="{attr(label)}"></progress> '
        f"<span>{done:,} of {plural(total, 'task')}</span>"
    )
