"""The accounts view: per opportunity, what the account figures add up (its account, status,
won amount and when it was won, when it was opened and its last small win, the account
that referred it), and the departments bought in on it. Rows come from the deal's state
as it stands after its latest event. Each account touched by a batch (its own deals, the
deals it referred, before and after) has its sort keys added up again from those rows: its
wins, the referrals it gave and its last small win (`account_summaries`, what the list is
ordered by); the rest of its figures are summed when read (projections.account_queries).

Nothing personal is kept: no person's name (`referred_by` is left out), and the title, which
may be sealed under a person's key, is written again from the events after an erasure like
every row written from a state (projections.refresh)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.lifecycle import WON
from domain.names import name_key, tidy
from domain.relationships import BOUGHT_IN, depth_rank
from domain.state import DealState
from projections.view import CHUNK, OpportunityView, Rows
from storage.gateway import Cursor

ACCOUNT_DEALS = "account_deals"
ACCOUNT_DEPARTMENTS = "account_departments"
ACCOUNT_SUMMARIES = "account_summaries"
NO_WIN = -1.0e18  # the last small win of an account without one: sorted last, newest first
_BOUGHT_IN_RANK = depth_rank(BOUGHT_IN)


class AccountsView(OpportunityView):
    name = "accounts"
    tables = (ACCOUNT_DEALS, ACCOUNT_DEPARTMENTS)
    ddl = (
        f"CREATE TABLE IF NOT EXISTS {ACCOUNT_DEALS} ("
        " opportunity_id TEXT PRIMARY KEY, account_key TEXT NOT NULL, account TEXT NOT NULL,"
        " title TEXT NOT NULL, status TEXT NOT NULL, opened_ts DOUBLE PRECISION NOT NULL,"
        " won_ts DOUBLE PRECISION, won_amount DOUBLE PRECISION, currency TEXT NOT NULL,"
        " last_win_ts DOUBLE PRECISION, referrer_key TEXT)",
        f"CREATE INDEX IF NOT EXISTS account_deals_account ON {ACCOUNT_DEALS}"
        " (account_key, opened_ts)",
        f"CREATE INDEX IF NOT EXISTS account_deals_referrer ON {ACCOUNT_DEALS}"
        " (referrer_key, opened_ts)",
        f"CREATE TABLE IF NOT EXISTS {ACCOUNT_DEPARTMENTS} ("
        " opportunity_id TEXT NOT NULL, account_key TEXT NOT NULL, department_key TEXT NOT NULL,"
        " PRIMARY KEY (opportunity_id, department_key))",
        f"CREATE INDEX IF NOT EXISTS account_departments_account ON {ACCOUNT_DEPARTMENTS}"
        " (account_key, department_key)",
        f"CREATE TABLE IF NOT EXISTS {ACCOUNT_SUMMARIES} ("
        " account_key TEXT PRIMARY KEY, won INTEGER NOT NULL, referrals INTEGER NOT NULL,"
        " last_win_ts DOUBLE PRECISION NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS account_summaries_won ON {ACCOUNT_SUMMARIES}"
        " (won DESC, account_key)",
        f"CREATE INDEX IF NOT EXISTS account_summaries_referrals ON {ACCOUNT_SUMMARIES}"
        " (referrals DESC, account_key)",
        f"CREATE INDEX IF NOT EXISTS account_summaries_last_win ON {ACCOUNT_SUMMARIES}"
        " (last_win_ts DESC, account_key)",
    )

    def rows(self, opportunity_id: str, state: DealState) -> Rows:
        profile, lifecycle = state.profile, state.lifecycle
        account = tidy(profile["account"])
        key = name_key(account)
        won = lifecycle.status == WON and lifecycle.closed_at is not None
        amount = profile["amount"] if won else None
        last_win = state.last_win_by(lifecycle.closed_at)
        referrer = profile["referrer_account"]
        opened_at = lifecycle.opened_at
        return {
            ACCOUNT_DEALS: [
                (
                    opportunity_id,
                    key,
                    account,
                    profile["title"],
                    lifecycle.status,
                    opened_at.timestamp() if opened_at else 0.0,
                    lifecycle.closed_at.timestamp() if won and lifecycle.closed_at else None,
                    float(amount) if amount is not None else None,
                    profile["currency"] or "USD",
                    last_win.occurred_at.timestamp() if last_win else None,
                    name_key(referrer) if referrer else None,
                )
            ],
            ACCOUNT_DEPARTMENTS: [
                (opportunity_id, key, department)
                for department, tally in state.relationships.tallies.items()
                if tally.rank >= _BOUGHT_IN_RANK
            ],
        }

    def write_rows(
        self, cursor: Cursor, ids: Sequence[str], new: Rows, *, fresh: bool = False
    ) -> None:
        """The deals' rows replaced, then the summaries of every account they touch (as
        owner or referrer, before or after) added up again from the rows."""
        touched: set[str] = set()
        for at in range(0, 0 if fresh else len(ids), CHUNK):
            chunk = list(ids[at : at + CHUNK])
            cursor.execute(
                "SELECT account_key, referrer_key FROM account_deals"  # noqa: S608 (constants)
                f" WHERE opportunity_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            touched.update(key for row in cursor.fetchall() for key in row if key is not None)
        super().write_rows(cursor, ids, new, fresh=fresh)
        touched.update(key for row in new[ACCOUNT_DEALS] for key in (row[1], row[10]) if key)
        keys = sorted(touched)
        for at in range(0, len(keys), CHUNK):
            chunk = keys[at : at + CHUNK]
            marks = ", ".join("?" * len(chunk))
            cursor.execute(f"DELETE FROM account_summaries WHERE account_key IN ({marks})", chunk)  # noqa: S608 (constant)
            cursor.execute(
                "INSERT INTO account_summaries (account_key, won, referrals, last_win_ts)"  # noqa: S608 (constants)
                f" SELECT d.account_key, SUM(CASE WHEN d.status = '{WON}' THEN 1 ELSE 0 END),"
                " (SELECT COUNT(*) FROM account_deals r WHERE r.referrer_key = d.account_key),"
                f" COALESCE(MAX(d.last_win_ts), {NO_WIN}) FROM account_deals d"
                f" WHERE d.account_key IN ({marks}) GROUP BY d.account_key",
                chunk,
            )

    def clear(self, cursor: Cursor) -> None:
        super().clear(cursor)
        cursor.execute(f"DELETE FROM {ACCOUNT_SUMMARIES}")  # noqa: S608 (a constant)

    def reset(self, cursor: Cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {ACCOUNT_SUMMARIES}")
        super().reset(cursor)
