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
