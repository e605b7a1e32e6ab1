"""`python -I -S landlock_exec.py FD RIGHTS -- ARGV...`: restrict this process with the Landlock ruleset FD, then
exec ARGV.

Used where Landlock cannot be applied before the agent's first executable runs: inside a PID namespace, whose
`unshare --mount-proc` must mount `/proc` first, and Landlock forbids a confined process to mount. That `/proc`
is a new mount the bot's rules do not cover, so it is added here, readable with RIGHTS. Stdlib only (run with
-S, without the package on the path); it raises, and so exits non-zero, if any step fails.
"""

import ctypes
import os
import sys

PR_SET_NO_NEW_PRIVS = 38
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
RULE_PATH_BENEATH = 1
PROC = "/proc"


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def main(arguments: list[str]) -> None:
    fd, rights, separator, *argv = arguments
    if separator != "--" or not argv:
        raise SystemExit("usage: landlock_exec.py FD RIGHTS -- ARGV...")
    libc = ctypes.CDLL(None, use_errno=True)
    zero = ctypes.c_ulong(0)
    proc = os.open(PROC, os.O_PATH | os.O_CLOEXEC)
    rule = _PathBeneathAttr(int(rights), proc)
    if libc.syscall(ctypes.c_long(SYS_LANDLOCK_ADD_RULE), int(fd), RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_add_rule(/proc) failed")
    os.close(proc)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), zero, zero, zero) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.syscall(ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), int(fd), 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(int(fd))
    os.execv(argv[0], argv)  # noqa: S606 (argv is the bot's own, as built by agents.process)


if __name__ == "__main__":
    main(sys.argv[1:])
