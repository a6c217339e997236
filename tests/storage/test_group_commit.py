"""Group commit: one transaction per batch, and each command gets its own outcome; the
writer's own copies of the opportunities, kept current from the log when other processes
write the same store."""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import RecordConflictError

from domain.application import Opportunities
from domain.errors import (
    InvalidValue,
    NotPaused,
    OpportunityClosed,
    OpportunityNotFound,
    OpportunityPaused,
    VersionConflict,
)
from storage import copies
from storage.copies import Copies
from storage.writer import ATTEMPTS, Command, GroupCommitWriter

MEETING = {"contact": "Dana", "department": "IT"}


def open_deal(app: Opportunities) -> Any:
    return app.open(recorded_by="jo", fields={"title": "T", "account": "Acme"}).opportunity_id


def command(deal: Any, event_type: str, expected: int | None = None, **fields: Any) -> Command:
    return Command("jo", fields, None, None, deal, event_type, expected)


def test_a_batch_saves_the_good_commands_and_fails_only_the_bad_ones(
    opportunities: Opportunities,
) -> None:
    writer = GroupCommitWriter(opportunities)
    deal, other = open_deal(opportunities), open_deal(opportunities)
    batch = [
        command(deal, "MeetingGained", contact="Dana", department="IT"),
        command(deal, "Resumed"),  # not paused: fails alone
        command(deal, "CustomerDataGathered", expected=1, summary="stale"),  # deal is at 2 now
        command(deal, "CustomerDataGathered", expected=2, summary="three plants"),
        command(other, "MeetingGained", contact="", department="IT"),  # invalid field
        command(uuid4(), "MeetingGained", contact="Sam", department="IT"),  # no such deal
        command(other, "ClosedWon"),
        command(other, "MeetingGained", contact="Sam", department="IT"),  # closed by now
        Command("jo", {"title": "New", "account": "Globex"}, None, None),
    ]
    writer.write_batch(batch)
    outcomes = [c.future.exception() or c.future.result() for c in batch]
    assert isinstance(outcomes[1], NotPaused)
    assert isinstance(outcomes[2], VersionConflict)
    assert isinstance(outcomes[4], InvalidValue)
    assert isinstance(outcomes[5], OpportunityNotFound)
    assert isinstance(outcomes[7], OpportunityClosed)
    assert [outcomes[i].version for i in (0, 3, 6, 8)] == [2, 3, 2, 1]  # type: ignore[union-attr]
    positions = [outcomes[i].position for i in (0, 3, 6, 8)]  # type: ignore[union-attr]
    assert positions == sorted(positions)
    assert [r.type for r in opportunities.history(deal)] == [
        "OpportunityOpened", "MeetingGained", "CustomerDataGathered",
    ]  # fmt: skip
    assert [r.type for r in opportunities.history(other)] == ["OpportunityOpened", "ClosedWon"]


