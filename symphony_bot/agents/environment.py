"""The agent's environment: built from an allow-list, never inherited.

The agent runs code from a public repository on the donor's machine, so nothing that could write to GitHub
reaches it: the deny rules below win over every allow-list, including an adapter's own.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

# A runner behind a proxy, or with its own certificate authority, needs these to reach the model API at all.
NETWORK = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NODE_EXTRA_CA_CERTS",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)
# Every CLI writes its temporary files (claude-<uid>, gemini-shell-*, …) inside the run's private directory,
# removed with it, instead of the system's.
TEMPORARY_VARIABLES = ("TMPDIR", "TMP", "TEMP")
TMP_DIR_NAME = "tmp"

# What any program needs to run: locale, time zone, terminal, temp dir, and where executables live.
BASE_ALLOWED = ("PATH", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "NO_COLOR", "SSL_CERT_FILE", "SSL_CERT_DIR", *NETWORK)

# Credentials and runner internals that must never reach an agent, whatever an adapter asks for.
DENIED = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_*",
    "GH_*",
    "INPUT_*",
    "ACTIONS_*",  # ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, cache and results URLs
    "RUNNER_*",
    "GIT_CONFIG",
    "GIT_CONFIG_*",  # GIT_CONFIG_COUNT/KEY_n/VALUE_n and GIT_CONFIG_PARAMETERS carry the bot's git auth header
    "GIT_ASKPASS",
    "GIT_CREDENTIAL*",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "SSH_ASKPASS",
    "SSH_AUTH_SOCK",
    "SYMPHONY_GITHUB_*",
)

# Names that look like credentials: denied unless an adapter declares the exact name (not a glob), as an
# agent may legitimately need, say, its own API token. The hard DENIED list above wins even then.
DENIED_UNLESS_DECLARED = ("*_TOKEN", "*_TOKEN_*", "*_SECRET", "*_SECRET_*", "*PASSWORD*", "*_PAT")

# What a user may not hand to the command agent with a plain `--pass-env`: anything that looks like a
# credential (NPM_TOKEN, NODE_AUTH_TOKEN, VAULT_TOKEN, CI_JOB_TOKEN, AWS_SECRET_ACCESS_KEY, MY_API_KEY, …). The
# agent runs a public repository's code and can send what it sees anywhere, so passing one takes the loudly
# named `--dangerously-pass-secret`; the hard DENIED list is refused even then.
CREDENTIAL_LIKE = (
    "*TOKEN*",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*PASSPHRASE*",
    "*_KEY",
    "*_KEY_*",
    "*APIKEY*",
    "*_PAT",
    "*CREDENTIAL*",
    "*_AUTH",
    "*_AUTH_*",
    "*PRIVATE*",
    "*COOKIE*",
)

# Set by us after filtering (git isolation), so the GIT_CONFIG_* deny rule never removes them.
GIT_ISOLATION = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_TERMINAL_PROMPT")
HOME_DIR_NAME = "home"
GITCONFIG_FILE_NAME = "gitconfig"
GIT_SAFE_DIRECTORY = "[safe]\n\tdirectory = *\n"


# Values that leave a switch off (`CLAUDE_CODE_USE_BEDROCK=0`), as the CLIs read them.
SWITCH_OFF = ("", "0", "false", "no", "off")


def switched_on(value: str | None) -> bool:
    """Whether a CLI's on/off variable is on."""
    return value is not None and value.strip().lower() not in SWITCH_OFF


def is_denied(name: str, declared: Iterable[str] = ()) -> bool:
    """True when `name` must not reach an agent whose adapter declared the exact names in `declared`."""
    upper = name.upper()
    if any(fnmatch.fnmatchcase(upper, pattern) for pattern in DENIED):
        return True
    if name in declared:
        return False
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in DENIED_UNLESS_DECLARED)


def looks_like_credential(name: str) -> bool:
    """True when `name` looks like it holds a credential (`CREDENTIAL_LIKE`, case-insensitive)."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in CREDENTIAL_LIKE)


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
    ANTHROPIC_API_KEY. `extra`: values the adapter sets itself. HOME (and the XDG directories) is a private
    directory under `scratch_dir`, and git gets an isolated configuration (no system or user config, no
    prompts) so the bot's own git auth cannot leak in. The deny rules win over everything, `extra` included;
    a credential-looking name (`*_TOKEN`, ...) passes only when declared by its exact name.
    """
    environ = os.environ if source is None else source
    patterns = (*BASE_ALLOWED, *passthrough)
    declared = {name for name in (*passthrough, *(extra or {})) if not any(c in name for c in "*?[")}
    home = scratch_dir / HOME_DIR_NAME
    home.mkdir(parents=True, exist_ok=True)
    temporary = scratch_dir / TMP_DIR_NAME
    temporary.mkdir(parents=True, exist_ok=True)
    git_config = scratch_dir / GITCONFIG_FILE_NAME
    if not git_config.exists():
        # The agent may run as a user of its own on a work tree whose .git stays the bot's: let its git read it.
        git_config.write_text(GIT_SAFE_DIRECTORY)
    env = {name: value for name, value in environ.items() if _allowed(name, patterns) and not is_denied(name, declared)}
    env.setdefault("PATH", os.defpath)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            **dict.fromkeys(TEMPORARY_VARIABLES, str(temporary)),
        }
    )
    for name, value in (extra or {}).items():
        if not is_denied(name, declared):
            env[name] = value
    env.update(
        {
            "GIT_CONFIG_GLOBAL": str(git_config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    return env
