"""The accounts view: per opportunity, what the account figures add up (its account, status,
won amount and when it was won, when it was opened and its last small win, the account
that referred it), and the departments bought in on it. Rows come from the deal's state
as it stands after its latest event; the figures of an account are summed when read
(projections.account_queries).

Nothing personal is kept: no person's name (`referred_by` is left out), and the title, which
may be sealed under a person's key, is written again from the events after an erasure like
every row written from a state (projections.refresh)."""

from __future__ import annotations

from domain.lifecycle import WON
from domain.names import name_key, tidy
from domain.relationships import BOUGHT_IN, depth_rank
from domain.state import DealState
from projections.view import OpportunityView, Rows

ACCOUNT_DEALS = "account_deals"
ACCOUNT_DEPARTMENTS = "account_departments"
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
