"""Landlock: what an agent may write, read and connect to, enforced by the kernel without privileges.

A ruleset is built in the bot (`ruleset`) and applied in the agent's process just before it execs
(`restrict_in_child`, run as Popen's `preexec_fn`): after that, the agent and everything it starts may
- write (create, remove, rename, truncate) only beneath its work tree and its private temporary folder;
- read and execute only the system folders (`SYSTEM_READABLE`), its CLI's install folder and what the caller
  adds; a few device files (`DEVICE_FILES`) may be written too;
- open TCP connections only to the listed ports (the metering proxy's, plus the config's allow-list), when
  `tcp_ports` is given and the kernel handles TCP (ABI 4, Linux 6.7);
- not signal processes outside its own Landlock domain nor reach abstract unix sockets outside it (ABI 6).
Landlock does not cover path-named unix sockets, UDP, or reading through a file descriptor it already holds:
those stay with the agent's private uid (see docs/containment.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from symphony_bot.agents import syscalls

CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1
RULE_NET_PORT = 2

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
FS_ABI1_ALL = (1 << 13) - 1
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6
NET_ABI = 4
SCOPE_ABI = 6

READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
SYSTEM_READABLE = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/proc", "/sys")
DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
DEVICE_FOLDER = "/dev"
INSTALL_PREFIX_FOLDERS = ("bin", ".bin", "sbin")
# The maintainer's allow-list (`.github/symphony.yml` `allowed-tcp-ports`), as the action hands it to the run:
# comma-separated port numbers, open to every agent of the run besides the metering proxy's port.
TCP_PORTS_ENV = "SYMPHONY_AGENT_TCP_PORTS"
BAD_PORTS = (
    f"{TCP_PORTS_ENV}={{value!r}}: {{item!r}} is not a TCP port number; give whole numbers from 1 to 65535, "
    "separated by commas (the action sets it from `allowed-tcp-ports` in .github/symphony.yml)"
)
MAX_PORT = 65535


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


class _NetPortAttr(ctypes.Structure):
    _fields_ = (("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64))


@functools.cache
def abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or it is disabled, or a seccomp filter hides it)."""
    try:
        return syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    except OSError:
        return 0


def fs_rights(version: int) -> int:
    rights = FS_ABI1_ALL
    if version >= 2:
        rights |= FS_REFER
    if version >= 3:
        rights |= FS_TRUNCATE
    if version >= 5:
        rights |= FS_IOCTL_DEV
    return rights


@dataclass(frozen=True)
class Confinement:
    """What one agent process may touch. `tcp_ports` None: TCP is not restricted."""

    writable: tuple[Path, ...]
    readable: tuple[Path, ...] = ()
    tcp_ports: tuple[int, ...] | None = ()

    def describe(self, version: int) -> str:
        ports = "any" if self.tcp_ports is None or version < NET_ABI else ", ".join(map(str, self.tcp_ports)) or "none"
        return f"Landlock ABI {version}: writes beneath {', '.join(map(str, self.writable))}; TCP connect to {ports}"


def install_folders(executable: str) -> list[Path]:
    """Where an executable's own files are: its folder, or the prefix above a `bin` folder (a venv, a
    node_modules), for both the path as named and the file it resolves to."""
    found: list[Path] = []
    for path in (Path(executable), Path(os.path.realpath(executable))):
        folder = path.parent
        if folder.name in INSTALL_PREFIX_FOLDERS:
            folder = folder.parent
        if folder not in found:
            found.append(folder)
    return found


def bot_interpreter_folders(executable: str) -> list[Path]:
    """When the agent is started with the bot's own Python (`python -m symphony_bot.demo.agent`, a script
    agent): that interpreter's prefixes, its import path and this package's folder (an editable install's
    finder imports from the source tree), all readable. Empty for any other executable."""
    if os.path.realpath(executable) != os.path.realpath(sys.executable):
        return []
    package = Path(__file__).resolve().parents[1]
    folders = [Path(sys.prefix), Path(sys.base_prefix), package]
    folders += [Path(entry) for entry in sys.path if entry and os.path.isabs(entry)]
    return list(dict.fromkeys(folders))


def _add_path(ruleset: int, path: str, rights: int, *, follow: bool) -> None:
    flags = os.O_PATH | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(f"/proc/self/fd/{fd}"):
            rights &= FILE_RIGHTS
        attr = _PathBeneathAttr(rights, fd)
        syscalls.syscall(syscalls.SYS_LANDLOCK_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(attr), 0)
    finally:
        os.close(fd)


