"""The agent's environment: built from an allow-list, never inherited.

The agent runs code from a public repository on the donor's machine, so nothing that could write to GitHub
reaches it: the deny rules below win over every allow-list, including an adapter's own.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

# What any program needs to run: locale, time zone, terminal, temp dir, and where executables live.
BASE_ALLOWED = ("PATH", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "TMPDIR", "NO_COLOR", "SSL_CERT_FILE", "SSL_CERT_DIR")

# Credentials and runner internals that must never reach an agent, whatever an adapter asks for.
DENIED = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_*",
    "INPUT_*",
    "ACTIONS_*",
    "RUNNER_*",
    "GIT_CONFIG_*",
    "GIT_ASKPASS",
    "SSH_AUTH_SOCK",
    "SYMPHONY_GITHUB_*",
)


def is_denied(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in DENIED)


def _allowed(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def agent_environment(
    scratch_dir: Path,
    passthrough: Iterable[str] = (),
    extra: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for one agent process.

    `passthrough`: names (or glob patterns) the adapter needs from the caller's environment, such as
    ANTHROPIC_API_KEY. `extra`: values the adapter sets itself. HOME is a private directory under
    `scratch_dir`, and git gets an isolated configuration so the bot's own git auth cannot leak in.
    """
    environ = os.environ if source is None else source
    patterns = (*BASE_ALLOWED, *passthrough)
    home = scratch_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    git_config = scratch_dir / "gitconfig"
    if not git_config.exists():
        git_config.write_text("")
    env = {name: value for name, value in environ.items() if _allowed(name, patterns) and not is_denied(name)}
    env.setdefault("PATH", os.defpath)
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(git_config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    for name, value in (extra or {}).items():
        if not is_denied(name):
            env[name] = value
    return env
