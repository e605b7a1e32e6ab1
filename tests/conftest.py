"""Suite-wide guards (no test may open a network connection outside the loopback range) and shared fixtures."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symphony_bot.sandbox import Sandbox

REPO_ROOT = Path(__file__).resolve().parent.parent
NPM_MODULES = REPO_ROOT / "tests" / "npm" / "node_modules"
TEST_DATA = REPO_ROOT / "tests" / "data"

# Every pytest session of one user on a machine shares /tmp/pytest-of-<user>, and each deletes all but the
# newest three runs there: another checkout's run still in progress included (its tmp_path vanishes mid-test,
# or the cleanup's warning fails this run). Each checkout keeps its own root (xdist's workers inherit it).
TEMP_ROOT = REPO_ROOT / ".pytest-tmp"
if "PYTEST_DEBUG_TEMPROOT" not in os.environ:
    TEMP_ROOT.mkdir(exist_ok=True)
    os.environ["PYTEST_DEBUG_TEMPROOT"] = str(TEMP_ROOT)


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host outside 127.0.0.0/8 and ::1."""


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach {address!r}: only loopback is allowed")
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach {address!r}: only loopback is allowed")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True, scope="session")
def _block_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    # Child processes (git, agent CLIs) get no proxy that could lead them out.
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        os.environ.pop(variable, None)
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def npm_modules() -> Path:
    """The pinned npm packages (`make setup` installs them). Missing is a setup error, never a skip."""
    if not (NPM_MODULES / ".installed").exists() and not NPM_MODULES.is_dir():
        raise RuntimeError(f"{NPM_MODULES} is missing: run `make setup` (npm ci --prefix tests/npm)")
    return NPM_MODULES


@pytest.fixture(scope="session")
def registry_history() -> Path:
    """The real Maestro registry at each commit that changed it (copied from RunMaestro/Maestro's history)."""
    path = TEST_DATA / "maestro-registry-history"
    if not path.is_dir():
        raise RuntimeError(f"{path} is missing from the checkout")
    return path


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A running sandbox GitHub with the standard world of `tests/sandbox_helpers.populate`: users maintainer
    (owner), contributor (write) and stranger, repository maintainer/project and its label. Test modules that need
    more add it with a fixture of their own on top of this one."""
    from tests.sandbox_helpers import populate

    with Sandbox() as box:
        populate(box)
        yield box


# Python starting a Python: what every script agent of the tests does before it can do anything.
_TWO_PYTHONS = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'pass'], check=True)"


@pytest.fixture(scope="session")
def python_start_up_s() -> float:
    """How long, on this machine under its load right now, a Python takes to start another Python (the slowest
    of three). Tests whose script must get going before a timeout fires use a multiple of it, never a fixed
    fraction of a second (the machine is shared and often loaded)."""
    slowest = 0.0
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", _TWO_PYTHONS], check=True)
        slowest = max(slowest, time.monotonic() - started)
    return slowest


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The random order's seed, at the end where a failure is read (the header that pytest-randomly prints it
    in is hidden by -q): the order of a red run can be repeated."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(
            f"random test order: seed {seed}; repeat it with "
            f'make pytest PYTEST_ARGS="-p randomly --randomly-seed={seed}"'
        )
