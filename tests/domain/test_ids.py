"""New opportunities get time-ordered ids (UUID version 7): later ids sort later, so
bulk writes land at the end of every index keyed by the id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.ids import RANDOM_BITS, millis_of, time_ordered_id
from domain.opportunity import Opportunity, Stamp

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
MILLIS = st.integers(min_value=0, max_value=2**48 - 2)
BITS = st.integers(min_value=0, max_value=2**RANDOM_BITS - 1)


def _millis(value: object) -> int:
    return int(str(value).replace("-", "")[:12], 16)


@given(MILLIS, BITS)
def test_an_id_is_a_version_7_uuid_carrying_its_millisecond_and_random_bits(
    millis: int, bits: int
) -> None:
    made = time_ordered_id(millis, bits)
    assert made.version == 7
    assert made.variant == "specified in RFC 4122"
    assert _millis(made) == millis
    assert (made.int >> 64) & 0xFFF == (bits >> 62) & 0xFFF  # rand_a: the 12 high bits
    assert made.int & (2**62 - 1) == bits & (2**62 - 1)  # rand_b: the 62 low bits


@given(MILLIS, BITS, BITS)
def test_an_id_made_a_millisecond_later_sorts_later_as_uuid_and_as_text(
    millis: int, first: int, second: int
) -> None:
    earlier, later = time_ordered_id(millis, first), time_ordered_id(millis + 1, second)
    assert earlier < later
    assert str(earlier) < str(later)
    assert earlier.hex < later.hex


def test_ids_made_in_the_same_millisecond_differ_by_their_random_bits() -> None:
    made = {time_ordered_id(1_700_000_000_000) for _ in range(1000)}
    assert len(made) == 1000


def test_an_opportunity_opened_without_an_id_gets_a_time_ordered_one() -> None:
    first = Opportunity.open(Stamp("jo", T0), {"title": "A", "account": "Acme"})
    second = Opportunity.open(Stamp("jo", T0 + timedelta(seconds=1)), {"title": "B", "account": "Acme"})
    assert first.id.version == 7
    assert _millis(first.id) == millis_of(T0) == 1_740_992_400_000
    assert first.id < second.id
