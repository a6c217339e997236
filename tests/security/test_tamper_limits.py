"""Where the hash chain's guarantee ends, on the real tables of both backends (docs/security.md).

The chain's heads live in the same database as the events. Someone who can write to it AND
holds the integrity key can write links that verify; someone who can write to it can also cut
a history back consistently (its last events, their links, and the head rewound to the
earlier link) or remove a whole opportunity (events, links and head): `verify` cannot tell
those from a history that was always so. An anchor kept outside the database, such as the
links of a `smallwins export`, tells them apart."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import orjson
import pytest

from api.services import Services, build_services
from api.settings import Settings
from storage.audit import all_opportunity_ids, verify_opportunity
from storage.chain import link
from storage.transfer import export_events

SMALL_POOLS: dict[str, Any] = {"postgres_pool_size": 2, "postgres_max_overflow": 8}


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    built = build_services(Settings(database_url=database_url, **SMALL_POOLS))
    yield built
    built.close()


def deal_with_history(services: Services, account: str) -> UUID:
    app = services.opportunities
    deal = app.open(recorded_by="jo", fields={"title": "T", "account": account}).opportunity_id
    for summary in ("three plants", "forty trucks"):
        app.record(deal, "CustomerDataGathered", recorded_by="jo", fields={"summary": summary})
    app.record(deal, "ClosedWon", recorded_by="jo", fields={})
    return deal


def every_history_verifies(services: Services) -> bool:
    recorder, database = services.opportunities.recorder, services.database
    found = [
        verify_opportunity(recorder, database, services.integrity_key, oid)
        for oid in all_opportunity_ids(recorder, database)
    ]
    return all(f is not None and f.ok for f in found)


def execute(services: Services, sql: str, *params: Any) -> None:
    table = "smallwins_events" if services.database.is_postgres else "stored_events"
    with services.database.transaction() as cursor:
        cursor.execute(sql.replace("EVENTS", table), params)


def stored_id(services: Services, deal: UUID) -> Any:
    return deal if services.database.is_postgres else deal.hex


def anchor(services: Services) -> dict[str, tuple[int, str]]:
    """The last link of every opportunity, as a `smallwins export` taken now records it."""
    out = io.BytesIO()
    export_events(services.opportunities.recorder, services.database, services.integrity_key, out)
    heads: dict[str, tuple[int, str]] = {}
    for line in out.getvalue().splitlines()[1:]:  # the first line is the header
        event = orjson.loads(line)
        heads[event["originator_id"]] = (event["version"], event["link"])
    return heads


def departures_from(services: Services, anchored: dict[str, tuple[int, str]]) -> list[str]:
    """The anchored opportunities whose chain no longer holds the anchored link."""
    with services.database.read() as cursor:
        cursor.execute("SELECT originator_id, version, link FROM event_chain")
        links = {(str(oid), int(v)): str(value) for oid, v, value in cursor.fetchall()}
    return sorted(oid for oid, (v, value) in anchored.items() if links.get((oid, v)) != value)


def test_a_forger_who_holds_the_integrity_key_can_write_links_that_verify(
    services: Services,
) -> None:
    deal = deal_with_history(services, "Acme")
    forged_state = b'{"summary":"four hundred trucks"}'
    execute(
        services,
        "UPDATE EVENTS SET state = ? WHERE originator_id = ? AND originator_version = 2",
        forged_state,
        stored_id(services, deal),
    )
    # Re-link the chain from the changed event on, as only a holder of the key can.
    events = list(services.opportunities.recorder.select_events(deal))
    previous = ""
    with services.database.transaction() as cursor:
        for event in events:
            if event.originator_version == 1:
                cursor.execute(
                    "SELECT link FROM event_chain WHERE originator_id = ? AND version = 1",
                    (str(deal),),
                )
                previous = str(cursor.fetchone()[0])
                continue
            previous = link(
                services.integrity_key,
                previous,
                deal,
                event.originator_version,
                event.topic,
                event.state,
            )
            cursor.execute(
                "UPDATE event_chain SET link = ? WHERE originator_id = ? AND version = ?",
                (previous, str(deal), event.originator_version),
            )
        cursor.execute(
            "UPDATE chain_heads SET link = ? WHERE originator_id = ?", (previous, str(deal))
        )

    assert every_history_verifies(services)  # the key is the whole secret


def test_a_cut_back_history_with_a_rewound_head_and_a_removed_deal_pass_verify_but_not_an_anchor(
    services: Services,
) -> None:
    cut, removed, kept = (
        deal_with_history(services, name) for name in ("Acme", "Initech", "Umbrella")
    )
    anchored = anchor(services)

    # Cut the last event of one deal, its link, and rewind the head to the link before it.
    execute(services, "DELETE FROM EVENTS WHERE originator_id = ? AND originator_version = 4",
            stored_id(services, cut))  # fmt: skip
    with services.database.transaction() as cursor:
        cursor.execute(
            "DELETE FROM event_chain WHERE originator_id = ? AND version = 4", (str(cut),)
        )
        cursor.execute(
            "SELECT link FROM event_chain WHERE originator_id = ? AND version = 3", (str(cut),)
        )
        earlier = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE chain_heads SET version = 3, link = ? WHERE originator_id = ?",
            (earlier, str(cut)),
        )
    # Remove another deal altogether: its events, its links and its head.
    execute(services, "DELETE FROM EVENTS WHERE originator_id = ?", stored_id(services, removed))
    with services.database.transaction() as cursor:
        cursor.execute("DELETE FROM event_chain WHERE originator_id = ?", (str(removed),))
        cursor.execute("DELETE FROM chain_heads WHERE originator_id = ?", (str(removed),))

    assert every_history_verifies(services)  # not detectable from inside the database...
    assert departures_from(services, anchored) == sorted([str(cut), str(removed)])  # ...but so
    assert str(kept) not in departures_from(services, anchored)
