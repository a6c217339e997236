"""Prometheus metrics, one registry per app (never the library's global default registry, so
every `create_app` in a test starts from zero).

- `smallwins_http_requests_total{method, route, status}` and
  `smallwins_http_request_duration_seconds{method, route}`: `route` is the matched path
  template (`/v1/opportunities/{opportunity_id}`), never the raw path, so label values stay
  bounded and carry no ids or account names; anything unrouted is `unmatched`.
- `smallwins_events_appended_total{type}`: events this process appended, by event type.
- `smallwins_write_batch_size`: commands per write transaction, observed by the group-commit
  writer through `observe_batch(size)`.
- `smallwins_projection_position{projection}`, `smallwins_projection_lag_events{projection}`,
  `smallwins_log_head_position`, `smallwins_projection_status_up`: read from the store at
  scrape time, so any API process reports the lag of the projection worker too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from domain.records import EVENT_TYPES
from projections.runner import Status

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)

log = logging.getLogger("smallwins.metrics")


class ProjectionCollector(Collector):
    """Each projection's position and lag, and the log head, read when Prometheus scrapes."""

    def __init__(self, statuses: Callable[[], Sequence[Status]]) -> None:
        self.statuses = statuses

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "smallwins_projection_status_up",
            "1 if the projection positions could be read from the store, else 0.",
        )
        try:
            statuses = list(self.statuses())
        except Exception as error:  # noqa: BLE001 (reported as the up gauge, not hidden)
            log.warning("projection status unavailable for /metrics: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        position = GaugeMetricFamily(
            "smallwins_projection_position",
            "Last log position the projection applied.",
            labels=["projection"],
        )
        lag = GaugeMetricFamily(
            "smallwins_projection_lag_events",
            "Events recorded in the log that the projection has not applied yet.",
            labels=["projection"],
        )
        for status in statuses:
            position.add_metric([status.name], status.position)
            lag.add_metric([status.name], status.lag)
        yield position
        yield lag
        if statuses:
            yield GaugeMetricFamily(
                "smallwins_log_head_position",
                "Position of the newest event in the log.",
                value=statuses[0].head,
            )


class Metrics:
    """The registry of one app and the instruments the middleware and write path update."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "smallwins_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "smallwins_http_request_duration_seconds",
            "Time from receiving a request to sending the end of its response.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "smallwins_events_appended",
            "Events appended to the log by this process, by event type.",
            ["type"],
            registry=self.registry,
        )
        for event_type in EVENT_TYPES:
            self.events.labels(event_type)  # every type is exported from the start, at 0
        self.batches = Histogram(
            "smallwins_write_batch_size",
            "Commands coalesced into one write transaction.",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self._projections: ProjectionCollector | None = None
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def watch_projections(self, statuses: Callable[[], Sequence[Status]]) -> None:
        """Export projection positions and lag, read through `statuses` at scrape time."""
        if self._projections is None:
            self._projections = ProjectionCollector(statuses)
            self.registry.register(self._projections)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        # Methods, route templates and statuses are few: keep each labelled pair at hand.
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_event(self, event_type: str) -> None:
        """One event of this type was recorded."""
        self.events.labels(event_type).inc()

    def observe_batch(self, size: int) -> None:
        """The group-commit writer's hook: one transaction carried `size` commands."""
        self.batches.observe(size)

    def render(self) -> bytes:
        return generate_latest(self.registry)
