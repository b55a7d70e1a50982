"""Triton's own per-model statistics (``TRITONSERVER_ServerModelStatistics``), read at scrape time.

Only the embedded Triton has them to give without a network call; an external one is described by
its own metrics endpoint. Counters, as Triton keeps them since start-up (``rate()`` over them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from cordwire.server.triton import TritonService

__all__ = ["TritonStatsCollector"]

logger = logging.getLogger("cordwire.triton")

# (metric suffix, help, path in Triton's statistics JSON, scale)
_FAMILIES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("inferences", "Inferences Triton ran (a batch counts each request).", ("inference_count",), 1.0),
    ("executions", "Model executions Triton ran (batches).", ("execution_count",), 1.0),
    ("successes", "Requests Triton completed successfully.", ("inference_stats", "success", "count"), 1.0),
    ("failures", "Requests Triton failed.", ("inference_stats", "fail", "count"), 1.0),
    ("queue_seconds", "Time requests waited in Triton's queues.", ("inference_stats", "queue", "ns"), 1e-9),
    ("compute_seconds", "Time the model computed.", ("inference_stats", "compute_infer", "ns"), 1e-9),
)


def _at(stats: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = stats
    for key in path:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    return float(value) if isinstance(value, int | float | str) and value != "" else 0.0


class TritonStatsCollector(Collector):
    """``cordwire_triton_model_*{chute,model}`` from the embedded Triton of ``service``."""

    def __init__(self, chute_id: str, service: TritonService) -> None:
        self._chute = chute_id
        self._service = service

    def describe(self) -> Iterator[Metric]:
        return iter(())  # unchecked: families are built per scrape

    def collect(self) -> Iterator[Metric]:
        triton = self._service.embedded
        if triton is None or not self._service.ready:
            return
        families = [
            CounterMetricFamily(f"cordwire_triton_model_{name}", text, labels=["chute", "model"])
            for name, text, _, _ in _FAMILIES
        ]
        for model in self._service.models:
            try:
                stats = triton.statistics(model).get("model_stats", [{}])[0]
            except Exception as exc:  # a scrape never fails because Triton could not answer
                logger.debug("no statistics for model %s: %s", model, exc)
                continue
            for family, (_, _, path, scale) in zip(families, _FAMILIES, strict=True):
                family.add_metric([self._chute, model], _at(stats, path) * scale)
        yield from families
