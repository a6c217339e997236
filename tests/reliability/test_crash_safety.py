"""Crash safety against the real processes, on SQLite and on PostgreSQL.

- The API server is SIGKILLed while eight writers record events; after a restart every write
  it acknowledged (2xx) is in the history at the version its ETag named, every history
  verifies against its hash chain, and the projections catch up.
- The projection worker is SIGKILLed while it works through a backlog under load; after a
  restart its views end exactly equal to a rebuild from the log (`smallwins rebuild`).

On SQLite the server runs the projections itself (the embedded default) in the first test;
on PostgreSQL a `smallwins project` worker runs beside it, as in production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.settings import Settings
from storage.gateway import Database
from tests.reliability.load import (
    Load,
    missing_acks,
    open_deals,
    projections_caught_up,
)
from tests.reliability.processes import create_key, deployment, wait_until

DEALS = 4
CATCH_UP_SECONDS = 60.0
VIEW_TABLES = {
    "pipeline": "SELECT * FROM pipeline ORDER BY opportunity_id",
    "account_opportunities": "SELECT * FROM account_opportunities ORDER BY opportunity_id",
    "opportunity_departments": "SELECT * FROM opportunity_departments"
    " ORDER BY opportunity_id, position",
    "account_deals": "SELECT * FROM account_deals ORDER BY opportunity_id",
    "account_departments": "SELECT * FROM account_departments"
    " ORDER BY opportunity_id, department_key",
    "agenda": "SELECT * FROM agenda ORDER BY opportunity_id, interaction_id",
    "seller_counts": "SELECT * FROM seller_counts ORDER BY opportunity_id, week, metric",
    "seller_deals": "SELECT * FROM seller_deals ORDER BY opportunity_id",
    "projection_tracking": "SELECT * FROM projection_tracking ORDER BY name",
}


def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def view_rows(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view (and its tracking), in a stable order."""
    database = Database(Settings(database_url=database_url).storage())
    try:
        with database.read() as cursor:
            found = {}
            for table, sql in VIEW_TABLES.items():
                cursor.execute(sql)
                found[table] = [tuple(row) for row in cursor.fetchall()]
            return found
    finally:
        database.close()


def positions(database_url: str) -> dict[str, int]:
    database = Database(Settings(database_url=database_url).storage())
    try:
        with database.read() as cursor:
            cursor.execute("SELECT name, position FROM projection_tracking")
            return {name: int(position) for name, position in cursor.fetchall()}
    finally:
        database.close()


def test_every_acknowledged_write_survives_a_server_killed_mid_load(
    database_url: str, tmp_path: Path
) -> None:
    _id, token = create_key(database_url, "crash-writer", "admin")
    with deployment(database_url, tmp_path / "logs") as running:
        if is_postgres(database_url):
            running.project()
        server, base = running.serve()
        load = Load(base, token, open_deals(base, token, DEALS))
        load.start()
        assert load.wait_for(120, timeout=30), running.tail()

        running.crash(server)
        load.join()
        acks = list(load.acks)
        assert load.cut_off > 0  # the kill landed while writers were writing
        assert all(status < 500 for status, _text in load.refused), load.refused

        _server, base = running.serve()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=15) as client:
            assert missing_acks(client, acks) == []
            for deal in {ack.opportunity_id for ack in acks}:
                verified = client.get(f"/v1/opportunities/{deal}/verify").json()
                assert verified["ok"], verified
                assert verified["problems"] == []
            assert wait_until(lambda: projections_caught_up(client), CATCH_UP_SECONDS)
        verify_all = running.run("verify", "--all")
        assert verify_all.returncode == 0, verify_all.stdout + verify_all.stderr


def test_views_rebuilt_after_a_projector_killed_mid_batch_equal_a_rebuild_from_the_log(
    database_url: str, tmp_path: Path
) -> None:
    _id, token = create_key(database_url, "crash-writer", "admin")
    separate = {"SMALLWINS_PROJECTIONS_IN_PROCESS": "false"}
    with deployment(database_url, tmp_path / "logs", **separate) as running:
        _server, base = running.serve()
        load = Load(base, token, open_deals(base, token, DEALS))
        load.start()
        assert load.wait_for(300, timeout=45), running.tail()  # a backlog to project

        marker = tmp_path / "mid-batch"
        stalled = running.project_stalling_mid_batch(marker, after=3)
        assert wait_until(marker.exists, 30), running.tail()
        running.crash(stalled)  # three opportunities' rows written, the batch not committed

        assert positions(database_url).get("pipeline", 0) == 0
        assert view_rows(database_url)["pipeline"] == []  # the half batch left no trace
        running.project()  # a fresh worker, while the writers go on
        load.join()
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=15) as client:
            assert wait_until(lambda: projections_caught_up(client), CATCH_UP_SECONDS)
            head = client.get("/v1/projections").json()["items"][0]["head"]
        running.stop_all()  # nobody projects while the views are compared
        recovered = view_rows(database_url)
        assert sorted(recovered["projection_tracking"]) == [
            ("accounts", head),
            ("agenda", head),
            ("changes", head),
            ("pipeline", head),
            ("relationships", head),
            ("sellers", head),
        ]

        rebuilt = running.run("rebuild")
        assert rebuilt.returncode == 0, rebuilt.stderr.decode(errors="replace")

        assert view_rows(database_url) == recovered
