"""Webhook metrics, read from the store when Prometheus scrapes (the deliveries run in the
projection worker on PostgreSQL, which serves no /metrics; any API process reports them):

- `smallwins_webhook_deliveries_total{outcome="delivered|failed|timeout"}`: attempts made,
  by outcome, by every process of the deployment since the store was made;
- `smallwins_webhook_lag{webhook}`: log events recorded after the webhook's position;
- `smallwins_webhook_failing{webhook}`: 1 while the webhook waits to be enabled.

Labels carry webhook ids only, never URLs (a URL may hold a token) or secrets."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.webhooks import tables
from api.webhooks.service import Webhooks

log = logging.getLogger("smallwins.metrics")


def _families() -> tuple[CounterMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
    return (
        CounterMetricFamily(
            "smallwins_webhook_deliveries",
            "Webhook delivery attempts, by outcome (every process of the deployment).",
            labels=["outcome"],
        ),
        GaugeMetricFamily(
            "smallwins_webhook_lag",
            "Log events recorded after the webhook's position.",
            labels=["webhook"],
        ),
        GaugeMetricFamily(
            "smallwins_webhook_failing",
            "1 while the webhook is failing (waiting to be enabled), else 0.",
            labels=["webhook"],
        ),
    )


class WebhookCollector(Collector):
    def __init__(self, webhooks: Webhooks) -> None:
        self.webhooks = webhooks

    def describe(self) -> Iterator[Metric]:
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        try:
            head = self.webhooks.head()
            with self.webhooks.database.read() as cursor:
                rows = tables.progress(cursor)
                counts = tables.outcome_counts(cursor)
        except Exception as error:  # noqa: BLE001 (the projection gauges report the store)
            log.warning("webhook status unavailable for /metrics: %s", type(error).__name__)
            return
        deliveries, lag, failing = _families()
        for outcome, count in counts.items():
            deliveries.add_metric([outcome], count)
        for webhook_id, status, position, _next in rows:
            lag.add_metric([webhook_id], max(0, head - position))
            failing.add_metric([webhook_id], 1 if status == tables.FAILING else 0)
        yield deliveries
        yield lag
        yield failing
