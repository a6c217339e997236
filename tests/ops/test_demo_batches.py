"""The demo's batches: large while many stories are still being told, smaller as the end
nears (the last batch is written after every story has been told, with nothing to overlap
it), never larger than asked."""

from __future__ import annotations

from pathlib import Path

from demo import generate
from demo.bulk import TAIL_BATCH, next_batch
from domain.application import Opportunities
from storage.config import eventsourcing_env, parse_database_url

LARGEST = 50_000


def test_a_batch_is_the_largest_while_no_story_has_finished() -> None:
    assert next_batch(LARGEST, unfinished=20_000, written=50_000, finished=0) == LARGEST


def test_a_batch_is_the_largest_while_more_than_two_batches_are_still_to_come() -> None:
    # 10,000 deals to go at 10 events a finished deal: 100,000 events still to come
    assert next_batch(LARGEST, unfinished=10_000, written=100_000, finished=10_000) == LARGEST


def test_near_the_end_a_batch_is_half_of_what_is_still_to_come() -> None:
    # 3,000 deals to go at 10 events each: 30,000 to come, so 15,000 now
    assert next_batch(LARGEST, unfinished=3_000, written=170_000, finished=17_000) == 15_000


def test_a_batch_never_shrinks_below_the_tail_batch_nor_grows_past_the_largest() -> None:
    assert next_batch(LARGEST, unfinished=10, written=200_000, finished=19_990) == TAIL_BATCH
    assert next_batch(1000, unfinished=10_000, written=100_000, finished=10_000) == 1000
    assert next_batch(1000, unfinished=10, written=200_000, finished=19_990) == 1000


def test_the_demo_writes_smaller_batches_at_its_end(tmp_path: Path) -> None:
    app = Opportunities(eventsourcing_env(parse_database_url(f"sqlite:///{tmp_path / 'd.db'}")))
    sizes: list[int] = []
    insert = app.recorder.insert_linked  # type: ignore[attr-defined]

    def counted(events: list[object]) -> None:
        sizes.append(len(events))
        insert(events)

    app.recorder.insert_linked = counted  # type: ignore[attr-defined]
    try:
        stats = generate(app, opportunities=3000, seed=2, batch_size=13_000, workers=0)
    finally:
        app.close()
    assert sum(sizes) == stats.events > 30_000
    assert sizes[:2] == [13_000, 13_000]
    assert TAIL_BATCH <= sizes[2] < 13_000  # half of what was still to come
    assert len(sizes) > -(-stats.events // 13_000)  # more batches than fixed ones would take
    assert sizes == sorted(sizes, reverse=True)  # the last the smallest
