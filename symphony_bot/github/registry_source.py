"""The repositories to scan, from one or more registries (a file path or an http(s) URL).

Merged as Maestro merges them (maestro-internals §6.1): in the order given, the first entry for a slug wins
(slugs compared without case, as GitHub compares them), inactive entries are skipped, and a source that fails
or has no `repositories` array is reported and skipped. URLs are cached for Maestro's registry TTL (2 h).
This is a reader, not a validator: `symphony-bot registry validate` checks a registry file properly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symphony_bot.github.cache import REGISTRY_TTL_SECONDS, Cache
from symphony_bot.github.errors import DownloadError, FileTooLargeError
from symphony_bot.registry.jsondoc import MAX_DOCUMENT_BYTES, JsonDocument, parse_json_bytes, read_json_file
from symphony_bot.report.findings import Severity

if TYPE_CHECKING:
    from symphony_bot.github.client import GitHubClient

DEFAULT_REGISTRY_URL = "https://raw.githubusercontent.com/RunMaestro/Maestro/main/symphony-registry.json"
CACHE_NAMESPACE = "registry"


class RegistryUnreadableError(Exception):
    """A local registry file that cannot be read: a usage error (exit 2), not a finding."""


@dataclass
class RegistrySelection:
    slugs: list[str] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)  # the active entries behind `slugs`, same order
    problems: list[str] = field(default_factory=list)  # one line each: source + cause + fix
    failed_sources: int = 0


def is_url(source: str) -> bool:
    return source.startswith(("https://", "http://"))


def load_registries(
    sources: list[str], cache: Cache | None, client: GitHubClient, refresh: bool = False
) -> RegistrySelection:
    """The active slugs of `sources`, merged; URLs are downloaded through `client` (its session and timeout)."""
    selection = RegistrySelection()
    seen: set[str] = set()
    for source in sources:
        try:
            data = _fetch(source, cache, client, refresh) if is_url(source) else _read_file(source)
        except _SourceError as error:
            selection.problems.append(f"{source}: {error}")
            selection.failed_sources += 1
            continue
        entries = data.get("repositories") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            selection.problems.append(f'{source}: no "repositories" array; is this a symphony-registry.json?')
            selection.failed_sources += 1
            continue
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("slug"), str):
                selection.problems.append(f"{source}: repositories[{index}] has no slug; skipped")
                continue
            if not entry.get("isActive"):
                continue
            slug = entry["slug"].strip()
            if slug.casefold() in seen:
                continue
            seen.add(slug.casefold())
            selection.slugs.append(slug)
            selection.entries.append(entry)
    return selection


class _SourceError(Exception):
    pass


def _read_file(source: str) -> Any:
    try:
        document = read_json_file(Path(source))
    except FileNotFoundError:
        raise RegistryUnreadableError(f"{source} does not exist; give a registry file or URL") from None
    except IsADirectoryError:
        raise RegistryUnreadableError(f"{source} is a directory; give the registry file itself") from None
    except OSError as error:
        raise RegistryUnreadableError(f"cannot read {source}: {error.strerror or error}") from None
    return _data(document)


def _fetch(url: str, cache: Cache | None, client: GitHubClient, refresh: bool) -> Any:
    if cache is not None and not refresh:
        cached = cache.get(CACHE_NAMESPACE, url, REGISTRY_TTL_SECONDS)
        if cached is not None:
            return cached
    try:
        raw = client.download(url, max_bytes=MAX_DOCUMENT_BYTES)
    except FileTooLargeError:
        raise _SourceError(f"larger than {MAX_DOCUMENT_BYTES:,} bytes; not a registry") from None
    except DownloadError as error:
        if error.status is not None:
            raise _SourceError(f"HTTP {error.status}; check the URL") from None
        raise _SourceError(f"cannot be fetched ({error.cause}); check the URL and the network") from None
    data = _data(parse_json_bytes(raw))
    if cache is not None:
        cache.put(CACHE_NAMESPACE, url, data)
    return data


def _data(document: JsonDocument) -> Any:
    """The parsed registry, or why it could not be parsed (with its line). Findings about a parsed file, such as
    duplicate keys, are the validator's business, not the scan's."""
    if document.data is None:
        error = next((f for f in document.findings if f.severity is Severity.ERROR), None)
        where = f"line {error.line}, column {error.column}: " if error is not None else ""
        cause = error.message if error is not None else "not a JSON document"
        raise _SourceError(f"{where}{cause}; run `symphony-bot registry validate` on it")
    return document.data
