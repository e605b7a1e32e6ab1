"""The `Sandbox` operator's switches for how GitHub answers: settings a repository, an owner or github.com
itself has, each defaulting to what github.com does (python_api.Sandbox inherits them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from symphony_bot.sandbox.state import Repository, SandboxState


class SandboxSettings:
    """Mixed into `Sandbox`: `state` and `_repo` come from it."""

    state: SandboxState

    def _repo(self, owner: str, repo: str) -> Repository:  # pragma: no cover - Sandbox defines it
        raise NotImplementedError

    def set_installation_repo_permissions(self, shape: str) -> None:
        """How `GET /repos/{o}/{r}` describes an installation token's access: "all-false" (the default: every
        flag false, as recorded in semantic-release/github#182) or "absent" (no `permissions` object). Never the
        token's real grant, on GitHub either."""
        from symphony_bot.sandbox.state import INSTALLATION_PERMISSIONS_SHAPES

        if shape not in INSTALLATION_PERMISSIONS_SHAPES:
            raise ValueError(f"shape must be one of {INSTALLATION_PERMISSIONS_SHAPES}, not {shape!r}")
        with self.state.lock:
            self.state.installation_repo_permissions = shape
            self.state.touch()
