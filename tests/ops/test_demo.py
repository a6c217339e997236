"""`smallwins demo`: a realistic, deterministic synthetic history written through the
domain's own commands. (Its speed is measured by bench/, never asserted here.)"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import cli
from api.services import Services
from demo import generate
from demo.parallel import WorkerFailed, rows_in_parallel
from demo.people import DemoPeople, RunSecret
from demo.telling import linked, stored
from domain.application import Opportunities
from domain.ids import millis_of
from domain.records import DECISION_ROLES, EVENT_TYPES
from domain.relationships import relationships
from domain.state import fold
from projections.analysis import analyze
from storage.people import lookup_of
from tests.conftest import TEST_INTEGRITY_KEY
from tests.ops.stores import (
    END,
    all_verify,
    demo,
    exported,
    histories,
    is_empty,
    open_services,
)

SELLER_EVENTS = {"SellerRegistered", "GoalsSet"}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """One larger demo on SQLite, shared by the read-only realism checks below."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    services = open_services(url)
    demo(services, 600, seed=11)
    yield services
    services.close()


def other_store(tmp_path: Path, name: str) -> Services:
    return open_services(f"sqlite:///{tmp_path / name}")


def test_the_same_seed_writes_the_same_history(tmp_path: Path) -> None:
    first, second = other_store(tmp_path, "one.db"), other_store(tmp_path, "two.db")
    try:
        demo(first, 120, seed=5)
        demo(second, 120, seed=5, batch_size=37)
        # The same events, ids included; each run seals its people under keys of its own.
        assert histories(first) == histories(second)
    finally:
        first.close()
        second.close()


def test_worker_processes_write_the_same_history_as_one_process(tmp_path: Path) -> None:
    alone, shared = other_store(tmp_path, "alone.db"), other_store(tmp_path, "shared.db")
    try:
        demo(alone, 80, seed=3, workers=0)
        demo(shared, 80, seed=3, workers=2)
        assert histories(alone) == histories(shared)
    finally:
        alone.close()
        shared.close()


