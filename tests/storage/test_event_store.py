"""The event store, on SQLite and on PostgreSQL: saving and loading, reading the past,
conditional and racing writes, log positions, durability settings and database URLs."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from api.services import build_services, views_database
from api.settings import Settings
from domain.application import Opportunities
from domain.errors import OpportunityClosed, OpportunityNotFound, VersionConflict
from storage.config import UnsupportedDatabaseURL, eventsourcing_env, parse_database_url
from storage.gateway import Database
from storage.sqlite import DurableSQLiteFactory
from storage.writer import GroupCommitWriter

OPENING = {"title": "Fleet telematics rollout", "account": "Acme Logistics", "amount": 48000.0}
MEETING = {"contact": "Dana Ruiz", "department": "Operations", "kind": "initial"}
DATA = {"summary": "120 trucks, renewal of the current vendor in Q3"}
BUY_IN = {"stakeholder": "Lee Chen", "department": "Finance", "role": "economic_buyer"}


def open_deal(opportunities: Opportunities) -> UUID:
    return opportunities.open(recorded_by="ann", fields=OPENING).opportunity_id


def record(
    opportunities: Opportunities,
    opportunity_id: UUID,
    event_type: str,
    fields: dict[str, Any],
    **options: Any,
) -> Any:
    return opportunities.record(
        opportunity_id, event_type, recorded_by="ann", fields=fields, **options
    )


def through_writer(
    opportunities: Opportunities, opportunity_id: UUID, event_type: str, fields: dict[str, Any]
) -> Any:
    """One command through the one write path (the batching writer and its retries)."""
    writer = GroupCommitWriter(opportunities)
    try:
        return writer.record(
            opportunity_id, event_type, recorded_by="ann", fields=fields
        ).result(timeout=30)
    finally:
        writer.stop()


def types(opportunities: Opportunities, opportunity_id: UUID) -> list[str]:
    return [r.type for r in opportunities.history(opportunity_id)]


def head(opportunities: Opportunities) -> int:
    return opportunities.recorder.max_notification_id() or 0


class InterleavingOpportunities(Opportunities):
    """An application instance that lets another writer in right after its next read: a
    deterministic stand-in for a second API process winning the race to the same version."""

    name = Opportunities.name  # same tables as the plain application

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loads = 0
        self.after_next_load: Callable[[], None] | None = None

    def load(self, opportunity_id: UUID, version: int | None = None) -> Any:
        opportunity = super().load(opportunity_id, version)
        self.loads += 1
        other_writer, self.after_next_load = self.after_next_load, None
        if other_writer is not None:
            other_writer()
        return opportunity


# --- saving and loading ------------------------------------------------------------------


def test_an_opened_opportunity_loads_back_with_its_fields(opportunities: Opportunities) -> None:
    written = opportunities.open(recorded_by="ann", fields=OPENING)

    loaded = opportunities.load(written.opportunity_id)

    assert written.version == 1
    assert loaded.id == written.opportunity_id
    assert loaded.version == 1
    [opened] = loaded.history
    assert opened.type == "OpportunityOpened"
    assert opened.data["title"] == "Fleet telematics rollout"
    assert opened.data["amount"] == 48000.0
    assert opened.recorded_by == "ann"


def test_recorded_events_load_back_in_order_with_their_versions(
    opportunities: Opportunities,
) -> None:
    deal = open_deal(opportunities)
    record(opportunities, deal, "MeetingGained", MEETING)
    written = record(opportunities, deal, "CustomerDataGathered", DATA)

    loaded = opportunities.load(deal)

    assert written.version == loaded.version == 3
    assert [(r.version, r.type) for r in loaded.history] == [
        (1, "OpportunityOpened"),
        (2, "MeetingGained"),
        (3, "CustomerDataGathered"),
    ]
    assert loaded.history[1].data == {**MEETING, "note": None}


def test_a_second_application_on_the_same_database_reads_what_the_first_wrote(
    make_opportunities: Callable[..., Opportunities],
) -> None:
    first, second = make_opportunities(), make_opportunities()
    deal = open_deal(first)
    record(first, deal, "MeetingGained", MEETING)

    assert types(second, deal) == ["OpportunityOpened", "MeetingGained"]


def test_loading_an_unknown_opportunity_raises_not_found(opportunities: Opportunities) -> None:
    with pytest.raises(OpportunityNotFound):
        opportunities.load(uuid4())
    with pytest.raises(OpportunityNotFound):
        opportunities.history(uuid4())


# --- reading the past --------------------------------------------------------------------


def test_an_opportunity_loads_as_it_was_at_an_earlier_version(
    opportunities: Opportunities,
) -> None:
    deal = open_deal(opportunities)
    record(opportunities, deal, "MeetingGained", MEETING)
    record(opportunities, deal, "CustomerDataGathered", DATA)
    record(opportunities, deal, "StakeholderBoughtIn", BUY_IN)

    then = opportunities.load(deal, version=2)

    assert then.version == 2
    assert [r.type for r in then.history] == ["OpportunityOpened", "MeetingGained"]
    assert opportunities.load(deal).version == 4


def test_history_up_to_a_version_stops_at_that_version(opportunities: Opportunities) -> None:
    deal = open_deal(opportunities)
    record(opportunities, deal, "MeetingGained", MEETING)
    record(opportunities, deal, "CustomerDataGathered", DATA)

    assert [r.version for r in opportunities.history(deal, version=2)] == [1, 2]
    assert [r.version for r in opportunities.history(deal, version=1)] == [1]
    assert [r.version for r in opportunities.history(deal)] == [1, 2, 3]


def test_history_as_of_an_instant_holds_only_what_was_recorded_by_then(
    opportunities: Opportunities, clock: Any
) -> None:
    opened_at = clock()
    deal = open_deal(opportunities)
    meeting_at = clock.advance(hours=2)
    record(opportunities, deal, "MeetingGained", MEETING)
    clock.advance(days=3)
    record(opportunities, deal, "CustomerDataGathered", DATA)

    full = opportunities.history(deal)
    assert [r.recorded_at for r in full[:2]] == [opened_at, meeting_at]
    assert [r.type for r in opportunities.history(deal, as_of=opened_at)] == ["OpportunityOpened"]
    assert [r.type for r in opportunities.history(deal, as_of=meeting_at)] == [
        "OpportunityOpened",
        "MeetingGained",
    ]
    assert len(opportunities.history(deal, as_of=clock.advance(seconds=1))) == 3


def test_history_as_of_an_instant_before_the_opening_is_not_found(
    opportunities: Opportunities, clock: Any
) -> None:
    before = clock()
    clock.advance(minutes=1)
    deal = open_deal(opportunities)

    with pytest.raises(OpportunityNotFound):
        opportunities.history(deal, as_of=before)


def test_recorded_at_comes_from_the_injected_clock_and_survives_the_round_trip(
    opportunities: Opportunities, clock: Any
) -> None:
    deal = open_deal(opportunities)
    later = clock.advance(days=1, microseconds=123)
    record(opportunities, deal, "MeetingGained", MEETING)

    opened, meeting = opportunities.history(deal)

    assert meeting.recorded_at == later
    assert meeting.recorded_at.utcoffset() is not None
    assert meeting.occurred_at == later  # business time defaults to the recording time
    assert opened.recorded_at < meeting.recorded_at


# --- conditional writes ------------------------------------------------------------------


def test_a_conditional_write_at_the_current_version_is_saved(
    opportunities: Opportunities,
) -> None:
    deal = open_deal(opportunities)

    written = record(opportunities, deal, "MeetingGained", MEETING, expected_version=1)

    assert written.version == 2
    assert types(opportunities, deal) == ["OpportunityOpened", "MeetingGained"]


def test_a_conditional_write_with_a_stale_version_raises_conflict_and_records_nothing(
    opportunities: Opportunities,
) -> None:
    deal = open_deal(opportunities)
    record(opportunities, deal, "MeetingGained", MEETING)
    position_before = head(opportunities)

    with pytest.raises(VersionConflict) as conflict:
        record(opportunities, deal, "CustomerDataGathered", DATA, expected_version=1)

    assert (conflict.value.expected, conflict.value.actual) == (1, 2)
    assert types(opportunities, deal) == ["OpportunityOpened", "MeetingGained"]
    assert head(opportunities) == position_before


def test_a_conditional_write_that_loses_a_race_raises_conflict_and_records_nothing(
    make_opportunities: Callable[..., Opportunities],
) -> None:
    other = make_opportunities()
    racer = make_opportunities(cls=InterleavingOpportunities)
    deal = open_deal(other)
    position_after_meeting: list[int] = []
    racer.after_next_load = lambda: position_after_meeting.append(
        record(other, deal, "MeetingGained", MEETING).position
    )

    with pytest.raises(VersionConflict) as conflict:
        record(racer, deal, "CustomerDataGathered", DATA, expected_version=1)

    assert conflict.value.expected == 1
    assert racer.loads == 1  # a conditional write is never retried
    assert types(other, deal) == ["OpportunityOpened", "MeetingGained"]
    assert head(other) == position_after_meeting[0]


# --- unconditional writes that race ------------------------------------------------------


def test_an_unconditional_write_that_loses_a_race_is_retried_and_kept(
    make_opportunities: Callable[..., Opportunities],
) -> None:
    other = make_opportunities()
    racer = make_opportunities(cls=InterleavingOpportunities)
    deal = open_deal(other)
    racer.after_next_load = lambda: record(other, deal, "MeetingGained", MEETING)

    written = through_writer(racer, deal, "CustomerDataGathered", DATA)

    assert racer.loads == 2  # read version 1, lost to the meeting, re-read version 2
    assert written.version == 3
    assert types(other, deal) == ["OpportunityOpened", "MeetingGained", "CustomerDataGathered"]


def test_an_unconditional_write_that_loses_a_race_to_a_close_is_rejected_not_saved(
    make_opportunities: Callable[..., Opportunities],
) -> None:
    other = make_opportunities()
    racer = make_opportunities(cls=InterleavingOpportunities)
    deal = open_deal(other)
    position_after_close: list[int] = []
    racer.after_next_load = lambda: position_after_close.append(
        record(other, deal, "ClosedLost", {"reason": "price"}).position
    )

    with pytest.raises(OpportunityClosed):
        through_writer(racer, deal, "MeetingGained", MEETING)

    assert racer.loads == 2  # the retry saw the close and the rules refused the meeting
    assert types(other, deal) == ["OpportunityOpened", "ClosedLost"]
    assert head(other) == position_after_close[0]


def test_concurrent_unconditional_writers_all_end_in_the_history(
    make_opportunities: Callable[..., Opportunities],
) -> None:
    writers = [make_opportunities() for _ in range(3)]
    deal = open_deal(writers[0])
    per_writer = 4
    failures: list[BaseException] = []
    start = threading.Barrier(len(writers))

    def write(application: Opportunities, name: str) -> None:
        writer = GroupCommitWriter(application)
        start.wait()
        try:
            for n in range(per_writer):
                writer.record(
                    deal, "CustomerDataGathered", recorded_by=name, fields={"summary": str(n)}
                ).result(timeout=30)
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            failures.append(error)
        finally:
            writer.stop()

    threads = [
        threading.Thread(target=write, args=(application, f"writer-{i}"))
        for i, application in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    history = writers[0].history(deal)
    assert [r.version for r in history] == list(range(1, 2 + len(writers) * per_writer))
    for i in range(len(writers)):
        mine = [r.data["summary"] for r in history if r.recorded_by == f"writer-{i}"]
        assert mine == [str(n) for n in range(per_writer)]


# --- log positions -----------------------------------------------------------------------


def test_each_write_returns_its_log_position_and_positions_increase(
    opportunities: Opportunities,
) -> None:
    first = opportunities.open(recorded_by="ann", fields=OPENING)
    second = opportunities.open(recorded_by="bob", fields={**OPENING, "title": "Depot sensors"})
    third = record(opportunities, first.opportunity_id, "MeetingGained", MEETING)
    fourth = record(opportunities, second.opportunity_id, "CustomerDataGathered", DATA)

    positions = [w.position for w in (first, second, third, fourth)]
    assert positions[0] > 0
    assert positions == sorted(set(positions))
    assert head(opportunities) == fourth.position
    notifications = opportunities.notification_log.select(start=positions[0], limit=10)
    assert [n.id for n in notifications] == positions


# --- database URLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root@localhost/smallwins",
        "https://example.com/smallwins",
        "smallwins.db",
        "sqlite://",
    ],
)
def test_a_database_url_naming_neither_sqlite_nor_postgresql_is_rejected(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseURL):
        parse_database_url(url)


def test_a_postgresql_url_names_the_server_database_and_schema() -> None:
    config = parse_database_url("postgresql://sam:s%40cret@db.internal:6543/deals?schema=sales")

    assert config.backend == "postgres"
    assert (config.host, config.port, config.user, config.password) == (
        "db.internal",
        6543,
        "sam",
        "s@cret",
    )
    assert (config.dbname, config.schema) == ("deals", "sales")


@pytest.mark.postgres
def test_postgresql_events_live_in_the_schema_named_by_the_url(
    postgres_database_url: str,
) -> None:
    config = parse_database_url(postgres_database_url)
    application = Opportunities(eventsourcing_env(config))
    try:
        open_deal(application)
    finally:
        application.close()

    with psycopg.connect(
        host=config.host, port=config.port, user=config.user, dbname=config.dbname
    ) as connection:
        tables = connection.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name LIKE %s",
            ("smallwins%",),
        ).fetchall()
    schemas = {schema for (schema,) in tables}
    assert config.schema in schemas  # other tests' schemas may share this database
    assert "public" not in schemas


# --- SQLite durability -------------------------------------------------------------------

SYNCHRONOUS_LEVELS = {"NORMAL": 1, "FULL": 2, "EXTRA": 3}


def sqlite_pragma(application: Opportunities, pragma: str) -> Any:
    """`PRAGMA <pragma>` on a connection from the library's own pool."""
    datastore = application.factory.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(f"PRAGMA {pragma}")
        return cursor.fetchone()[0]


