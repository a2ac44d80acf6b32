"""The worker's own peak RSS, read just before it reports (see common.measure)."""

from __future__ import annotations


def vmhwm_kb(pid: int | str = "self") -> int | None:
    """VmHWM (peak RSS) of a process in kB (Linux): this one by default; None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def children_vmhwm_kb() -> dict[int, int]:
    """VmHWM of each child of this process (its parser workers), read while they are still alive."""
    import os

    found: dict[int, int] = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/children") as fh:
                pids = [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            kb = vmhwm_kb(pid)
            if kb is not None:
                found[pid] = kb
    return found
