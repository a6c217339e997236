"""The PostgreSQL scale-out path: an API process that runs no projections and a separate
`smallwins project` worker still give every client read-your-writes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from api.keys import KeyStore
from api.settings import Settings
from storage.gateway import Database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from api.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture
def deployment(database_url: str) -> Iterator[tuple[str, str]]:
    port = free_port()
    env = {
        **os.environ,
        "SMALLWINS_DATABASE_URL": database_url,
        "SMALLWINS_PROJECTIONS_IN_PROCESS": "false",
        "SMALLWINS_POSTGRES_POOL_SIZE": "2",
    }
    database = Database(Settings(database_url=database_url).storage())
    _key, token = KeyStore(database).create("jo", "editor")
    database.close()
    api = start(["serve", "--port", str(port)], env)
    worker = start(["project"], env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the API process did not start")
        yield base, token
    finally:
        for process in (api, worker):
            process.terminate()
        for process in (api, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_api_process_and_a_separate_projector_give_read_your_writes(
    deployment: tuple[str, str],
) -> None:
    base, token = deployment
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for n in range(10):
            account = f"Account {n}"
            opened = client.post("/v1/opportunities", json={"title": "T", "account": account})
            assert opened.status_code == 201
            deal = opened.json()["id"]
            listed = client.get("/v1/opportunities", params={"account": account}).json()
            assert [i["id"] for i in listed["items"]] == [deal]
            won = client.post(
                f"/v1/opportunities/{deal}/events",
                json={"type": "MeetingGained", "contact": "Dana", "department": "IT"},
            )
            assert won.status_code == 201
            assert client.get(f"/v1/opportunities/{deal}").json()["stage"] == "meeting"
            listed = client.get("/v1/opportunities", params={"account": account}).json()
            assert listed["items"][0]["stage"] == "meeting"
            account_view = client.get(f"/v1/accounts/{account}/relationships").json()
            assert account_view["departments"][0]["name"] == "IT"
        status = client.get("/v1/projections").json()["items"]
        assert {s["name"] for s in status} == {
            "pipeline",
            "relationships",
            "accounts",
            "agenda",
            "sellers",
            "changes",
        }
