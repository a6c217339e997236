"""The accounts as equity (GET /v1/accounts and /v1/accounts/{account}): deals by status,
amounts won per currency, the first win, repeat business, the departments bought in and
the referrals an account gave, read right after the writes, on both backends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, Clock


def accounts(api: Api, **params: str) -> Any:
    return api.client.get("/v1/accounts", params=params, headers=api.auth("viewer"))


def account(api: Api, name: str) -> Any:
    return api.client.get(f"/v1/accounts/{name}", headers=api.auth("viewer"))


def every_page(api: Api, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for _page in range(100):
        response = accounts(api, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if body["next_cursor"] is None:
            return items
        params["cursor"] = body["next_cursor"]
    raise AssertionError("more than 100 pages")


def test_an_account_adds_up_its_wins_repeat_deals_departments_and_referrals(
    api: Api, clock: Clock
) -> None:
    first = api.open(account="Acme Corp", amount=1000, currency="EUR")["id"]
    clock.advance(days=1)
    api.record(first, "MeetingGained", contact="Dana", department="IT")
    api.record(first, "StakeholderBoughtIn", stakeholder="Sam", department="Finance",
               role="decision_maker")  # fmt: skip
    clock.advance(days=1)
    won_at = clock.iso()
    api.record(first, "ClosedWon", amount=1200.5)
    clock.advance(days=1)
    again = api.open(account=" acme  corp", amount=300, currency="USD")["id"]
    api.record(again, "StakeholderBoughtIn", stakeholder="Lee", department="finance ",
               role="user")  # fmt: skip
    clock.advance(days=1)
    last_win = clock.iso()
    api.record(again, "StakeholderBoughtIn", stakeholder="Kofi", department="Legal", role="user")
    api.record(again, "ClosedWon")  # no amount of its own: the deal's 300 USD
    paused = api.open(account="ACME CORP")["id"]
    api.record(paused, "Paused", reason="budget")
    referred = api.open(account="Globex", title="Globex analytics", referrer_account="acme corp",
                        amount=50, currency="USD")["id"]  # fmt: skip
    api.record(referred, "ClosedWon")
    clock.advance(hours=1)
    other = api.open(account="Initech", title="Initech pilot", referrer_account="Acme Corp ")["id"]
    api.record(other, "ClosedLost", reason="price")

    response = account(api, "ACME corp")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account"] == "Acme Corp"  # the first spelling
    assert body["opportunities"] == {"open": 0, "paused": 1, "won": 2, "lost": 0}
    assert body["won_amounts"] == {"EUR": 1200.5, "USD": 300.0}
    assert body["first_won_at"] == won_at
    assert body["last_small_win_at"] == last_win
    assert body["departments_bought_in"] == 2  # Finance (twice spelled) and Legal
    assert body["repeat_opportunities"] == 2  # opened after the first win
    assert body["referrals_given"] == {"opened": 2, "won": 1, "won_amounts": {"USD": 50.0}}
    assert body["referred"] == [
        {"id": referred, "title": "Globex analytics", "account": "Globex", "status": "won"},
        {"id": other, "title": "Initech pilot", "account": "Initech", "status": "lost"},
    ]
    relationships = api.client.get(
        "/v1/accounts/Acme Corp/relationships", headers=api.auth("viewer")
    ).json()
    assert body["relationships"] == relationships["departments"]
    assert [d["name"] for d in body["relationships"]] == ["IT", "Finance", "Legal"]
    listed = {item["account"]: item for item in every_page(api)}
    assert listed["Acme Corp"] == {
        k: v for k, v in body.items() if k not in ("relationships", "referred")
    }
    assert listed["Globex"]["referrals_given"] == {"opened": 0, "won": 0, "won_amounts": {}}


def test_a_retracted_win_and_a_reopened_deal_count_as_open_again(api: Api, clock: Clock) -> None:
    deal = api.open(account="Acme", amount=10)["id"]
    clock.advance(hours=1)
    meeting = api.record(deal, "MeetingGained", contact="Dana", department="IT")["version"]
    api.record(deal, "ClosedWon")
    assert account(api, "acme").json()["opportunities"]["won"] == 1

    api.record(deal, "Reopened", reason="the order fell through")
    body = account(api, "acme").json()
    assert body["opportunities"] == {"open": 1, "paused": 0, "won": 0, "lost": 0}
    assert (body["won_amounts"], body["first_won_at"]) == ({}, None)

    api.record(deal, "EventRetracted", version=meeting, reason="logged on the wrong deal")
    body = account(api, "acme").json()
    assert body["last_small_win_at"] is None


def test_accounts_are_listed_in_the_order_asked_and_paged_without_gaps(
    api: Api, clock: Clock
) -> None:
    for n, name in enumerate(["Delta", "alpha", "Charlie", "bravo", "Echo"]):
        for _deal in range(n % 3 + 1):
            deal = api.open(account=name, referrer_account="Echo" if n < 2 else None)["id"]
            clock.advance(hours=1)
            if n != 2:
                api.record(deal, "MeetingGained", contact="Dana", department="IT")
            if n % 2:
                api.record(deal, "ClosedWon")

    by_name = [i["account"] for i in every_page(api, limit="2")]
    assert by_name == ["alpha", "bravo", "Charlie", "Delta", "Echo"]  # keys compared
    by_won = every_page(api, sort="-won", limit="2")
    assert [(i["account"], i["opportunities"]["won"]) for i in by_won] == [
        ("alpha", 2), ("bravo", 1), ("Charlie", 0), ("Delta", 0), ("Echo", 0),
    ]  # fmt: skip
    by_referrals = [i["account"] for i in every_page(api, sort="-referrals_given", limit="1")]
    assert by_referrals == ["Echo", "alpha", "bravo", "Charlie", "Delta"]
    by_last_win = [i["account"] for i in every_page(api, sort="-last_small_win_at", limit="3")]
    assert by_last_win == ["Echo", "bravo", "alpha", "Delta", "Charlie"]  # no win: last


def test_an_account_without_deals_is_not_found_even_when_it_referred_some(api: Api) -> None:
    api.open(account="Globex", referrer_account="Umbrella")
    assert [i["account"] for i in every_page(api)] == ["Globex"]
    api.problem(account(api, "Umbrella"), 404, "not-found")


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "won"},
        {"sort": "-account"},
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJzb3J0IjoiLXdvbiIsImFmdGVyIjpbMSwiYWNtZSJdfQ"},  # another sort's
        {"cursor": "eyJzb3J0IjoiYWNjb3VudCIsImFmdGVyIjpbdHJ1ZSwiYWNtZSJdfQ"},  # a bool value
        {"cursor": "eyJzb3J0IjoiYWNjb3VudCIsImFmdGVyIjpbMCwiYVx1MDAwMCJdfQ"},  # a NUL in the key
        {"cursor": "eyJzb3J0IjoiYWNjb3VudCIsImFmdGVyIjoxfQ"},  # no pair
    ],
)
def test_bad_list_parameters_are_validation_problems(api: Api, params: dict[str, str]) -> None:
    api.open(account="Acme")
    api.problem(accounts(api, **params), 422, "validation-error")


def test_an_account_name_too_long_or_with_a_nul_is_refused_never_a_500(api: Api) -> None:
    api.open(account="Acme")
    assert account(api, "a" * 201).status_code == 422
    assert account(api, "Ac%00me").status_code in (400, 404, 422)
    assert accounts(api).status_code == 200


def test_a_viewer_key_is_needed(api: Api) -> None:
    api.problem(api.client.get("/v1/accounts"), 401, "unauthorized")
