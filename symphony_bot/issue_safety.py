"""Which document references from an issue body are safe to read: a repository path that stays inside the
repository whatever later reads it, or an https URL of GitHub's own attachment hosts. Each refusal has a
stable code (the README lists them) and a message that names the fix."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

MAX_PATH_CHARS = 1024
MAX_NAME_CHARS = 100
DOCUMENT_SUFFIX = ".md"

# Problem codes (stable: the README and the JSON output use them)
CODE_ABSOLUTE_PATH = "absolute-path"
CODE_PARENT_SEGMENT = "parent-segment"
CODE_BACKSLASH = "backslash"
CODE_PERCENT_ESCAPE = "percent-escape"
CODE_CONTROL_CHARACTER = "control-character"
CODE_GIT_DIRECTORY = "git-directory"
CODE_PATH_TOO_LONG = "path-too-long"
CODE_URL_NOT_HTTPS = "url-not-https"
CODE_URL_HOST = "url-host-not-allowed"
CODE_URL_CREDENTIALS = "url-credentials"
CODE_URL_PORT = "url-port"
CODE_URL_MALFORMED = "url-malformed"

# Where an attachment may be downloaded from. Maestro accepts any path on github.com and also
# camo.githubusercontent.com; we do not: camo proxies arbitrary outside URLs, and a github.com page that is not
# an attachment is HTML, not a document.
ATTACHMENT_HOSTS = frozenset(
    {
        "user-images.githubusercontent.com",  # older issue attachments
        "private-user-images.githubusercontent.com",  # attachments of private repositories (signed URLs)
        "objects.githubusercontent.com",  # where github.com attachment links redirect to
        "raw.githubusercontent.com",  # a file of a public repository
    }
)
GITHUB_HOSTS = frozenset({"github.com", "www.github.com"})
# github.com paths that are attachments: /user-attachments/{files,assets}/…, /<owner>/<repo>/files/…, and
# /<owner>/<repo>/raw/… (redirects to raw.githubusercontent.com).
_GITHUB_ATTACHMENT_PATH = re.compile(
    r"/user-attachments/(?:files|assets)/[^/]+/[^/]|/[^/]+/[^/]+/(?:files|raw)/[^/]+/[^/]"
)

_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def unsafe_path_reason(path: str) -> tuple[str, str] | None:
    if has_control_character(path):
        return CODE_CONTROL_CHARACTER, "contains a control or text-direction character; retype the path"
    if path.startswith("/"):
        return CODE_ABSOLUTE_PATH, "is an absolute path; give the path from the repository root without a leading /"
    if "\\" in path:
        return CODE_BACKSLASH, "contains a backslash; use / between folders"
    if _PERCENT_ESCAPE.search(path):
        return CODE_PERCENT_ESCAPE, "contains a percent escape (%xx); write the path as it is in the repository"
    segments = path.split("/")
    if ".." in segments:
        return (
            CODE_PARENT_SEGMENT,
            "has a .. segment, which could leave the repository; give the path from the root",
        )
    if any(segment.lower() == ".git" for segment in segments):
        return CODE_GIT_DIRECTORY, "points into the .git directory, which is not part of the repository's files"
    if len(path) > MAX_PATH_CHARS:
        return CODE_PATH_TOO_LONG, f"is longer than {MAX_PATH_CHARS} characters"
    return None


def unsafe_url_reason(url: str) -> tuple[str, str] | None:
    if has_control_character(url) or "\\" in url:
        return CODE_URL_MALFORMED, "contains a control character or a backslash"
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError:
        return CODE_URL_MALFORMED, "is not a valid URL"
    if parts.scheme != "https":
        return CODE_URL_NOT_HTTPS, "is not https; attach the file to the issue or list its repository path instead"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return CODE_URL_CREDENTIALS, "carries credentials (user@host); link the attachment without them"
    if port is not None:
        return CODE_URL_PORT, "names a port; GitHub's attachment hosts use the default https port"
    host = (parts.hostname or "").rstrip(".")
    if host in ATTACHMENT_HOSTS:
        return None
    if host in GITHUB_HOSTS and _GITHUB_ATTACHMENT_PATH.match(parts.path):
        return None
    return (
        CODE_URL_HOST,
        "is not a GitHub attachment; attach the file to the issue (github.com/user-attachments/…) or list its "
        "repository path instead",
    )


def safe_attachment_name(text: str, url: str) -> str:
    """A file name that cannot be a path: the last segment of the link text (or else of the URL), with
    anything but letters, digits, `.`, `_` and `-` replaced, no leading dots, at most MAX_NAME_CHARS."""
    for source in (text, urlsplit(url).path if _is_splittable(url) else ""):
        candidate = source.replace("\\", "/").rsplit("/", 1)[-1]
        cleaned = "".join(char if char.isalnum() or char in "._-" else "-" for char in candidate)
        cleaned = cleaned.lstrip(".")
        if len(cleaned) > MAX_NAME_CHARS:
            cleaned = cleaned[: MAX_NAME_CHARS - len(DOCUMENT_SUFFIX)] + DOCUMENT_SUFFIX
        if cleaned.lower().endswith(DOCUMENT_SUFFIX) and len(cleaned) > len(DOCUMENT_SUFFIX):
            return cleaned
    return "attachment" + DOCUMENT_SUFFIX


def _is_splittable(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


def has_control_character(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def printable(text: str, limit: int = 200) -> str:
    """Text safe to echo in a message: control characters escaped, long values shortened."""
    shown = _CONTROL_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
