"""The workflow's event: `GITHUB_EVENT_NAME` and the webhook payload at `GITHUB_EVENT_PATH`.

The payload is data from whoever caused the event (an issue title, a comment body): it is read as JSON with a
size cap, and only the fields named here are used. `schedule` has no webhook payload; the runner writes a small
JSON object (`{"schedule": "<cron>"}`), and the repository comes from `GITHUB_REPOSITORY`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symphony_bot.action.policy import Actor

MAX_EVENT_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


class EventError(ValueError):
    """The event cannot be read; the message says which variable or file and why."""


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any]
    repository_env: str | None = None  # GITHUB_REPOSITORY

    @property
    def action(self) -> str | None:
        value = self.payload.get("action")
        return value if isinstance(value, str) else None

    @property
    def repository(self) -> str | None:
        repo = self.payload.get("repository")
        name = repo.get("full_name") if isinstance(repo, dict) else None
        return name if isinstance(name, str) and name else self.repository_env

    @property
    def issue(self) -> dict[str, Any]:
        value = self.payload.get("issue")
        return value if isinstance(value, dict) else {}

    @property
    def issue_number(self) -> int | None:
        number = self.issue.get("number")
        return number if isinstance(number, int) and number > 0 else None

    @property
    def is_pull_request(self) -> bool:
        """A comment on a pull request arrives as `issue_comment` with `issue.pull_request` set."""
        return bool(self.issue.get("pull_request"))

    @property
    def issue_labels(self) -> list[str]:
        return [str(label.get("name")) for label in self.issue.get("labels") or [] if isinstance(label, dict)]

    @property
    def label(self) -> str | None:
        label = self.payload.get("label")
        name = label.get("name") if isinstance(label, dict) else None
        return name if isinstance(name, str) else None

    @property
    def comment(self) -> dict[str, Any]:
        value = self.payload.get("comment")
        return value if isinstance(value, dict) else {}

    @property
    def sender(self) -> Actor | None:
        return _actor(self.payload.get("sender"))

    @property
    def comment_author(self) -> Actor | None:
        return _actor(self.comment.get("user"))

    @property
    def pull_request(self) -> dict[str, Any]:
        value = self.payload.get("pull_request")
        return value if isinstance(value, dict) else {}

    @property
    def inputs(self) -> dict[str, Any]:
        value = self.payload.get("inputs")
        return value if isinstance(value, dict) else {}


def _actor(user: Any) -> Actor | None:
    if not isinstance(user, dict) or not isinstance(user.get("login"), str) or not user["login"]:
        return None
    kind = user.get("type")
    return Actor(user["login"], kind if isinstance(kind, str) else "User")


def load_event(environ: Mapping[str, str] | None = None) -> Event:
    env = os.environ if environ is None else environ
    name = (env.get("GITHUB_EVENT_NAME") or "").strip()
    if not name:
        raise EventError("GITHUB_EVENT_NAME is not set: run this inside a GitHub Actions job, or set it by hand")
    repository = env.get("GITHUB_REPOSITORY") or None
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        if name == "schedule":  # some runners write no file for schedules
            return Event(name, {}, repository)
        raise EventError("GITHUB_EVENT_PATH is not set: it must name the event's JSON payload")
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_EVENT_BYTES + 1)
    except OSError as error:
        raise EventError(f"cannot read the event payload {path}: {error.strerror or error}") from None
    if len(raw) > MAX_EVENT_BYTES:
        raise EventError(f"the event payload {path} is over {MAX_EVENT_BYTES // (1024 * 1024)} MB; GitHub sends less")
    try:
        payload = json.loads(raw.decode("utf-8-sig")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError) as error:
        raise EventError(f"the event payload {path} is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise EventError(f"the event payload {path} is a JSON {type(payload).__name__}, not an object")
    return Event(name, payload, repository)
