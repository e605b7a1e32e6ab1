"""Which document references from an issue body are safe to read: a repository path that stays inside the
repository whatever later reads it, or an https URL of GitHub's own attachment hosts. Each refusal has a
stable code (the README lists them) and a message that names the fix."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import SplitResult, unquote, urlsplit

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
CODE_INVISIBLE_CHARACTER = "invisible-character"
CODE_COMPATIBILITY_CHARACTER = "compatibility-character"
CODE_HOME_DIRECTORY = "home-directory"
CODE_DRIVE_LETTER = "drive-letter"
CODE_LEADING_DASH = "leading-dash"
CODE_URL_DOT_SEGMENT = "url-dot-segment"

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
# Characters nobody sees: zero-width spaces and joiners, word joiner, soft hyphen, BOM, variation selectors, tag
# characters, Hangul fillers (Unicode's default-ignorable code points; the bidi ones are control characters).
_INVISIBLE_CHARACTERS = re.compile(
    "[\xad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2060-\u2065\u206a-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_DRIVE_LETTER = re.compile(r"[A-Za-z]:")
# A URL path is decoded at most this many times looking for a hidden dot segment (%252e%252e is %2e%2e, is ..).
MAX_URL_DECODINGS = 4


def unsafe_path_reason(path: str) -> tuple[str, str] | None:
    """Why a repository path from an issue body is refused, or None. Besides what leaves the repository now,
    it refuses what would if anything later rewrote the path: Unicode normalisation (`‥/x.md` is `../x.md` under
    NFKC), a shell (`~/x.md`), Windows (`C:/x.md`), a command line (`-x.md` is an option) or a human reader
    (zero-width characters)."""
    if has_control_character(path):
        return CODE_CONTROL_CHARACTER, "contains a control or text-direction character; retype the path"
    plain = path.isascii()  # no invisible or look-alike character is ASCII: the character checks are skipped
    if not plain and (_INVISIBLE_CHARACTERS.search(path) or any(unicodedata.category(c) == "Cf" for c in path)):
        return CODE_INVISIBLE_CHARACTER, "contains an invisible character (zero-width, soft hyphen, …); retype it"
    compatible = path if plain else unicodedata.normalize("NFKC", path)
    if not plain and compatible != unicodedata.normalize("NFC", path):
        return (
            CODE_COMPATIBILITY_CHARACTER,
            f"contains look-alike characters that Unicode normalisation turns into `{printable(compatible)}`; "
            "type the path in plain characters",
        )
    if path.startswith("~"):
        return (
            CODE_HOME_DIRECTORY,
            "starts with ~, which a shell reads as a home directory; give the path from the root",
        )
    if _DRIVE_LETTER.match(path):
        return (
            CODE_DRIVE_LETTER,
            "starts with a drive letter, which is absolute on Windows; give the path from the root",
        )
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
    if any(segment.startswith("-") for segment in segments):
        return CODE_LEADING_DASH, "has a name starting with -, which a command line reads as an option; rename it"
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
    if port is not None or ":" in parts.netloc.rpartition("@")[2].rpartition("]")[2]:
        return CODE_URL_PORT, "names a port; GitHub's attachment hosts use the default https port"
    if _has_dot_segment(parts.path):
        return (
            CODE_URL_DOT_SEGMENT,
            "has a . or .. segment (perhaps percent-encoded), which could leave the attachment's folder; link "
            "the attachment itself",
        )
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


def _has_dot_segment(path: str) -> bool:
    """A `.` or `..` segment, or an encoded / or \\ that would make one, however many times it was encoded."""
    for _ in range(MAX_URL_DECODINGS + 1):
        if any(segment in (".", "..") for segment in path.replace("\\", "/").split("/")):
            return True
        decoded = unquote(path)
        if decoded == path:
            return False
        path = decoded
    return True  # still encoded after that many rounds: nobody links an attachment like this


def safe_attachment_name(text: str, url: str) -> str:
    """A file name that cannot be a path: the last segment of the link text (or else of the URL), with
    anything but letters, digits, `.`, `_` and `-` replaced, no leading dots, at most MAX_NAME_CHARS."""
    for source in (text, urlsplit(url).path if _is_splittable(url) else ""):
        candidate = source.replace("\\", "/").rsplit("/", 1)[-1]
        cleaned = "".join(char if char.isalnum() or char in "._-" else "-" for char in candidate)
        cleaned = cleaned.lstrip(".-")  # not hidden, and not an option on a command line
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


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def printable(text: str, limit: int = 200) -> str:
    """Text safe to echo in a message: control and invisible characters escaped, long values shortened."""
    shown = _CONTROL_CHARACTERS.sub(_escaped, _INVISIBLE_CHARACTERS.sub(_escaped, text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
