"""The on-disk cache: TTLs, corrupt entries, atomic writes, unwritable directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from symphony_bot.github import cache as cache_module
from symphony_bot.github.cache import ISSUES_TTL_SECONDS, REGISTRY_TTL_SECONDS, Cache, default_cache_directory


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_maestro_ttls() -> None:
    assert REGISTRY_TTL_SECONDS == 2 * 3600
    assert ISSUES_TTL_SECONDS == 5 * 60


def test_value_is_served_until_the_ttl_expires(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path, clock=clock)
    cache.put("issues", "o/r", {"issues": [1, 2]})
    clock.now += ISSUES_TTL_SECONDS - 1
    assert cache.get("issues", "o/r", ISSUES_TTL_SECONDS) == {"issues": [1, 2]}
    clock.now += 1
    assert cache.get("issues", "o/r", ISSUES_TTL_SECONDS) is None
    assert cache.warnings == []


def test_missing_key_and_other_namespace(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put("issues", "o/r", 1)
    assert cache.get("issues", "o/other", 60) is None
    assert cache.get("registry", "o/r", 60) is None


def test_entry_from_the_future_is_not_trusted(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path, clock=clock)
    cache.put("issues", "k", 1)
    clock.now -= 100
    assert cache.get("issues", "k", 60) is None


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'{"version": 99, "key": "k", "storedAt": 1, "value": 1}', b"\xff\xfe", b"[" * 100_000],
)
def test_corrupt_entry_is_discarded_with_a_warning(tmp_path: Path, content: bytes) -> None:
    seen: list[str] = []
    cache = Cache(tmp_path, warn=seen.append)
    cache.put("issues", "k", {"a": 1})
    (entry,) = (tmp_path / "issues").glob("*.json")
    entry.write_bytes(content)
    assert cache.get("issues", "k", 3600) is None
    assert len(seen) == 1 and "corrupt" in seen[0]
    assert not entry.exists()
    cache.put("issues", "k", {"a": 2})
    assert cache.get("issues", "k", 3600) == {"a": 2}


def test_entry_stored_under_another_key_is_rejected(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put("issues", "k", 1)
    (entry,) = (tmp_path / "issues").glob("*.json")
    entry.write_text(entry.read_text().replace('"key": "k"', '"key": "other"'))
    assert cache.get("issues", "k", 3600) is None
    assert cache.warnings


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path)
    cache.put("issues", "k", "old")

    def failing_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", failing_replace)
    cache.put("issues", "k", "new")
    monkeypatch.undo()
    assert cache.get("issues", "k", 3600) == "old"  # the old entry is intact
    assert [p.name for p in (tmp_path / "issues").iterdir() if p.name.startswith(".tmp-")] == []
    assert any("No space left" in warning for warning in cache.warnings)


def test_unwritable_directory_is_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(blocker / "cache")
    cache.put("issues", "k", 1)
    assert cache.get("issues", "k", 60) is None
    assert cache.warnings


def test_file_names_do_not_reveal_keys(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put("issues", "secret-owner/secret-repo", 1)
    assert "secret" not in " ".join(os.listdir(tmp_path / "issues"))


def test_default_directory_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_directory() == tmp_path / "symphony-bot"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the spec says: ignore a relative value
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_directory() == tmp_path / ".cache" / "symphony-bot"
