"""Metrics on Powertools (CloudWatch embedded metric format). Powertools Metrics instances of one namespace
share their buffer, so the counts added here are flushed by the handler's `@metrics.log_metrics`. A metric with
dimensions of its own (a failure by reason) is written at once as a single metric, so its dimensions never
leak onto the handler's other metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NAMESPACE = "Codetracker"


class PowertoolsMetrics:
    def __init__(self, namespace: str = NAMESPACE) -> None:
        self._namespace = namespace
        self._metrics: Any = None

    def _add(self, name: str, unit_name: str, value: float, dimensions: Mapping[str, str] | None) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        unit = getattr(MetricUnit, unit_name)
        if dimensions:
            from aws_lambda_powertools.metrics import single_metric

            with single_metric(name=name, unit=unit, value=value, namespace=self._namespace) as metric:
                for key, dimension in dimensions.items():
                    metric.add_dimension(name=key, value=str(dimension)[:250] or "-")
            return
        if self._metrics is None:
            from aws_lambda_powertools import Metrics

            self._metrics = Metrics(namespace=self._namespace)
        self._metrics.add_metric(name=name, unit=unit, value=value)

    def count(self, name: str, value: int = 1, *, dimensions: Mapping[str, str] | None = None) -> None:
        self._add(name, "Count", value, dimensions)

    def seconds(self, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None:
        self._add(name, "Seconds", value, dimensions)


class MemoryMetrics:
    """Metrics kept in a list (tests, the local runtime's summary): (name, value, dimensions)."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, float, dict[str, str]]] = []

    def count(self, name: str, value: int = 1, *, dimensions: Mapping[str, str] | None = None) -> None:
        self.recorded.append((name, value, dict(dimensions or {})))

    def seconds(self, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None:
        self.recorded.append((name, value, dict(dimensions or {})))

    def total(self, name: str, **dimensions: str) -> float:
        return sum(v for n, v, d in self.recorded if n == name and all(d.get(k) == x for k, x in dimensions.items()))
