"""The worker's own peak RSS, read just before it reports (see common.measure)."""

from __future__ import annotations


def vmhwm_kb() -> int | None:
    """VmHWM of this process in kB (Linux), None elsewhere."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None
