"""A small on-disk cache of JSON values with a time to live, shared by the scan and the registry loader.

Entries live under `$XDG_CACHE_HOME/symphony-bot` (else `~/.cache/symphony-bot`), one file per key, written
atomically (temporary file + rename) so a killed process never leaves half an entry. A file that cannot be read
back — truncated, hand-edited, another version's format — is deleted and reported through `warnings`, never
trusted and never fatal. Keys are hashed: file names say nothing about the repositories or the token.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP_DIRECTORY = "symphony-bot"
FORMAT_VERSION = 1
# Maestro's TTLs (maestro-internals §6.1, §6.2)
REGISTRY_TTL_SECONDS = 2 * 60 * 60
ISSUES_TTL_SECONDS = 5 * 60


def default_cache_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / APP_DIRECTORY


class Cache:
    def __init__(
        self,
        directory: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory if directory is not None else default_cache_directory()
        self._clock = clock
        self._warn = warn
        self.warnings: list[str] = []

    def get(self, namespace: str, key: str, ttl_seconds: float) -> Any | None:
        """The value stored under `key` if it is younger than `ttl_seconds`, else None."""
        path = self._path(namespace, key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            self._warning(f"cache entry {path} cannot be read ({error.strerror or error}); ignoring it")
            return None
        try:
            entry = json.loads(raw)
            valid = (
                isinstance(entry, dict)
                and entry.get("version") == FORMAT_VERSION
                and entry.get("key") == key
                and isinstance(entry.get("storedAt"), int | float)
                and "value" in entry
            )
        except (ValueError, RecursionError):
            valid = False
        if not valid:
            self._warning(f"cache entry {path} is corrupt; discarded (it will be fetched again)")
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        age = self._clock() - float(entry["storedAt"])
        if age < 0 or age >= ttl_seconds:
            return None
        return entry["value"]

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store `value` (JSON-serialisable). A cache that cannot be written is a warning, not a failure."""
        path = self._path(namespace, key)
        payload = json.dumps({"version": FORMAT_VERSION, "key": key, "storedAt": self._clock(), "value": value})
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            self._warning(f"cannot write the cache under {self.directory} ({error.strerror or error}); continuing")

    def _path(self, namespace: str, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.directory / namespace / f"{digest}.json"

    def _warning(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn is not None:
            self._warn(message)
