"""Server-side request forgery: a webhook may call only http(s) URLs on public addresses.
Loopback, private, link-local (cloud metadata), unspecified, multicast and reserved targets,
written out or resolved from a name, are refused (422) unless the deployment allows private
targets; the check is made again at delivery, so a name re-pointed at a private address
after creation (DNS rebinding) is refused then, as a failed attempt, without a connection.
No test here sends anything anywhere but loopback (the fake resolver's public address is
only ever checked, never connected to)."""

from __future__ import annotations

import socket

import pytest

from api.webhooks.targets import Refused, Targets, resolve
from tests.webhooks.conftest import Api, attempts, quick, record_events, show, webhooks_of
from tests.webhooks.receiver import Receiver

REFUSED = [
    "http://127.0.0.1:8080/hook",
    "http://127.1/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one number
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "http://[2002:7f00:1::1]/hook",  # 6to4 around 127.0.0.1
    "http://localhost:8000/hook",  # a name that resolves to 127.0.0.1
    "http://10.1.2.3/hook",
    "http://172.16.0.9/hook",
    "https://192.168.1.20/hook",
    "http://[fd12:3456::1]/hook",  # ULA
    "http://169.254.169.254/latest/meta-data/",  # link-local: the cloud metadata service
    "http://[fe80::1]/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://100.64.0.1/hook",  # shared address space (carrier NAT)
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "gopher://example.com/",
    "javascript:alert(1)",
    "not a url",
    "http://user:password@example.com/hook",
    "http:///hook",
    "http://name.invalid/hook",  # does not resolve
]


def offline(host: str, port: int) -> list[str]:
    """The system resolver, for what it answers without a network (numbers, and localhost
    from /etc/hosts); any other name is not looked up (no DNS query leaves this host)."""
    if host != "localhost" and not host.replace(".", "").isdigit():
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: not looked up in the tests")
    return resolve(host, port)


@pytest.mark.parametrize("url", REFUSED)
def test_a_url_that_is_not_http_s_to_a_public_address_is_refused(url: str) -> None:
    with pytest.raises(Refused):
        Targets(allow_private=False, resolver=offline).check(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://localhost:8000/hook", "http://10.1.2.3/hook"]
)
def test_private_targets_are_allowed_when_the_deployment_allows_them(url: str) -> None:
    pinned = Targets(allow_private=True, resolver=offline).check(url)
    assert pinned.url.host in {"127.0.0.1", "10.1.2.3"}


def test_every_address_of_a_name_is_checked_and_the_call_goes_to_the_one_checked() -> None:
    mixed = Targets(False, resolver=lambda _host, _port: ["93.184.216.34", "127.0.0.1"])
    with pytest.raises(Refused, match=r"hooks\.example\.com resolves to 127\.0\.0\.1"):
        mixed.check("https://hooks.example.com/h")
    public = Targets(False, resolver=lambda _host, _port: ["93.184.216.34"])
    pinned = public.check("https://hooks.example.com:8443/h?k=v")
    assert str(pinned.url) == "https://93.184.216.34:8443/h?k=v"
    assert pinned.host_header == "hooks.example.com:8443"
    assert pinned.server_name == "hooks.example.com"  # TLS checks the name's certificate


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://169.254.169.254/"]
)
def test_the_api_refuses_a_private_target_with_a_422_on_the_url(api: Api, url: str) -> None:
    response = api.client.post("/v1/webhooks", json={"url": url}, headers=api.auth("admin"))
    problem = api.problem(response, 422, "validation-error")
    assert problem["errors"][0]["field"] == "url"
    assert "SMALLWINS_WEBHOOK_ALLOW_PRIVATE" in problem["detail"]
    listed = api.client.get("/v1/webhooks", headers=api.auth("admin")).json()
    assert listed["items"] == []


def test_the_api_accepts_a_loopback_receiver_when_private_targets_are_allowed(
    hooks: Api, receiver: Receiver
) -> None:
    response = hooks.client.post(
        "/v1/webhooks", json={"url": receiver.url}, headers=hooks.auth("admin")
    )
    assert response.status_code == 201, response.text


def test_a_name_re_pointed_at_loopback_after_creation_is_refused_at_delivery(
    api: Api, receiver: Receiver
) -> None:
    quick(api)
    answers = iter([["93.184.216.34"]])  # at creation a public address; loopback ever after
    webhooks_of(api).targets.resolve = lambda _host, _port: next(answers, ["127.0.0.1"])
    url = f"http://hooks.example.com:{receiver.url.split(':')[2]}"
    response = api.client.post("/v1/webhooks", json={"url": url}, headers=api.auth("admin"))
    assert response.status_code == 201, response.text
    hook = response.json()
    record_events(api, deals=1, each=0)

    assert receiver.wait_for(lambda: len(attempts(api, hook["id"])) >= 2)
    made = attempts(api, hook["id"])
    assert {a["outcome"] for a in made} == {"failed"}
    assert all(a["status_code"] is None for a in made)
    assert "refused: hooks.example.com resolves to 127.0.0.1" in made[0]["error"]
    assert receiver.received == []  # no connection was made
    assert show(api, hook["id"])["position"] == hook["position"]  # nothing skipped
