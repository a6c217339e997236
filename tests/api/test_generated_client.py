"""The OpenAPI document as an integrator uses it: a Python client generated from the live
document with openapi-python-client (no generator warnings, no hand edits) runs a short deal
story against the real app, served by uvicorn on 127.0.0.1 (a free port, SQLite in a temporary
directory). Its answers arrive typed: enumerations, datetimes, per-type history data.

Without openapi-python-client the test skips, except under CI=true, where it fails."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings

PACKAGE = "smallwins_client"
TIMEOUT = 10.0  # seconds, for every request and for the server to start or stop
SETTINGS: dict[str, Any] = {
    "projections_in_process": True,
    "integrity_key": "5a" * 32,
    "sqlite_synchronous": "NORMAL",
}


def _is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_generator() -> None:
    if importlib.util.find_spec("openapi_python_client") is not None:
        return
    reason = "openapi-python-client is not installed: pip install -e '.[dev]'"
    if _is_ci():
        pytest.fail(f"{reason}; CI=true requires the generated-client test", pytrace=False)
    pytest.skip(f"{reason} (set CI=true to make this an error)")


@dataclass(frozen=True)
class Live:
    url: str
    token: str


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """The app as `smallwins serve` runs it, in a thread, with an editor key."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'smallwins.db'}", **SETTINGS))
    _key, token = app.state.services.keys.create("jo", "editor")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start", pytrace=False)
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{sock.getsockname()[1]}", token)
    server.should_exit = True
    thread.join(timeout=TIMEOUT)
    sock.close()


@pytest.fixture
def generated(live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The client package generated from the served document, importable for the test."""
    require_generator()
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{live.url}/openapi.json", timeout=TIMEOUT).content)
    config = tmp_path / "generator.json"
    config.write_text(json.dumps({"post_hooks": []}))  # no formatter run: faster, same code
    out = tmp_path / "client"
    command = [sys.executable, "-m", "openapi_python_client", "generate"]
    command += ["--path", str(document), "--config", str(config), "--meta", "none"]
    command += ["--output-path", str(out / PACKAGE)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "Warning" not in said, said  # every schema and operation generated as declared
    monkeypatch.syspath_prepend(str(out))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def operation(name: str) -> Any:
    """One generated operation module of the opportunities tag (`sync`, `sync_detailed`...)."""
    return module(f"api.opportunities.{name}")


def test_a_generated_client_runs_a_deal_story_with_typed_answers(
    live: Live, generated: ModuleType
) -> None:
    models = module("models")
    client = generated.AuthenticatedClient(
        base_url=live.url, token=live.token, timeout=httpx.Timeout(TIMEOUT)
    )
    with client:
        opened = operation("open_opportunity").sync_detailed(
            client=client,
            body=models.OpenOpportunity(
                title="Acme rollout",
                account="Acme Corp",
                source=models.Source.REFERRAL,
                buying_departments=["IT", "Finance"],
                expected_close=date(2027, 3, 31),
            ),
            idempotency_key="story-open",
        )
        assert opened.status_code == 201, opened.content
        deal = opened.parsed
        assert isinstance(deal, models.OpportunityOut)
        assert deal.status is models.Status.OPEN
        assert opened.headers["ETag"] == '"1"'
        assert opened.headers["Location"] == f"/v1/opportunities/{deal.id}"
        assert int(opened.headers["X-Smallwins-Position"]) >= 1

        record = operation("record_event").sync_detailed
        met = record(
            deal.id,
            client=client,
            body=models.MeetingGained(
                type_="MeetingGained", contact="Dana Reyes", department="IT", note="Intro call"
            ),
            if_match='"1"',
        )
        assert met.status_code == 201, met.content
        bought = record(
            deal.id,
            client=client,
            body=models.StakeholderBoughtIn(
                type_="StakeholderBoughtIn",
                stakeholder="Sam Ortiz",
                department="Finance",
                role=models.Role.ECONOMIC_BUYER,
            ),
        )
        assert bought.status_code == 201, bought.content

        state = operation("get_opportunity").sync(deal.id, client=client)
        assert isinstance(state, models.OpportunityOut)
        assert state.version == 3
        assert state.status is models.Status.OPEN
        assert state.stage is models.Stage.MEETING
        assert isinstance(state.opened_at, datetime)
        assert state.opened_at.tzinfo is not None
        assert state.expected_close == date(2027, 3, 31)
        assert state.momentum.trend in set(models.Trend)
        depths = {d.name: d.depth for d in state.relationships.departments}
        assert depths == {"IT": models.Depth.CONTACTED, "Finance": models.Depth.DECISION_MAKER}
        assert state.last_small_win.type_ is models.EventType.STAKEHOLDER_BOUGHT_IN

        history = operation("get_history").sync(deal.id, client=client)
        kinds = [type(item).__name__ for item in history.items]
        assert kinds == [
            "HistoryItemOpportunityOpened",
            "HistoryItemMeetingGained",
            "HistoryItemStakeholderBoughtIn",
        ]
        opening, meeting, buy_in = history.items
        assert opening.data.expected_close == date(2027, 3, 31)
        assert opening.data.source is models.Source.REFERRAL
        assert isinstance(meeting.data, models.MeetingGainedData)
        assert (meeting.data.contact, meeting.data.note) == ("Dana Reyes", "Intro call")
        assert meeting.data.kind is models.MeetingKind.INITIAL
        assert buy_in.data.role is models.Role.ECONOMIC_BUYER
        assert isinstance(buy_in.recorded_at, datetime)
        assert meeting.retracted_by is None

        listed = operation("list_opportunities").sync(client=client, sort=models.Sort.MOMENTUM_DESC)
        assert [item.id for item in listed.items] == [deal.id]
        assert listed.items[0].status is models.Status.OPEN