@pytest.mark.parametrize("seed", [1, 7, 11])
def test_the_bulk_path_stores_byte_for_byte_what_the_domains_commands_record(seed: int) -> None:
    app = Opportunities({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    key, end = bytes.fromhex(TEST_INTEGRITY_KEY), END.timestamp()
    secret = RunSecret(bytes(range(32)))  # the same people's keys for both ways of telling
    checked = list(linked(stored(seed, 400, end, app.mapper, secret=secret, checked=True), key))
    direct = list(linked(stored(seed, 400, end, app.mapper, secret=secret, checked=False), key))
    assert len(checked) > 3000
    # Every event type, the plan's moves and the corrections included, and the reps' goals.
    assert {row[5].rsplit(".", 1)[1] for row in checked} == {*EVENT_TYPES, *SELLER_EVENTS}
    assert direct == checked  # ids, versions, topics, bytes, links, statuses, people made


def test_a_demo_told_through_the_domains_commands_writes_the_same_store(tmp_path: Path) -> None:
    direct, checked = other_store(tmp_path, "direct.db"), other_store(tmp_path, "checked.db")
    try:
        demo(direct, 100, seed=9, workers=2)
        demo(checked, 100, seed=9, workers=2, checked=True)
        # Each run seals its people under keys of its own: the same history, other bytes.
        assert histories(direct) == histories(checked)
        assert all_verify(direct)
    finally:
        direct.close()
        checked.close()


def test_a_failing_worker_is_reported_with_its_traceback(tmp_path: Path) -> None:
    services = other_store(tmp_path, "failing.db")
    try:
        app = services.opportunities
        bad_end: Any = "not a time"
        key, secret = services.integrity_key, RunSecret(bytes(32))
        with pytest.raises(WorkerFailed, match="TypeError"):
            list(rows_in_parallel(app, key, secret, (1, 50, bad_end, False, True), 2))
    finally:
        services.close()


def test_another_seed_writes_another_history(tmp_path: Path) -> None:
    first, second = other_store(tmp_path, "one.db"), other_store(tmp_path, "two.db")
    try:
        demo(first, 40, seed=1)
        demo(second, 40, seed=2)
        assert exported(first) != exported(second)
    finally:
        first.close()
        second.close()


def test_the_demo_has_every_status_pauses_and_late_entries(pipeline: Services) -> None:
    stories = histories(pipeline)
    assert len(stories) == 600
    statuses = Counter(fold(records).lifecycle.status for records in stories.values())
    assert set(statuses) == {"open", "paused", "won", "lost"}
    assert statuses["won"] + statuses["lost"] > statuses["open"] + statuses["paused"]
    kinds = Counter(r.type for records in stories.values() for r in records)
    assert kinds["Paused"] > kinds["Resumed"] > 0
    closed_while_paused = [
        records for records in stories.values()
        if len(records) > 1 and records[-2].type == "Paused" and fold(records).lifecycle.status in ("won", "lost")
    ]  # fmt: skip
    assert closed_while_paused
    late = [
        (records[i - 1], r) for records in stories.values() for i, r in enumerate(records)
        if i and r.occurred_at < records[i - 1].occurred_at
    ]  # fmt: skip
    assert len(late) > 20
    planned = [r for records in stories.values() for r in records if r.type == "InteractionPlanned"]
    assert {r.data["commitment_objective"] is None for r in planned} == {True, False}
    completed = [r for rs in stories.values() for r in rs if r.type == "InteractionCompleted"]
    assert {r.data["commitment_gained"] for r in completed} == {True, False}
    reasons = {r.data["reason"] for rs in stories.values() for r in rs if r.type == "ClosedLost"}
    assert {"no_fit", "price", "competitor", "no_decision", "timing"} <= reasons


def test_the_demo_has_a_team_and_returning_accounts(pipeline: Services) -> None:
    stories = histories(pipeline)
    opened = [records[0].data for records in stories.values()]
    assert len({o["owner"] for o in opened}) >= 10
    per_account = Counter(o["account"] for o in opened)
    assert max(per_account.values()) >= 3
    roles = {
        r.data["role"] for rs in stories.values() for r in rs if r.type == "StakeholderBoughtIn"
    }
    assert roles >= DECISION_ROLES
    assert {"champion", "influencer"} <= roles
    assert any(len(relationships(rs).departments) >= 3 for rs in stories.values())


def test_the_demo_is_recorded_in_order_in_the_past(pipeline: Services) -> None:
    stories = histories(pipeline)
    log = sorted((r for rs in stories.values() for r in rs), key=lambda r: r.recorded_at)
    assert log[0].recorded_at >= END - timedelta(days=731)
    assert log[-1].recorded_at <= END
    for records in stories.values():
        assert all(a.recorded_at < b.recorded_at for a, b in pairwise(records))
        assert all(r.occurred_at <= r.recorded_at + timedelta(minutes=5) for r in records)
        assert all(r.occurred_at >= records[0].occurred_at for r in records)
    # Time-ordered ids, as the domain makes them: the millisecond the opening was recorded.
    assert {opportunity.version for opportunity in stories} == {7}
    for deal, records in stories.items():
        assert deal.int >> 80 == millis_of(records[0].recorded_at)


def test_every_demo_history_verifies(pipeline: Services) -> None:
    assert all_verify(pipeline)


def test_the_win_analysis_of_the_demo_shows_what_wins(pipeline: Services) -> None:
    answer = analyze(pipeline.opportunities)
    assert answer["closed"] > 300
    assert 0.2 < answer["win_rate"] < 0.6
    rates = [row["win_rate"] for row in answer["by_bought_in_departments"]]
    assert rates[0] < rates[1] < rates[2] < rates[3]
    objectives = answer["commitment_objectives"]
    assert objectives["with"]["win_rate"] > objectives["without"]["win_rate"]
    lifts = {row["type"]: row["lift"] for row in answer["by_small_win"]}
    assert all(lift is None or lift > 1 for lift in lifts.values())
    assert answer["pauses"]["won"] > 0
    assert answer["pauses"]["lost"] > 0
    assert len(answer["paths"]) == 10


def test_deals_with_a_decision_maker_bought_in_win_more_often(pipeline: Services) -> None:
    won = Counter[bool]()
    closed = Counter[bool]()
    for records in histories(pipeline).values():
        status = fold(records).lifecycle.status
        if status not in ("won", "lost"):
            continue
        decider = any(d.depth == "decision_maker" for d in relationships(records).departments)
        closed[decider] += 1
        won[decider] += status == "won"
    assert won[True] / closed[True] > 2 * won[False] / closed[False]


def test_generate_refuses_an_end_in_the_future(tmp_path: Path) -> None:
    services = other_store(tmp_path, "future.db")
    try:
        with pytest.raises(ValueError, match="future"):
            generate(services.opportunities, end=datetime.now(UTC) + timedelta(days=1))
        assert is_empty(services)
    finally:
        services.close()


def test_the_demo_command_prints_its_rate_and_refuses_a_store_with_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMALLWINS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    args = ["demo", "--opportunities", "30", "--seed", "4", "--end", "2025-06-30"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "for 30 opportunities" in result.output
    assert "events/s" in result.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "empty store" in again.output


def test_the_demo_command_tells_the_same_history_when_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    told = []
    for name, extra in (("fast.db", []), ("checked.db", ["--checked"])):
        url = f"sqlite:///{tmp_path / name}"
        monkeypatch.setenv("SMALLWINS_DATABASE_URL", url)
        args = ["demo", "--opportunities", "25", "--seed", "4", "--end", "2025-06-30", *extra]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        services = open_services(url)
        try:
            told.append(histories(services))
        finally:
            services.close()
    assert told[0] == told[1]  # the same history (each run seals its people its own way)
    assert sum(len(records) for records in told[0].values()) > 100


def test_a_demo_added_to_a_store_with_events_adds_deals_and_no_more_goals(tmp_path: Path) -> None:
    services = other_store(tmp_path, "grown.db")  # as the benchmarks grow their stores
    try:
        demo(services, 60, seed=1)
        goals_before = _goals_set(services)
        demo(services, 60, seed=2)
        assert len(histories(services)) == 120
        assert _goals_set(services) == goals_before > 0
        assert all_verify(services)
    finally:
        services.close()


def test_a_demo_added_to_a_store_names_its_people_again_with_their_own_reference(
    tmp_path: Path,
) -> None:
    services = other_store(tmp_path, "grown.db")
    try:
        demo(services, 150, seed=1)
        head = services.opportunities.recorder.max_notification_id()
        before = services.people.named()
        demo(services, 150, seed=2)  # names some of the same people of the same accounts
        assert before.items() <= services.people.named().items()  # no one made again
        added = services.opportunities.recorder.select_notifications(
            start=head, limit=100_000, inclusive_of_start=False
        )
        known = {reference for reference, _key in before.values()}
        named_again = {
            ref.decode() for n in added for ref in re.findall(rb"person-[0-9a-f]{12}", n.state)
        } & known
        assert named_again
        shown = [str(v) for r in services.opportunities.records_of(added) for v in r.data.values()]
        assert not [value for value in shown if value.startswith("person-")]  # every name opens
        assert all_verify(services)
    finally:
        services.close()


def test_the_demo_names_a_person_the_store_finds_by_name_with_their_reference_and_key() -> None:
    lookup_secret = bytes(range(32))
    stored = ("person-0123456789ab", bytes(range(32, 64)))
    named = {lookup_of(lookup_secret, "Acme", "Ana Silva"): stored}
    people = DemoPeople(RunSecret(bytes(32), lookup_secret, named))

    ana = people.person("ACME ", "ana  silva")
    assert (ana.reference, ana.key) == stored
    assert people.mentioned("Acme", ["ana", "silva"]) == [stored[0]]
    other = people.person("Acme", "Ben Okafor")
    assert other.reference != stored[0]
    assert [made[0] for made in people.take()] == [other.reference]  # only Ben is new


def _goals_set(services: Services) -> int:
    with services.database.read() as cursor:
        cursor.execute("SELECT COUNT(*) FROM stored_events WHERE topic LIKE '%.GoalsSet'")
        return int(cursor.fetchone()[0])
