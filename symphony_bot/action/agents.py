"""The agent CLI a run needs, installed at run time at a pinned version — and only that one.

The image carries Node.js but no agent: the four CLIs weigh 100–400 MB each, and a workflow uses one. The action
installs the chosen one with npm into `$SYMPHONY_AGENTS_DIR/<agent>` (a folder of the image, kept when the image
was built with PREINSTALL_AGENT) and puts its `node_modules/.bin` first on PATH. The versions are the ones the
test suite runs against (tests/npm/package.json; a test keeps the two lists equal).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

AGENTS_DIR_ENV = "SYMPHONY_AGENTS_DIR"
DEFAULT_AGENTS_DIR = "/opt/symphony-agents"
# agent -> (npm package, pinned version, executable)
AGENT_PACKAGES: dict[str, tuple[str, str, str]] = {
    "claude": ("@anthropic-ai/claude-code", "2.1.197", "claude"),
    "codex": ("@openai/codex", "0.169.0", "codex"),
    "opencode": ("opencode-ai", "1.18.33", "opencode"),
    "gemini": ("@google/gemini-cli", "0.61.0", "gemini"),
}
NPM_TIMEOUT_SECONDS = 600
INSTALLED_MARKER = ".symphony-installed"


class AgentInstallError(RuntimeError):
    pass


@dataclass(frozen=True)
class InstalledAgent:
    name: str
    bin_dir: Path | None  # None: nothing to install (the `command` agent)
    seconds: float  # time spent installing now (0 when it was already there)
    preinstalled: bool


def agents_dir() -> Path:
    return Path(os.environ.get(AGENTS_DIR_ENV) or DEFAULT_AGENTS_DIR)


def ensure_agent(name: str, root: Path | None = None) -> InstalledAgent:
    """Install agent `name` unless it already is; the `command` agent needs nothing."""
    if name not in AGENT_PACKAGES:
        return InstalledAgent(name, None, 0.0, True)
    package, version, executable = AGENT_PACKAGES[name]
    prefix = (root or agents_dir()) / name
    bin_dir = prefix / "node_modules" / ".bin"
    marker = prefix / INSTALLED_MARKER
    if marker.exists() and marker.read_text().strip() == f"{package}@{version}" and (bin_dir / executable).exists():
        return InstalledAgent(name, bin_dir, 0.0, True)
    prefix.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    command = ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        result = subprocess.run(
            [*command, f"{package}@{version}"],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise AgentInstallError("npm is not installed; the action's image has it — run inside it") from None
    except subprocess.TimeoutExpired:
        raise AgentInstallError(
            f"installing {package}@{version} took over {NPM_TIMEOUT_SECONDS} s; the npm registry may be slow, retry"
        ) from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise AgentInstallError(f"npm could not install {package}@{version}: " + " / ".join(detail))
    if not (bin_dir / executable).exists():
        raise AgentInstallError(f"{package}@{version} installed but has no `{executable}` executable")
    marker.write_text(f"{package}@{version}\n")
    return InstalledAgent(name, bin_dir, time.monotonic() - started, False)
