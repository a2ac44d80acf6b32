"""Counters and durations the use cases report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Metrics(Protocol):
    """Counters and durations the use cases report (Powertools Metrics in Lambda; nothing in the CLI).
    `dimensions` split a metric (a failure by its reason): keep their values few (error codes, not messages)."""

    def count(self, name: str, value: int = 1, *, dimensions: Mapping[str, str] | None = None) -> None: ...

    def seconds(self, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None: ...


class NoMetrics:
    def count(self, name: str, value: int = 1, *, dimensions: Mapping[str, str] | None = None) -> None:
        return None

    def seconds(self, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None:
        return None
