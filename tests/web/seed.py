"""A small, realistic pipeline recorded through the HTTP API, for the browser tests (and for
looking at the pages by hand: `python -m tests.web.seed URL KEY`)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def _at(days_ago: float) -> str:
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    return moment.isoformat().replace("+00:00", "Z")


class Seeder:
    def __init__(self, base_url: str, key: str) -> None:
        self.client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def open(self, days_ago: float, **fields: Any) -> str:
        response = self.client.post(
            "/v1/opportunities", json={"occurred_at": _at(days_ago), **fields}
        )
        response.raise_for_status()
        opened: str = response.json()["id"]
        return opened

    def record(
        self, opportunity_id: str, days_ago: float, event_type: str, **fields: Any
    ) -> dict[str, Any]:
        body = {"type": event_type, "occurred_at": _at(days_ago), **fields}
        response = self.client.post(f"/v1/opportunities/{opportunity_id}/events", json=body)
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state


def seed(base_url: str, key: str) -> dict[str, str]:
    """Opens Acme (demo stage, rising), Globex (no small win yet), Initech (paused at verbal
    commitment, due to resume), Umbrella (a meeting, stalled), Hooli (decision makers reached
    without customer data: the ladder has a gap), six leads without a small win (kim's), and
    three closed deals: Soylent won 5 days ago, Massive lost 10 days ago, Vandelay lost 200
    days ago. Their ids by name."""
    s = Seeder(base_url, key)
    acme = s.open(
        30, title="Acme scheduling rollout", account="Acme Corp", amount=48000,
        owner="jo", buying_departments=["Finance", "IT", "Operations"], source="referral",
    )  # fmt: skip
    s.record(acme, 28, "MeetingGained", contact="Dana", department="IT")
    s.record(acme, 20, "CustomerDataGathered", summary="Three plants, manual scheduling")
    s.record(acme, 12, "StakeholderBoughtIn", stakeholder="Dana", department="IT", role="champion")
    s.record(
        acme, 6, "StakeholderBoughtIn", stakeholder="Sam", department="Finance",
        role="economic_buyer", title="CFO",
    )  # fmt: skip
    s.record(
        acme, 3, "InteractionPlanned", contact="Sam", department="Finance", channel="video",
        purpose="Walk through pricing", commitment_objective="Agree to a demo with Operations",
    )  # fmt: skip
    s.record(acme, 2, "DemoScheduled", scheduled_for=_at(-5), attendees=["Dana", "Sam"])
    globex = s.open(
        2, title="Globex analytics pilot", account="Globex", amount=12000, owner="lee",
        buying_departments=["Marketing"],
    )  # fmt: skip
    initech = s.open(80, title="Initech renewal", account="Initech", amount=30000, owner="jo")
    s.record(initech, 75, "MeetingGained", contact="Bill", department="Operations")
    s.record(initech, 70, "CustomerDataGathered", summary="Two sites")
    s.record(initech, 60, "StakeholderBoughtIn", stakeholder="Bill", department="Operations",
             role="decision_maker")  # fmt: skip
    s.record(initech, 55, "StakeholderBoughtIn", stakeholder="Peter", department="IT", role="user")
    s.record(initech, 50, "DemoScheduled", scheduled_for=_at(49))
    s.record(initech, 45, "VerbalCommitment", stakeholder="Bill")
    s.record(initech, 40, "Paused", reason="Wants to wait until next quarter",
             resume_on=(datetime.now(UTC) - timedelta(days=1)).date().isoformat())  # fmt: skip
    umbrella = s.open(60, title="Umbrella safety audit", account="Umbrella", owner="lee")
    s.record(umbrella, 40, "MeetingGained", contact="Alice", department="Security")
    hooli = s.open(
        20, title="Hooli data platform", account="Hooli", amount=15000, currency="EUR", owner="jo",
        buying_departments=["Data", "Finance"],
    )  # fmt: skip
    s.record(hooli, 18, "MeetingGained", contact="Gavin", department="Data")
    s.record(
        hooli, 10, "StakeholderBoughtIn", stakeholder="Gavin", department="Data", role="champion"
    )
    s.record(hooli, 8, "StakeholderBoughtIn", stakeholder="Laurie", department="Finance",
             role="economic_buyer")  # fmt: skip
    leads = {f"lead{n}": s.open(1, title=f"Lead {n}", account=f"Prospect {n}", owner="kim")
             for n in range(1, 7)}  # fmt: skip
    soylent = s.open(40, title="Soylent cafeteria", account="Soylent", amount=20000,
                     currency="EUR", owner="lee")  # fmt: skip
    s.record(soylent, 30, "MeetingGained", contact="Sol", department="Kitchen")
    s.record(soylent, 5, "ClosedWon", amount=21000)
    massive = s.open(60, title="Massive dynamics suite", account="Massive", amount=9000,
                     owner="jo")  # fmt: skip
    s.record(massive, 10, "ClosedLost", reason="price")
    vandelay = s.open(250, title="Vandelay imports", account="Vandelay", amount=5000, owner="jo")
    s.record(vandelay, 200, "ClosedLost", reason="competitor")
    return {
        "acme": acme, "globex": globex, "initech": initech, "umbrella": umbrella, "hooli": hooli,
        "soylent": soylent, "massive": massive, "vandelay": vandelay, **leads,
    }  # fmt: skip


if __name__ == "__main__":
    print(seed(sys.argv[1], sys.argv[2]))
