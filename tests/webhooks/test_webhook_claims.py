"""A webhook's claim, on both backends: while one deliverer holds it, no other thread or
process gets it (none waits: it is someone else's turn); other webhooks are not affected;
and a holder killed with SIGKILL leaves no claim behind to wait out."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest

from api.settings import Settings
from api.webhooks.claims import claims_for
from storage.gateway import Database
from tests.reliability.processes import wait_until

HOLDER = """
import sys, time
from api.settings import Settings
from api.webhooks.claims import claims_for
from storage.gateway import Database
database = Database(Settings(database_url=sys.argv[1]).storage())
with claims_for(database).hold(sys.argv[2]) as claim:
    print("held" if claim is not None else "refused", flush=True)
    if sys.argv[3] == "hold":
        time.sleep(60)
"""


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    made = Database(Settings(database_url=database_url, postgres_pool_size=3).storage())
    yield made
    made.close()


def claim_elsewhere(database_url: str, webhook_id: str) -> str:
    """Try the claim from another process: 'held' or 'refused'."""
    done = subprocess.run(
        [sys.executable, "-c", HOLDER, database_url, webhook_id, "try"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout.decode().strip()


def test_a_claim_excludes_other_deliverers_of_that_webhook_only(
    database: Database, database_url: str
) -> None:
    claims = claims_for(database)
    webhook, other = str(uuid4()), str(uuid4())
    with claims.hold(webhook) as first:
        assert first is not None
        with claims.hold(webhook) as second:
            assert second is None  # another thread of this process
        assert claim_elsewhere(database_url, webhook) == "refused"  # another process
        with claims.hold(other) as unrelated:
            assert unrelated is not None
    assert claim_elsewhere(database_url, webhook) == "held"
    with claims.hold(webhook) as again:
        assert again is not None


def test_a_holder_killed_with_sigkill_leaves_no_claim_behind(
    database: Database, database_url: str
) -> None:
    webhook = str(uuid4())
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database_url, webhook, "hold"], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().decode().strip() == "held"
        claims = claims_for(database)
        with claims.hold(webhook) as refused:
            assert refused is None
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=15)
        started = time.monotonic()

        def free() -> bool:
            with claims.hold(webhook) as claim:
                return claim is not None

        assert wait_until(free, timeout=10, step=0.05)
        assert time.monotonic() - started < 5  # no lease to wait out
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=15)
