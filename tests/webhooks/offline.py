"""For the tests that drive every route with plausible requests (fuzzing, error bodies,
limits): their apps may hold webhooks to public addresses, so these are answered in memory
and no name is ever looked up. Nothing leaves loopback."""

from __future__ import annotations

import socket

import httpx

from api.webhooks.service import Webhooks

# A public address written out (no lookup): accepted without SMALLWINS_WEBHOOK_ALLOW_PRIVATE,
# never connected to (the transport below answers instead).
PUBLIC_URL = "https://93.184.216.34/hooks"


def no_lookups(host: str, _port: int) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, f"{host}: not looked up in these tests")


def offline(webhooks: Webhooks) -> Webhooks:
    webhooks.targets.resolve = no_lookups
    webhooks.sender.transport = httpx.MockTransport(lambda _request: httpx.Response(204))
    return webhooks


def offline_webhook(webhooks: Webhooks) -> str:
    """An offline app with one webhook; its id."""
    return offline(webhooks).create(PUBLIC_URL, None, "offline", "tests").id