def test_a_batch_is_one_transaction(
    opportunities: Opportunities, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommitWriter(opportunities)
    deals = [open_deal(opportunities) for _ in range(5)]
    calls: list[int] = []
    save = opportunities.save

    def counting_save(*aggregates: Any) -> Any:
        calls.append(len(aggregates))
        return save(*aggregates)

    monkeypatch.setattr(opportunities, "save", counting_save)
    batch = [command(d, "CustomerDataGathered", summary="x") for d in deals for _ in range(3)]
    writer.write_batch(batch)
    assert calls == [5]
    assert all(c.future.result().version in (2, 3, 4) for c in batch)


def test_a_crash_between_the_batch_and_its_commit_acknowledges_nothing(
    opportunities: Opportunities, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommitWriter(opportunities)
    deal = open_deal(opportunities)
    head = opportunities.recorder.max_notification_id()

    def crash(*_aggregates: Any) -> Any:
        raise OSError("the disk went away before the commit")

    monkeypatch.setattr(opportunities, "save", crash)
    batch = [command(deal, "CustomerDataGathered", summary=str(n)) for n in range(4)]
    for c in batch:
        writer._submit(c)
    for c in batch:
        with pytest.raises(OSError, match="disk went away"):
            c.future.result(timeout=10)
    writer.stop()
    assert opportunities.recorder.max_notification_id() == head
    assert len(opportunities.history(deal)) == 1


def test_a_conflict_with_another_process_reruns_the_batch_on_the_fresh_state(
    make_opportunities: Any,
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    writer = GroupCommitWriter(ours)
    deal = open_deal(ours)
    batch = [
        command(deal, "CustomerDataGathered", summary="unconditional"),
        command(deal, "MeetingGained", expected=2, contact="Dana", department="IT"),
    ]
    load = ours.load

    def load_then_lose_the_race(opportunity_id: Any, version: int | None = None) -> Any:
        found = load(opportunity_id, version)
        theirs.record(
            opportunity_id,
            "MeetingGained",
            recorded_by="lee",
            fields={"contact": "Sam", "department": "IT"},
        )
        ours.load = load  # type: ignore[method-assign]
        return found

    ours.load = load_then_lose_the_race  # type: ignore[method-assign]
    writer.write_batch(batch)
    assert batch[0].future.result().version == 3  # kept, after their write
    assert isinstance(batch[1].future.exception(), VersionConflict)  # they moved version 2 on
    assert [r.type for r in ours.history(deal)] == [
        "OpportunityOpened", "MeetingGained", "CustomerDataGathered",
    ]  # fmt: skip


def test_concurrent_writers_through_the_writer_lose_nothing(opportunities: Opportunities) -> None:
    writer = GroupCommitWriter(opportunities)
    deals = [open_deal(opportunities) for _ in range(4)]
    results: list[Any] = []

    def work(n: int) -> None:
        futures = [
            writer.record(
                deals[n % 4],
                "CustomerDataGathered",
                recorded_by="jo",
                fields={"summary": f"{n}-{i}"},
            )
            for i in range(10)
        ]
        results.extend(f.result(timeout=30) for f in futures)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    writer.stop()
    assert len(results) == 80
    for deal in deals:
        history = opportunities.history(deal)
        assert [r.version for r in history] == list(range(1, 22))
    assert len({r.position for r in results}) == 80


def test_the_writer_sees_what_another_process_wrote_since_its_last_write(
    make_opportunities: Any,
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    writer = GroupCommitWriter(ours)
    deal = open_deal(ours)
    first = command(deal, "MeetingGained", contact="Dana", department="IT")
    writer.write_batch([first])
    assert first.future.result().version == 2
    theirs.record(deal, "Paused", recorded_by="lee", fields={"reason": "budget"})
    blocked = command(deal, "CustomerDataGathered", summary="x")
    resumed = command(deal, "Resumed", expected=3)
    writer.write_batch([blocked, resumed])
    assert isinstance(blocked.future.exception(), OpportunityPaused)
    assert resumed.future.result().version == 4


# --- the writer's own copies ------------------------------------------------------------


class Spy:
    """Counts the store reads and saves of an application (wrapping, not replacing, them)."""

    def __init__(self, app: Opportunities, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads: list[str] = []
        self.saves: list[int] = []
        recorder = app.recorder
        for name in ("select_events", "select_notifications", "max_notification_id"):
            monkeypatch.setattr(recorder, name, self._reading(name, getattr(recorder, name)))
        save = app.save

        def counting_save(*aggregates: Any) -> Any:
            self.saves.append(len(aggregates))
            return save(*aggregates)

        monkeypatch.setattr(app, "save", counting_save)

    def _reading(self, name: str, method: Any) -> Any:
        def read(*args: Any, **kwargs: Any) -> Any:
            self.reads.append(name)
            return method(*args, **kwargs)

        return read


def opened_by(writer: GroupCommitWriter, count: int) -> list[Any]:
    batch = [Command("jo", {"title": f"T{n}", "account": "Acme"}, None, None) for n in range(count)]
    writer.write_batch(batch)
    return [c.future.result().opportunity_id for c in batch]


def test_commands_on_opportunities_the_writer_saved_read_nothing_from_the_store(
    opportunities: Opportunities, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommitWriter(opportunities)
    deals = opened_by(writer, 3)
    spy = Spy(opportunities, monkeypatch)

    for _round in range(3):
        batch = [command(d, "CustomerDataGathered", summary="x") for d in deals]
        writer.write_batch(batch)
        assert all(c.future.exception() is None for c in batch)

    assert spy.reads == []
    assert spy.saves == [3, 3, 3]
    assert [len(opportunities.history(d)) for d in deals] == [4, 4, 4]


def test_what_another_process_wrote_is_read_from_the_log_once_before_the_next_batch(
    make_opportunities: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    writer = GroupCommitWriter(ours)
    first, second = opened_by(writer, 2)
    theirs.record(second, "MeetingGained", recorded_by="lee", fields=MEETING)
    writer.write_batch([command(first, "CustomerDataGathered", summary="x")])  # sees a gap
    spy = Spy(ours, monkeypatch)

    conditional = command(second, "CustomerDataGathered", expected=2, summary="after theirs")
    writer.write_batch([conditional])

    assert conditional.future.result().version == 3
    assert spy.reads == ["select_notifications"]
    assert spy.saves == [1]  # no clash: the copy had their event before the batch ran


def test_a_batch_that_clashes_with_another_process_runs_again_as_one_batch(
    make_opportunities: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    writer = GroupCommitWriter(ours)
    first, second = opened_by(writer, 2)
    theirs.record(first, "MeetingGained", recorded_by="lee", fields=MEETING)  # unseen by ours
    spy = Spy(ours, monkeypatch)

    batch = [command(d, "CustomerDataGathered", summary="x") for d in (first, second)]
    writer.write_batch(batch)

    assert [c.future.result().version for c in batch] == [3, 2]
    assert spy.saves == [2, 2]  # the clash, then the same batch on their event
    assert [r.type for r in ours.history(first)] == [
        "OpportunityOpened", "MeetingGained", "CustomerDataGathered",
    ]  # fmt: skip


def test_a_batch_that_keeps_clashing_is_run_one_command_at_a_time(
    opportunities: Opportunities, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommitWriter(opportunities)
    deals = opened_by(writer, 2)
    save = opportunities.save
    clashes: list[int] = []

    def clashing_save(*aggregates: Any) -> Any:
        if len(clashes) < ATTEMPTS:
            clashes.append(len(aggregates))
            raise RecordConflictError("another writer won")
        return save(*aggregates)

    monkeypatch.setattr(opportunities, "save", clashing_save)
    batch = [command(d, "CustomerDataGathered", summary="x") for d in deals]
    writer.write_batch(batch)

    assert clashes == [2] * ATTEMPTS
    assert [c.future.result().version for c in batch] == [2, 2]


def test_a_failure_on_a_copy_is_reported_once_the_log_shows_nothing_newer(
    opportunities: Opportunities, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommitWriter(opportunities)
    (deal,) = opened_by(writer, 1)
    writer.write_batch([command(deal, "ClosedWon")])
    spy = Spy(opportunities, monkeypatch)

    late = command(deal, "MeetingGained", **MEETING)
    writer.write_batch([late])

    assert isinstance(late.future.exception(), OpportunityClosed)
    assert spy.reads == ["select_notifications"]
    assert spy.saves == []


def test_copies_catch_up_over_several_pages_of_the_log(
    make_opportunities: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    monkeypatch.setattr(copies, "PAGE", 2)
    copied = Copies(ours, 10)
    copied.catch_up()  # starts at the end of the log
    deal = open_deal(ours)
    copied.keep([(deal, ours.load(deal))])
    for n in range(5):
        theirs.record(deal, "CustomerDataGathered", recorded_by="lee", fields={"summary": str(n)})

    copied.fell_behind()
    assert copied.catch_up() == {deal}
    copy = copied.get(deal)
    assert copy is not None
    assert copy.version == 6
    assert [r.type for r in copy.history] == [r.type for r in ours.history(deal)]


def test_copies_too_far_behind_the_log_are_all_forgotten(
    make_opportunities: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, theirs = make_opportunities(), make_opportunities()
    monkeypatch.setattr(copies, "PAGE", 2)
    monkeypatch.setattr(copies, "MAX_PAGES", 2)
    copied = Copies(ours, 10)
    copied.catch_up()
    deal = open_deal(ours)
    copied.keep([(deal, ours.load(deal))])
    for n in range(5):
        theirs.record(deal, "CustomerDataGathered", recorded_by="lee", fields={"summary": str(n)})

    copied.fell_behind()
    copied.catch_up()
    assert len(copied) == 0
    copied.keep([(deal, ours.load(deal))])
    copied.fell_behind()
    assert copied.catch_up() == set()  # and it follows the log from its end again