def test_sqlite_runs_in_wal_mode_with_full_synchronous_by_default(tmp_path: Path) -> None:
    path = tmp_path / "smallwins.db"
    application = Opportunities(eventsourcing_env(parse_database_url(f"sqlite:///{path}")))
    try:
        assert isinstance(application.factory, DurableSQLiteFactory)
        open_deal(application)
        assert sqlite_pragma(application, "synchronous") == SYNCHRONOUS_LEVELS["FULL"]
        assert sqlite_pragma(application, "journal_mode") == "wal"
    finally:
        application.close()

    with sqlite3.connect(path) as raw:  # WAL is a property of the file, seen by anyone
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("level", ["NORMAL", "FULL", "EXTRA"])
def test_sqlite_applies_the_configured_synchronous_level_to_every_connection(
    tmp_path: Path, level: str
) -> None:
    config = parse_database_url(f"sqlite:///{tmp_path / 'smallwins.db'}", synchronous=level)
    application = Opportunities(eventsourcing_env(config))
    try:
        open_deal(application)
        datastore = application.factory.datastore  # type: ignore[attr-defined]
        # Hold a writer connection while a reader takes a second one from the pool.
        with datastore.transaction(commit=True) as writer:
            writer.execute("PRAGMA synchronous")
            assert writer.fetchone()[0] == SYNCHRONOUS_LEVELS[level]
            assert sqlite_pragma(application, "synchronous") == SYNCHRONOUS_LEVELS[level]
    finally:
        application.close()


