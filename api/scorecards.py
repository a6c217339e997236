"""The service layer of the sellers' weeks (DESIGN section 6): setting goals (through the one
write path), the goals in force now, a week's scorecard, and the list of sellers. Weeks are
ISO weeks in the team's time zone (SMALLWINS_TEAM_TIMEZONE). Reads come from the sellers
and agenda views, brought up to the caller's writes first; owners are matched like names
and shown as first spelled."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread

from api.pagination import decode_cursor, encode_cursor, instant_of, invalid_cursor
from api.problems import VALIDATION, Problem, field_error
from api.reads import catch_up
from api.schemas.week import GoalsIn
from api.services import Services
from domain.errors import InvalidValue
from domain.fields import EARLIEST, LATEST, NAME_MAX
from domain.goals import Goals, Week, in_force, judged, parse_week, week_of
from domain.names import name_key, tidy
from projections.agenda import overdue_counts
from projections.render import rfc3339
from projections.scorecards import (
    SMALL_WINS,
    WeeklyCounts,
    goals_of,
    owner_keys_after,
    scorecard,
    shown_names,
    week_counts,
    won_amounts,
)

VIEWS = ("sellers", "agenda")
_TICK = timedelta(microseconds=1)


def owner_of(owner: str) -> str:
    """The owner named in a path, tidied; 422 when there is nothing left of it."""
    cleaned = tidy(owner)
    if not cleaned or len(cleaned) > NAME_MAX or "\x00" in cleaned:
        message = f"must be an owner's name of 1 to {NAME_MAX} characters"
        raise Problem(
            VALIDATION, f"owner: {message}", errors=[field_error(["path", "owner"], message)]
        )
    return cleaned


# --- goals ------------------------------------------------------------------------------


async def put_goals(
    services: Services, owner: str, recorded_by: str, body: GoalsIn
) -> dict[str, Any]:
    """Record a GoalsSet; answers the goals just set, with the owner as first spelled."""
    name = owner_of(owner)
    weekly = {str(getattr(m, "value", m)): target for m, target in body.weekly.items()}
    pending = services.writer.set_goals(
        name, recorded_by=recorded_by, fields={"weekly": weekly}, occurred_at=body.occurred_at
    )
    written = await asyncio.wrap_future(pending)
    services.runner.wake()
    services.metrics.count_event("GoalsSet")
    goals: Goals = written.state[-1]
    shown = await anyio.to_thread.run_sync(_shown_after_write, services, name)
    return {"owner": shown, "weekly": dict(goals.weekly), "set_at": rfc3339(goals.set_at)}


def _shown_after_write(services: Services, name: str) -> str:
    catch_up(services, ("sellers",))
    return shown_names(services.database, [name_key(name)]).get(name_key(name), name)


def get_goals(services: Services, owner: str) -> dict[str, Any]:
    """The goals in force now: the last set at or before this instant."""
    name = owner_of(owner)
    key = name_key(name)
    catch_up(services, ("sellers",))
    history = goals_of(services.database, [key]).get(key, [])
    goals = in_force(history, services.clock() + _TICK)
    return {
        "owner": shown_names(services.database, [key]).get(key, name),
        "weekly": dict(goals.weekly) if goals else {},
        "set_at": rfc3339(goals.set_at) if goals else None,
    }


# --- the scorecard ----------------------------------------------------------------------


def week_named(services: Services, text: str | None, now: datetime) -> Week:
    zone = services.settings.team_zone()
    if text is None:
        return week_of(now, zone)
    try:
        week = parse_week(text, zone)
        if not EARLIEST.year <= week.year < LATEST.year:
            raise InvalidValue(
                "week", f"must be a week of the years {EARLIEST.year} to {LATEST.year - 1}"
            )
    except InvalidValue as error:
        raise Problem(
            VALIDATION, str(error), errors=[field_error(["query", "week"], error.message)]
        ) from None
    return week


def get_scorecard(services: Services, owner: str, week_text: str | None) -> dict[str, Any]:
    name = owner_of(owner)
    key = name_key(name)
    now = services.clock()
    week = week_named(services, week_text, now)
    catch_up(services, VIEWS)
    database = services.database
    history = goals_of(database, [key]).get(key, [])
    return scorecard(
        shown_names(database, [key]).get(key, name),
        week,
        week_counts(database, [key], week.name).get(key, {}),
        won_amounts(database, key, week.name),
        history,
        WeeklyCounts(database, key),
        overdue_counts(database, [key], now).get(key, 0),
    )


# --- the sellers ------------------------------------------------------------------------


def list_sellers(services: Services, limit: int, cursor: str | None) -> dict[str, Any]:
    """Every owner, by name, with this week's small wins, goals met and overdue count. The
    cursor keeps the instant the first page was read at: every page reads the same week."""
    position = decode_cursor(cursor)
    now = services.clock()
    after: str | None = None
    if position:
        try:
            now = instant_of(position["t"])
            after = _owner_key(position["after"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise invalid_cursor() from None
    else:
        catch_up(services, VIEWS)
    database = services.database
    keys = owner_keys_after(database, after, limit + 1)
    more = len(keys) > limit
    keys = keys[:limit]
    week = week_of(now, services.settings.team_zone())
    counts = week_counts(database, keys, week.name)
    goals = goals_of(database, keys)
    overdue = overdue_counts(database, keys, now)
    names = shown_names(database, keys)
    items = []
    for key in keys:
        actual = counts.get(key, {})
        rows = judged(in_force(goals.get(key, []), week.end), actual)
        items.append(
            {
                "owner": names.get(key, key),
                "small_wins": {metric: actual.get(metric, 0) for metric in SMALL_WINS},
                "goals": {"met": sum(row["met"] for row in rows), "total": len(rows)},
                "overdue_now": overdue.get(key, 0),
            }
        )
    next_cursor = encode_cursor(t=rfc3339(now), after=keys[-1]) if more else None
    return {"items": items, "next_cursor": next_cursor}


def _owner_key(value: object) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise TypeError
    return value
