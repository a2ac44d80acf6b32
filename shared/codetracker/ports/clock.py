"""The clock use cases read: tests pass a fixed or stepping one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]  # now, timezone-aware
