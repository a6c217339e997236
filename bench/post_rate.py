"""POST-event latency and rate of the code in a checkout, from outside: a fresh store, an
editor key made by that checkout's own command line, its API under uvicorn (as
`bench.servers` starts it), `--deals` deals opened over HTTP, then `--events` events
recorded one after another on one connection, round robin over the deals (an interaction
planned, then completed, as `bench.long_deals` posts them). Prints one JSON line, with
`cpu_us_per_request`: the processor time the API process used meanwhile, all its threads,
per request (Linux; absent elsewhere).

    python -m bench.post_rate [--tree DIR] [--backend sqlite|postgres] [--deals 20]
                              [--events 600]

Run it with `--tree` on two checkouts (`git worktree add ../base COMMIT`) to compare the
write path of two commits on the same host, alternately."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from uuid import UUID

from bench.long_deals import Client, timed, warm_up
from bench.measure import cpu_seconds
from bench.servers import API_FACTORY, serve
from bench.stores import Store, temporary_store

ROOT = Path(__file__).resolve().parent.parent
CLI = "from api.cli import main; main()"


def editor_key(tree: Path, store: Store) -> str:
    """A key made by the checkout's own `smallwins keys create` (its schema, its tables)."""
    done = subprocess.run(
        [sys.executable, "-c", CLI, "keys", "create", "--name", "bench", "--role", "editor"],
        cwd=tree,
        env={**os.environ, **store.server_env(), "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def measure(tree: Path, backend: str, deals: int, events: int) -> dict[str, object]:
    with (
        tempfile.TemporaryDirectory(prefix="smallwins-post-rate-") as work,
        temporary_store(backend, Path(work), f"post_rate_{backend}") as store,
        serve(API_FACTORY, store.server_env(), Path(work), "post-rate", tree=tree) as server,
    ):
        client = Client(server.base_url, editor_key(tree, store))  # the server made the store
        try:
            ids = [_open(client, index) for index in range(deals)]
            timed(warm_up(ids), ids, client.post)
            before = cpu_seconds(server.pid)
            found = timed(events, ids, client.post).as_json()
            after = cpu_seconds(server.pid)
        finally:
            client.close()
    if before is not None and after is not None:
        found["cpu_us_per_request"] = round((after - before) * 1e6 / events, 1)
    return {"tree": str(tree), "backend": backend, "deals": deals, **found}


def _open(client: Client, index: int) -> UUID:
    answer = client.http.post(
        "/v1/opportunities",
        json={
            "title": f"Bench {index}",
            "account": f"Account {index}",
            "amount": 40_000,
            "buying_departments": ["IT", "Finance"],
        },
    )
    answer.raise_for_status()
    return UUID(answer.json()["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.post_rate", description=__doc__)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--deals", type=int, default=20)
    parser.add_argument("--events", type=int, default=600)
    args = parser.parse_args(argv)
    found = measure(args.tree.resolve(), args.backend, args.deals, args.events)
    print(json.dumps(found), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
