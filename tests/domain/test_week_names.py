"""The week an instant falls in, from the weeks met before (`WeekNames`), is the week
`week_of` gives it: in zones with daylight saving and odd offsets, at and around the
Monday midnights that bound the weeks, in any order of instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.goals import WeekNames, week_of

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Pacific/Chatham", "America/St_Johns"]  # fmt: skip
START = datetime(2024, 1, 1, tzinfo=UTC)

# Instants a few weeks apart, some right at or a microsecond off a local Monday midnight.
instants = st.builds(
    lambda days, micros, near: START + timedelta(days=days, microseconds=micros) + near,
    st.integers(0, 900),
    st.integers(0, 86_400_000_000 - 1),
    st.sampled_from([timedelta(0), timedelta(microseconds=1), timedelta(microseconds=-1)]),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.lists(instants, min_size=1, max_size=40))
def test_the_week_of_an_instant_is_the_week_week_of_names(
    zone_name: str, moments: list[datetime]
) -> None:
    zone = ZoneInfo(zone_name)
    names = WeekNames(zone)
    for moment in moments:
        assert names.name(moment) == week_of(moment, zone).name


def test_the_instants_around_a_local_monday_midnight_fall_in_the_weeks_either_side() -> None:
    zone = ZoneInfo("Europe/Berlin")
    names = WeekNames(zone)
    monday = datetime(2026, 3, 30, tzinfo=zone)  # the first Monday of summer time
    names.name(monday + timedelta(days=2))  # the week is met first in its middle

    assert names.name(monday) == "2026-W14"
    assert names.name(monday - timedelta(microseconds=1)) == "2026-W13"
    assert names.name(monday + timedelta(days=7) - timedelta(microseconds=1)) == "2026-W14"
    assert names.name(monday + timedelta(days=7)) == "2026-W15"
