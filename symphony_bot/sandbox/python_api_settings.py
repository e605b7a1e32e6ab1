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

    def set_plan(self, login: str, plan: str) -> None:
        """The GitHub plan of a user or organisation: "free" (the default, as for new accounts), "pro", "team" or
        "enterprise". On Free, private repositories refuse draft pull requests (422 "Draft pull requests are not
        supported in this repository.")."""
        from symphony_bot.sandbox.state import PLANS

        if plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}, not {plan!r}")
        with self.state.lock:
            self.state.require_user(login).plan = plan
            self.state.touch()
