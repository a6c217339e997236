"""The recorders write events and their hash-chain links in one transaction, on SQLite and
PostgreSQL: several chains in one batch, writers in other processes; on PostgreSQL a write
to a chain it extended last is a single statement."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, RecordConflictError, StoredEvent

from domain.application import Opportunities
from domain.opportunity import Opportunity, Stamp
from storage.audit import verify_opportunity
from storage.chain import GENESIS, Linked, link
from storage.config import eventsourcing_env, parse_database_url
from storage.gateway import Database
from tests.conftest import TEST_INTEGRITY_KEY

KEY = bytes.fromhex(TEST_INTEGRITY_KEY)
TOPIC = "domain.opportunity:Opportunity.CustomerDataGathered"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    built = Database(parse_database_url(database_url))
    yield built
    built.close()


def open_deal(app: Opportunities) -> UUID:
    return app.open(recorded_by="jo", fields={"title": "T", "account": "Acme"}).opportunity_id


def gather(app: Opportunities, deal: UUID) -> int:
    written = app.record(deal, "CustomerDataGathered", recorded_by="jo", fields={"summary": "x"})
    return written.version


def gathered(app: Opportunities, deal: Opportunity) -> Opportunity:
    deal.record("CustomerDataGathered", Stamp("jo", app.clock()), {"summary": "y"})
    return deal


def verified(app: Opportunities, database: Database, deal: UUID) -> bool:
    found = verify_opportunity(app.recorder, database, KEY, deal)
    return found is not None and found.ok


def test_one_batch_of_events_on_several_chains_links_each_chain(
    opportunities: Opportunities, database: Database
) -> None:
    deals = [uuid4(), uuid4(), uuid4()]
    events = [
        StoredEvent(deal, version, TOPIC, b'{"summary":"%d"}' % version)
        for version in (1, 2, 3)
        for deal in deals  # interleaved: the recorder links each chain in version order
    ]

    positions = opportunities.recorder.insert_events(events)

    assert positions is not None
    assert len(positions) == len(events)
    assert list(positions) == sorted(positions)
    assert all(verified(opportunities, database, deal) for deal in deals)


def test_a_write_on_a_version_another_process_took_is_a_conflict_that_leaves_the_chain_whole(
    make_opportunities: Callable[..., Opportunities], database: Database
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    deal = open_deal(ours)
    gather(ours, deal)  # ours knows the chain's head at version 2
    stale = ours.load(deal)
    assert gather(theirs, deal) == 3

    with pytest.raises(RecordConflictError):
        ours.save(gathered(ours, stale))

    assert [r.version for r in ours.history(deal)] == [1, 2, 3]
    assert verified(ours, database, deal)
    assert gather(ours, deal) == 4  # the next write links onto their head
    assert verified(ours, database, deal)


def test_a_chain_another_process_extended_is_linked_from_its_new_head(
    make_opportunities: Callable[..., Opportunities], database: Database
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    deal = open_deal(ours)
    gather(ours, deal)
    gather(theirs, deal)
    gather(theirs, deal)

    assert gather(ours, deal) == 5
    assert verified(ours, database, deal)


def new_deal_linked(app: Opportunities, events: int) -> tuple[UUID, list[Linked]]:
    """A new deal's first `events` stored events, linked as a bulk writer links them."""
    deal = Opportunity.open(Stamp("jo", app.clock()), {"title": "T", "account": "Acme"})
    for _ in range(events - 1):
        gathered(app, deal)
    linked: list[Linked] = []
    previous = GENESIS
    for event in deal.collect_events():
        s = app.mapper.to_stored_event(event)
        previous = link(KEY, previous, s.originator_id, s.originator_version, s.topic, s.state)
        linked.append((str(deal.id), s.originator_version, s.topic, s.state, previous))
    return deal.id, linked


def test_events_linked_by_the_caller_are_written_with_their_links_and_verify(
    opportunities: Opportunities, database: Database
) -> None:
    first, first_events = new_deal_linked(opportunities, 3)
    second, second_events = new_deal_linked(opportunities, 2)
    interleaved = [first_events[0], second_events[0], first_events[1], second_events[1]]

    opportunities.recorder.insert_linked([*interleaved, first_events[2]])  # type: ignore[attr-defined]

    assert verified(opportunities, database, first)
    assert verified(opportunities, database, second)
    assert [r.version for r in opportunities.history(first)] == [1, 2, 3]
    assert gather(opportunities, first) == 4  # the usual path links onto the new head
    assert verified(opportunities, database, first)


def test_linked_events_on_a_version_already_taken_are_refused_and_nothing_is_written(
    opportunities: Opportunities, database: Database
) -> None:
    taken, taken_events = new_deal_linked(opportunities, 1)
    opportunities.recorder.insert_linked(taken_events)  # type: ignore[attr-defined]
    fresh, fresh_events = new_deal_linked(opportunities, 2)

    with pytest.raises(IntegrityError):
        opportunities.recorder.insert_linked([*fresh_events, *taken_events])  # type: ignore[attr-defined]

    assert list(opportunities.recorder.select_events(fresh)) == []
    assert verified(opportunities, database, taken)
    with database.read() as cursor:
        cursor.execute("SELECT COUNT(*) FROM event_chain WHERE originator_id = ?", [str(fresh)])
        assert cursor.fetchone()[0] == 0


@pytest.fixture
def postgres_opportunities(postgres_database_url: str) -> Iterator[Opportunities]:
    config = parse_database_url(postgres_database_url, pool_size=2, max_overflow=2)
    app = Opportunities(eventsourcing_env(config, TEST_INTEGRITY_KEY))
    yield app
    app.close()


@pytest.mark.postgres
def test_on_postgresql_a_write_to_a_chain_it_extended_last_is_one_statement(
    postgres_opportunities: Opportunities, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = postgres_opportunities
    deal = app.load(open_deal(app))
    statements: list[str] = []
    execute = psycopg.Cursor.execute

    def counting(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    app.save(gathered(app, deal))

    assert len(statements) == 1
    assert "smallwins_append" in statements[0]


def test_the_plain_log_reader_gives_the_notifications_rows_between_two_positions(
    opportunities: Opportunities,
) -> None:
    deals = [open_deal(opportunities) for _ in range(3)]
    for deal in deals:
        gather(opportunities, deal)
    recorder: Any = opportunities.recorder
    head = recorder.max_notification_id()

    rows = recorder.select_log(1, head - 1, 3)

    expected = recorder.select_notifications(
        start=1, limit=3, stop=head - 1, inclusive_of_start=False
    )
    assert [(r[0], UUID(str(r[1])), r[2], r[3], bytes(r[4])) for r in rows] == [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in expected
    ]
    assert [r[0] for r in recorder.select_log(head - 2, head, 10)] == [head - 1, head]