def test_sqlite_refuses_an_unknown_synchronous_level(tmp_path: Path) -> None:
    env = eventsourcing_env(parse_database_url(f"sqlite:///{tmp_path / 'smallwins.db'}"))
    env["SQLITE_SYNCHRONOUS"] = "OFF"

    with pytest.raises(OSError, match="SQLITE_SYNCHRONOUS"):
        Opportunities(env)


def test_on_sqlite_the_views_commit_without_fsync_while_events_keep_full(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'smallwins.db'}")
    services = build_services(settings)
    try:
        open_deal(services.opportunities)
        assert services.runner.catch_up() >= 0
        with services.runner.database.read() as cursor:
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == SYNCHRONOUS_LEVELS["NORMAL"]
        with services.database.read() as cursor:
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == SYNCHRONOUS_LEVELS["FULL"]
        assert sqlite_pragma(services.opportunities, "synchronous") == SYNCHRONOUS_LEVELS["FULL"]
        with services.database.read() as cursor:  # the runner's commits are seen by readers
            cursor.execute("SELECT COUNT(*) FROM pipeline")
            assert cursor.fetchone()[0] == 1
    finally:
        services.close()


def test_a_store_that_is_not_full_keeps_one_gateway_for_views_and_reads(tmp_path: Path) -> None:
    config = parse_database_url(f"sqlite:///{tmp_path / 'smallwins.db'}", synchronous="NORMAL")
    database = Database(config)
    try:
        assert views_database(database) is database
    finally:
        database.close()
