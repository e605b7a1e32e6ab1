"""Attachment documents: downloaded into a cache outside the work tree, with every limit checked.

https only; the first URL and every redirect must be on an allow-listed GitHub host (`issue_safety`), followed
by hand so a redirect can never leave the list; at most MAX_ATTACHMENT_BYTES, whatever Content-Length says;
DOWNLOAD_TIMEOUT_SECONDS for the whole download; the file name is reduced to a plain name and created with
O_EXCL | O_NOFOLLOW inside the cache, so a name can neither climb out nor write through a link. No credential
is ever sent: attachment hosts get none.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
from collections.abc import Collection
from pathlib import Path

from symphony_bot.issues.safety import ATTACHMENT_HOSTS, GITHUB_HOSTS

MAX_ATTACHMENT_BYTES = 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 15.0
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024
ALLOWED_HOSTS = frozenset(ATTACHMENT_HOSTS | GITHUB_HOSTS)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class AttachmentError(Exception):
    """An attachment that cannot be used; the message names the URL and the reason."""


def check_url(url: str, allowed_hosts: Collection[str] = ALLOWED_HOSTS, https_only: bool = True) -> str:
    parts = urllib.parse.urlsplit(url)
    if https_only and parts.scheme != "https":
        raise AttachmentError(f"{url}: only https links are downloaded")
    if parts.scheme not in ("https", "http"):
        raise AttachmentError(f"{url}: not a web link")
    if parts.username or parts.password:
        raise AttachmentError(f"{url}: a link with credentials in it is refused")
    if (parts.hostname or "").lower() not in allowed_hosts:
        raise AttachmentError(f"{url}: {parts.hostname} is not a GitHub attachment host")
    return url


def file_name(name: str, index: int) -> str:
    """A plain, safe file name for the cache: no folders, no dot-only names, `.md` at the end."""
    base = _SAFE_NAME.sub("-", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(".-")[:100]
    if not base:
        base = "attachment"
    if not base.lower().endswith(".md"):
        base += ".md"
    return f"{index:02d}-{base}"


def download(
    url: str,
    name: str,
    cache_dir: Path,
    *,
    index: int = 1,
    allowed_hosts: Collection[str] = ALLOWED_HOSTS,
    https_only: bool = True,
    max_bytes: int = MAX_ATTACHMENT_BYTES,
    timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
) -> Path:
    """Download `url` into `cache_dir` under a sanitised `name`; return the file's path."""
    import requests

    deadline = time.monotonic() + timeout
    current = check_url(url, allowed_hosts, https_only)
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc credentials
        for _ in range(MAX_REDIRECTS + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AttachmentError(f"{url}: no answer within {timeout:.0f} s")
            try:
                response = session.get(current, stream=True, allow_redirects=False, timeout=left)
            except requests.RequestException as error:
                raise AttachmentError(f"{url}: cannot be downloaded ({type(error).__name__})") from None
            with response:
                if response.is_redirect:
                    target = urllib.parse.urljoin(current, response.headers.get("Location", ""))
                    current = check_url(target, allowed_hosts, https_only)
                    continue
                if response.status_code != 200:
                    raise AttachmentError(f"{url}: the server answered {response.status_code}")
                data = _read_capped(response, url, max_bytes, deadline, timeout)
            return _store(data, cache_dir, file_name(name, index))
    raise AttachmentError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _read_capped(response: object, url: str, max_bytes: int, deadline: float, timeout: float) -> bytes:
    headers = getattr(response, "headers", {})
    declared = str(headers.get("Content-Length") or "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise AttachmentError(f"{url}: {int(declared):,} bytes, over the {max_bytes:,} allowed")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK_BYTES):  # type: ignore[attr-defined]
        size += len(chunk)
        if size > max_bytes:
            raise AttachmentError(f"{url}: more than the {max_bytes:,} bytes allowed")
        if time.monotonic() > deadline:
            raise AttachmentError(f"{url}: not downloaded within {timeout:.0f} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _store(data: bytes, cache_dir: Path, name: str) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = cache_dir / name
    if target.parent.resolve() != cache_dir.resolve():
        raise AttachmentError(f"{name}: not a plain file name")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentError(f"{name}: not UTF-8 text") from None
    try:
        descriptor = os.open(target, _CREATE_FLAGS, 0o600)
    except OSError as error:
        raise AttachmentError(f"{name}: cannot be created in the cache ({error.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return target
