"""/metrics: requests by route template and status with latency histograms, events appended
by type, write batch sizes, projection position and lag; one registry per app."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

from api.metrics import UNMATCHED, Metrics
from domain.records import EVENT_TYPES
from projections.runner import Status
from tests.observability.served import Served

OPPORTUNITY = "/v1/opportunities/{opportunity_id}"


def test_metrics_are_public_prometheus_text(served: Served) -> None:
    response = served.client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE smallwins_http_requests_total counter" in response.text


def test_requests_are_counted_by_route_template_and_status_not_by_raw_path(
    served: Served,
) -> None:
    deal = served.open()
    for _ in range(2):
        served.client.get(f"/v1/opportunities/{deal}", headers=served.auth("viewer"))
    served.client.get("/v1/opportunities/not-an-id", headers=served.auth("viewer"))
    served.client.get(f"/v1/opportunities/{deal}")  # no key
    served.client.get("/no/such/page")

    assert served.requests("POST", "/v1/opportunities", 201) == 1
    assert served.requests("GET", OPPORTUNITY, 200) == 2
    assert served.requests("GET", OPPORTUNITY, 404) == 1
    assert served.requests("GET", OPPORTUNITY, 401) == 1
    assert served.requests("GET", UNMATCHED, 404) == 1
    page = served.client.get("/metrics").text
    assert deal not in page
    assert "not-an-id" not in page
    assert "/no/such/page" not in page


def test_answers_the_middlewares_give_themselves_are_counted_under_their_route(
    served: Served,
) -> None:
    deal = served.open()
    served.client.post(
        f"/v1/opportunities/{deal}/events",
        content=b"type=Paused",
        headers={**served.auth(), "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert served.requests("POST", "/v1/opportunities/{opportunity_id}/events", 415) == 1


def test_latency_is_a_histogram_per_route_with_cumulative_buckets(served: Served) -> None:
    for _ in range(3):
        served.client.get("/healthz")

    samples = served.scrape()
    labels = {("method", "GET"), ("route", "/healthz")}
    buckets = {
        dict(key[1])["le"]: value
        for key, value in samples.items()
        if key[0] == "smallwins_http_request_duration_seconds_bucket" and labels <= key[1]
    }
    assert buckets["+Inf"] == 3
    ordered = sorted(buckets.items(), key=lambda item: float(item[0]))
    assert [value for _le, value in ordered] == sorted(value for _le, value in ordered)
    count = samples[("smallwins_http_request_duration_seconds_count", frozenset(labels))]
    assert count == 3


def test_events_appended_are_counted_by_type_and_every_type_is_exported(
    served: Served,
) -> None:
    deal = served.open(buying_departments=["IT"])
    served.record(deal, "MeetingGained", contact="Dana", department="IT")
    served.record(deal, "MeetingGained", contact="Sam", department="Finance")
    served.record(deal, "Paused", reason="next quarter")

    samples = served.scrape()
    appended = {
        dict(labels)["type"]: value
        for (name, labels), value in samples.items()
        if name == "smallwins_events_appended_total"
    }
    assert set(appended) == set(EVENT_TYPES)
    assert appended["OpportunityOpened"] == 1
    assert appended["MeetingGained"] == 2
    assert appended["Paused"] == 1
    assert appended["ClosedWon"] == 0


def test_a_refused_or_replayed_write_appends_nothing(served: Served) -> None:
    deal = served.open()
    served.record(deal, "ClosedLost", reason="price")
    refused = served.client.post(
        f"/v1/opportunities/{deal}/events",
        json={"type": "MeetingGained", "contact": "Dana", "department": "IT"},
        headers=served.auth(),
    )
    body = {"title": "Globex pilot", "account": "Globex"}
    headers = {**served.auth(), "Idempotency-Key": "open-globex"}
    first = served.client.post("/v1/opportunities", json=body, headers=headers)
    again = served.client.post("/v1/opportunities", json=body, headers=headers)

    assert refused.status_code == 409
    assert (first.status_code, again.status_code) == (201, 201)
    assert served.sample("smallwins_events_appended_total", type="MeetingGained") == 0
    assert served.sample("smallwins_events_appended_total", type="OpportunityOpened") == 2


def test_every_write_transaction_observes_its_batch_size(served: Served) -> None:
    deal = served.open()
    served.record(deal, "CustomerDataGathered", summary="three plants")

    assert served.sample("smallwins_write_batch_size_count") == 2
    assert served.sample("smallwins_write_batch_size_sum") == 2
    assert served.sample("smallwins_write_batch_size_bucket", le="1.0") == 2


def test_projection_lag_grows_with_unprojected_events_and_falls_when_caught_up(
    make_served: Callable[..., Served],
) -> None:
    served = make_served(projections_in_process=False, read_wait_seconds=0)
    deal = served.open()
    served.record(deal, "CustomerDataGathered", summary="three plants")

    assert served.sample("smallwins_projection_status_up") == 1
    assert served.sample("smallwins_log_head_position") == 2
    assert served.sample("smallwins_projection_lag_events", projection="pipeline") == 2
    assert served.sample("smallwins_projection_position", projection="relationships") == 0

    served.app.state.services.runner.catch_up()

    assert served.sample("smallwins_projection_lag_events", projection="pipeline") == 0
    assert served.sample("smallwins_projection_lag_events", projection="relationships") == 0
    assert served.sample("smallwins_projection_position", projection="pipeline") == 2


def test_each_app_counts_in_its_own_registry(make_served: Callable[..., Served]) -> None:
    first, second = make_served(), make_served()
    first.open()
    first.client.get("/healthz")

    assert first.sample("smallwins_events_appended_total", type="OpportunityOpened") == 1
    assert second.sample("smallwins_events_appended_total", type="OpportunityOpened") == 0
    assert second.requests("GET", "/healthz", 200) is None


def test_an_unreachable_store_is_reported_on_the_scrape_not_raised() -> None:
    def unreachable() -> list[Status]:
        raise ConnectionError("store down")

    metrics = Metrics()
    metrics.watch_projections(unreachable)

    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    assert families["smallwins_projection_status_up"].samples[0].value == 0
    assert "smallwins_projection_lag_events" not in families


def test_watching_projections_twice_registers_one_collector() -> None:
    metrics = Metrics()
    statuses = [Status("pipeline", 3, 5, 2)]
    metrics.watch_projections(lambda: statuses)
    metrics.watch_projections(lambda: statuses)

    page = metrics.render().decode()
    assert page.count('smallwins_projection_lag_events{projection="pipeline"} 2.0') == 1
