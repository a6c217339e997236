"""No secrets, keys or personal data in the logs of a running server: after requests that
carry a bearer key (valid, forged and malformed) and personal names, an e-mail address and a
phone number in bodies, paths and query strings, succeeding and failing, none of it appears
in anything the server process wrote (at DEBUG, the most it would ever log)."""

from __future__ import annotations

from tests.reliability.processes import create_key, wait_until
from tests.security.conftest import LiveServer

PERSON = "Margarethe Kowalczyk-Oyelaran"
COLLEAGUE = "Thaddeus Abernathy-Quist"
EMAIL = "margarethe.kowalczyk@example.com"
PHONE = "+44 20 7946 0958"
FORGED = "sw_0123456789abcdef_ForgedSecretThatMustNeverBeLogged"
MALFORMED = "not-a-key-but-still-a-secret-credential"


def test_nothing_a_client_sends_of_keys_or_people_reaches_the_server_logs(
    live_server: LiveServer,
) -> None:
    _id, token = create_key(live_server.database_url, "log-checker", "editor")
    with live_server.client(token) as client:
        opened = client.post(
            "/v1/opportunities",
            json={
                "title": f"{PERSON} rollout",
                "account": f"{COLLEAGUE} Holdings",
                "owner": PERSON,
                "referred_by": COLLEAGUE,
                "note": f"Reach {PERSON} at {EMAIL} or {PHONE}",
            },
        )
        assert opened.status_code == 201
        deal = opened.json()["id"]
        events = f"/v1/opportunities/{deal}/events"
        for body in (
            {"type": "MeetingGained", "contact": PERSON, "department": "Finance"},
            {
                "type": "StakeholderBoughtIn",
                "stakeholder": COLLEAGUE,
                "department": "IT",
                "role": "decision_maker",
                "note": EMAIL,
            },
            {"type": "MeetingGained", "contact": PERSON},  # 422: no department
            {"type": "Resumed", "note": PHONE},  # 409: not paused
        ):
            assert client.post(events, json=body).status_code in (201, 409, 422)
        assert client.get(f"/v1/accounts/{COLLEAGUE} Holdings/relationships").status_code == 200
        assert client.get("/v1/opportunities", params={"owner": PERSON}).status_code == 200
        assert client.get("/v1/accounts/Nobody Named Kowalczyk/relationships").status_code == 404
    for credential in (f"Bearer {FORGED}", f"Bearer {MALFORMED}", MALFORMED):
        with live_server.client() as client:
            answer = client.get("/v1/opportunities", headers={"Authorization": credential})
            assert answer.status_code == 401

    def logged() -> str:
        return live_server.running.all_logs()

    # The access lines are written after the answers: wait until the last one is there.
    assert wait_until(lambda: logged().count('"status":401') >= 3, timeout=10), logged()[-2000:]
    logs = logged()
    assert "/v1/opportunities/{opportunity_id}/events" in logs  # requests were logged...
    secret = token.split("_", 2)[2]
    for forbidden in (token, secret, FORGED, FORGED.split("_", 2)[2], MALFORMED):
        assert forbidden not in logs
    for personal in (PERSON, COLLEAGUE, "Kowalczyk", "Abernathy", EMAIL, PHONE, "7946"):
        assert personal.lower() not in logs.lower(), personal
