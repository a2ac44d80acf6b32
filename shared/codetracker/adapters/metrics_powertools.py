"""Metrics on Powertools (CloudWatch embedded metric format). Powertools Metrics instances of one namespace
share their buffer, so the counts added here are flushed by the handler's `@metrics.log_metrics`."""

from __future__ import annotations

from typing import Any

NAMESPACE = "Codetracker"


class PowertoolsMetrics:
    def __init__(self, namespace: str = NAMESPACE) -> None:
        self._namespace = namespace
        self._metrics: Any = None

    def count(self, name: str, value: int = 1) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        if self._metrics is None:
            from aws_lambda_powertools import Metrics

            self._metrics = Metrics(namespace=self._namespace)
        self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
