"""The few Linux calls Python's `os` lacks (prctl, the Landlock syscalls), through one libc handle.

The handle is opened once per process (`ctypes.CDLL(None)`: the C library the interpreter itself is linked
against), never by `ctypes.util.find_library`, which runs `ldconfig -p` (about 2 ms) each time it is asked.
"""

from __future__ import annotations

import ctypes
import functools
import os

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
# The Landlock syscalls have the same numbers on every architecture (they are in the generic table).
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446


@functools.cache
def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int = 0) -> int:
    """prctl(option, value, 0, 0, 0): its return value, -1 on failure (errno in ctypes.get_errno())."""
    return int(libc().prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)))


def syscall(number: int, *args: object) -> int:
    """A raw syscall; raises OSError with the kernel's errno when it fails."""
    result = int(libc().syscall(ctypes.c_long(number), *args))
    if result < 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    return result


def prctl_get(option: int) -> int:
    """A prctl getter that writes its answer through a pointer (PR_GET_CHILD_SUBREAPER) or returns it
    (PR_GET_DUMPABLE); -1 on failure."""
    if option == PR_GET_CHILD_SUBREAPER:
        answer = ctypes.c_int(-1)
        zero = ctypes.c_ulong(0)
        if libc().prctl(option, ctypes.byref(answer), zero, zero, zero) != 0:
            return -1
        return answer.value
    return prctl(option)
