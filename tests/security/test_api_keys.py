"""API keys at rest and in use: only a salted digest is stored (never the token or its
secret), one secret under two keys gives two digests, digests are compared in constant time,
and `smallwins keys revoke` shuts a key out of a running server at once (a process trusts the
keys it verified only while it has read the revocations within REVOCATION_SECONDS)."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import time
from typing import Any

import pytest

import api.keys
from api.keys import KeyStore
from api.settings import Settings
from storage.gateway import Database
from tests.reliability.processes import create_key
from tests.security.conftest import LiveServer


@pytest.fixture
def keys(database_url: str) -> Any:
    database = Database(Settings(database_url=database_url).storage())
    yield KeyStore(database)
    database.close()


def stored_rows(keys: KeyStore) -> list[tuple[Any, ...]]:
    with keys.database.read() as cursor:
        cursor.execute("SELECT * FROM api_keys ORDER BY created_at")
        return [tuple(row) for row in cursor.fetchall()]


def test_a_key_is_stored_as_a_salted_digest_and_never_as_its_token(keys: KeyStore) -> None:
    key, token = keys.create("jo", "editor")
    secret = token.split("_", 2)[2]

    (row,) = stored_rows(keys)

    stored = " ".join(str(value) for value in row)
    assert token not in stored
    assert secret not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() not in stored  # not an unsalted hash
    assert keys.authenticate(token) == key


def test_one_secret_under_two_keys_gives_two_salts_and_two_digests(
    keys: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.keys.secrets, "token_urlsafe", lambda _n: "the-same-secret-twice")
    first, first_token = keys.create("jo", "editor")
    second, second_token = keys.create("sam", "editor")

    rows = {row[0]: row for row in stored_rows(keys)}
    columns = ("key_id", "name", "role", "salt", "digest", "created_at", "revoked_at")
    one, two = (dict(zip(columns, rows[k.key_id], strict=True)) for k in (first, second))

    assert one["salt"] != two["salt"]
    assert one["digest"] != two["digest"]
    assert keys.authenticate(first_token) == first
    assert keys.authenticate(second_token) == second
    # Each secret only opens its own key id.
    assert keys.authenticate(f"sw_{first.key_id}_{second_token.split('_', 2)[2]}") == first
    assert keys.authenticate(f"sw_{first.key_id}_another-secret") is None


def test_digests_are_compared_in_constant_time_for_right_wrong_and_unknown_keys(
    keys: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, token = keys.create("jo", "editor")
    compared: list[tuple[str, str]] = []
    digests: list[str] = []
    real_compare, real_digest = hmac.compare_digest, api.keys._digest

    def spy_compare(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real_compare(a, b)

    def spy_digest(salt: str, secret: str) -> str:
        digests.append(salt)
        return real_digest(salt, secret)

    monkeypatch.setattr(api.keys.hmac, "compare_digest", spy_compare)
    monkeypatch.setattr(api.keys, "_digest", spy_digest)

    assert keys.authenticate(token) == key
    assert keys.authenticate(f"sw_{key.key_id}_wrong") is None
    assert len(compared) == 2  # every check of a known id goes through compare_digest
    assert keys.authenticate("sw_0000000000000000_whatever") is None
    assert len(digests) == 3  # an unknown id costs a digest too: no timing tell
    # And at the source: the stored digest is never compared with `==`.
    source = inspect.getsource(KeyStore._verify)
    assert "hmac.compare_digest(" in source
    assert "== digest" not in source
    assert "digest ==" not in source


def count_reads(keys: KeyStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = keys.database.fetch_one

    def spy(sql: str, params: Any = ()) -> Any:
        reads.append(sql)
        return real(sql, params)

    monkeypatch.setattr(keys.database, "fetch_one", spy)
    return reads


def test_a_verified_key_is_known_again_without_reading_the_keys_table(
    keys: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, token = keys.create("jo", "editor")
    assert keys.remembered(token) is None  # never verified here yet
    assert keys.authenticate(token) == key
    reads = count_reads(keys, monkeypatch)

    assert keys.remembered(token) == key
    assert keys.authenticate(token) == key
    assert reads == []
    assert keys.remembered(f"sw_{key.key_id}_wrong") is None  # only the exact token


def test_a_key_revoked_by_another_process_is_refused_once_the_bound_has_passed(
    keys: KeyStore, database_url: str
) -> None:
    key, token = keys.create("jo", "editor")
    assert keys.authenticate(token) == key
    elsewhere = Database(Settings(database_url=database_url).storage())
    try:
        assert KeyStore(elsewhere).revoke(key.key_id) == 1
    finally:
        elsewhere.close()

    time.sleep(api.keys.REVOCATION_SECONDS)
    assert keys.remembered(token) is None
    assert keys.authenticate(token) is None


def test_a_key_revoked_in_this_process_is_refused_on_the_very_next_request(
    keys: KeyStore,
) -> None:
    key, token = keys.create("jo", "editor")
    _other, colleague = keys.create("sam", "editor")
    assert keys.authenticate(token) == key
    assert keys.authenticate(colleague) is not None

    assert keys.revoke(key.key_id) == 1

    assert keys.remembered(token) is None
    assert keys.authenticate(token) is None
    assert keys.authenticate(colleague) is not None


def test_a_revoked_key_is_refused_by_a_running_server_on_its_very_next_request(
    live_server: LiveServer,
) -> None:
    key_id, token = create_key(live_server.database_url, "leaver", "editor")
    _other_id, colleague = create_key(live_server.database_url, "stays", "editor")
    body = {"title": "Revocation check", "account": "Acme"}
    with live_server.client(token) as leaver, live_server.client(colleague) as stays:
        assert leaver.get("/v1/opportunities").status_code == 200
        assert leaver.post("/v1/opportunities", json=body).status_code == 201
        before = live_server.events_recorded()

        revoked = live_server.running.run("keys", "revoke", key_id)
        assert revoked.returncode == 0, revoked.stderr

        refused = leaver.get("/v1/opportunities")
        assert refused.status_code == 401
        assert refused.json()["type"] == "/problems/unauthorized"
        assert leaver.post("/v1/opportunities", json=body).status_code == 401
        again = leaver.post("/v1/opportunities", json=body, headers={"Idempotency-Key": "k1"})
        assert again.status_code == 401
        assert live_server.events_recorded() == before
        assert stays.get("/v1/opportunities").status_code == 200


def test_revoking_by_name_shuts_out_every_key_of_that_name_in_a_running_server(
    live_server: LiveServer,
) -> None:
    tokens = [create_key(live_server.database_url, "shared-laptop", "viewer")[1] for _ in "ab"]
    for token in tokens:
        with live_server.client(token) as client:
            assert client.get("/v1/events").status_code == 200

    revoked = live_server.running.run("keys", "revoke", "shared-laptop")
    assert revoked.returncode == 0, revoked.stderr

    for token in tokens:
        with live_server.client(token) as client:
            assert client.get("/v1/events").status_code == 401