def ruleset(confinement: Confinement, version: int | None = None) -> int:
    """A Landlock ruleset file descriptor for `confinement` (the caller closes it). Raises OSError."""
    version = abi() if version is None else version
    handled = fs_rights(version)
    net = NET_CONNECT_TCP if version >= NET_ABI and confinement.tcp_ports is not None else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= SCOPE_ABI else 0
    attr = _RulesetAttr(handled, net, scoped)
    size = ctypes.sizeof(attr) if version >= SCOPE_ABI else 16 if version >= NET_ABI else 8
    fd = syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    try:
        for path in (*SYSTEM_READABLE, *map(str, confinement.readable)):
            _add_path(fd, path, READ & handled, follow=True)
        _add_path(fd, DEVICE_FOLDER, READ & handled, follow=False)
        for device in DEVICE_FILES:
            _add_path(fd, device, FILE_RIGHTS & handled, follow=False)
        for writable in confinement.writable:
            _add_path(fd, str(writable), handled, follow=False)
        for port in confinement.tcp_ports or () if net else ():
            port_attr = _NetPortAttr(NET_CONNECT_TCP, port)
            syscalls.syscall(syscalls.SYS_LANDLOCK_ADD_RULE, fd, RULE_NET_PORT, ctypes.byref(port_attr), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def restrict_in_child(ruleset_fd: int) -> Callable[[], None]:
    """For Popen's `preexec_fn`: no new privileges, then the ruleset on this process (and all it starts).
    Only C calls run in the forked child: no import, no lock."""
    prctl = syscalls.libc().prctl
    call = syscalls.libc().syscall
    zero = ctypes.c_ulong(0)

    def apply() -> None:
        if prctl(syscalls.PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), zero, zero, zero) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if call(ctypes.c_long(syscalls.SYS_LANDLOCK_RESTRICT_SELF), ruleset_fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
        with contextlib.suppress(OSError):
            os.close(ruleset_fd)

    return apply


def launcher_argv(ruleset_fd: int, argv: list[str]) -> list[str]:
    """`argv` started through `landlock_exec.py`, which applies the ruleset (inherited as `ruleset_fd`) first,
    with the namespace's own `/proc` readable."""
    launcher = str(Path(__file__).with_name("landlock_exec.py"))
    return [sys.executable, "-I", "-S", launcher, str(ruleset_fd), str(READ), "--", *argv]


def loopback_ports(values: Iterable[str]) -> tuple[int, ...]:
    """Ports of loopback http(s) URLs among `values`: the metering proxy's, as the agent's environment names it."""
    from urllib.parse import urlsplit

    ports: list[int] = []
    for value in values:
        if not value.startswith(("http://", "https://")):
            continue
        with contextlib.suppress(ValueError):
            url = urlsplit(value)
            if url.hostname in {"127.0.0.1", "localhost", "::1"} and url.port and url.port not in ports:
                ports.append(url.port)
    return tuple(ports)


def environment_ports(environ: Mapping[str, str] | None = None) -> tuple[int, ...]:
    """The allow-listed ports in TCP_PORTS_ENV. Raises ValueError, naming the variable and the fix."""
    value = (os.environ if environ is None else environ).get(TCP_PORTS_ENV, "")
    ports: list[int] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        if not item.isdigit() or not 1 <= int(item) <= MAX_PORT:
            raise ValueError(BAD_PORTS.format(value=value, item=item))
        ports.append(int(item))
    return tuple(dict.fromkeys(ports))


def named_files(values: Iterable[str]) -> tuple[Path, ...]:
    """Regular files named by absolute paths among `values` (an agent's environment): what its CLI was told to
    read, such as the donor's own config file (`OPENCODE_CONFIG`) or a CA bundle. Readable under the rules;
    folders named there (HOME, TMPDIR) are not opened up by this."""
    found: list[Path] = []
    for value in values:
        if value.startswith("/") and "\n" not in value and os.path.isfile(value) and Path(value) not in found:
            found.append(Path(value))
    return tuple(found)


def unavailable_reason() -> str | None:
    """Why Landlock cannot confine agents here, or None."""
    if abi() > 0:
        return None
    probe = errno.ENOSYS
    try:
        syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    except OSError as error:
        probe = error.errno or probe
    if probe == errno.EOPNOTSUPP:
        return "the kernel has Landlock but it is disabled (boot with lsm=...,landlock)"
    return f"the kernel offers no Landlock ({os.strerror(probe)}; Linux 5.13 or later with CONFIG_SECURITY_LANDLOCK)"
