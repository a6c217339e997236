"""The deliveries' HTTP client: httpx's AsyncClient on an event loop in a thread of its own,
so that each attempt has one total deadline (`asyncio.timeout`) covering the name lookup and
address check, the connection, the request and the answer's status line: a receiver that
accepts and then drips bytes cannot hold a delivery past it. Redirects are not followed
(a 3xx is a failed attempt), proxies from the environment are not used (they would bypass
the address check), and each webhook has its own connection pool (a connection pinned to
one webhook's checked address is never used for another's). The deliverer threads call
`post` and wait for its answer."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass

import httpx

from api.webhooks.targets import Refused, Targets, needs_lookup

log = logging.getLogger("smallwins.webhooks")
MAX_ANSWER = 64 * 1024  # bytes of an answer read (and dropped) so its connection can be kept
SPARE_SECONDS = 5.0  # how much longer than an attempt's deadline a caller waits, at most


@dataclass(frozen=True, slots=True)
class Sent:
    status_code: int | None
    error: str | None
    timed_out: bool
    seconds: float


def _short(error: BaseException) -> str:
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text[:200]}" if text else name


class Sender:
    def __init__(self, targets: Targets, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.targets = targets
        self.transport = transport  # tests may answer without a network
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[str, httpx.AsyncClient] = {}

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="smallwins-webhooks-http", daemon=True
            )
            self._thread.start()

    def post(
        self, webhook_id: str, url: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> Sent:
        """One attempt, from a deliverer's thread: its answer's status, or why it has none."""
        if self._loop is None:
            raise RuntimeError("the webhook sender is not started")
        started = time.monotonic()
        future = asyncio.run_coroutine_threadsafe(
            self._post(webhook_id, url, body, headers, timeout), self._loop
        )
        try:
            status = future.result(timeout + SPARE_SECONDS)
        except (TimeoutError, httpx.TimeoutException):
            future.cancel()
            return Sent(None, f"no answer within {timeout:g} s", True, time.monotonic() - started)
        except concurrent.futures.CancelledError:
            return Sent(None, "stopped: the process is shutting down", False, 0.0)
        except Refused as refused:
            return Sent(None, f"refused: {refused}", False, time.monotonic() - started)
        except Exception as error:  # noqa: BLE001 (any failure is a failed attempt, retried)
            return Sent(None, _short(error), False, time.monotonic() - started)
        return Sent(status, None, False, time.monotonic() - started)

    async def _post(
        self, webhook_id: str, url: str, body: bytes, headers: dict[str, str], timeout: float
    ) -> int:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(timeout):
            if needs_lookup(url):  # the resolver blocks: in a thread, within the deadline
                pinned = await loop.run_in_executor(None, self.targets.check, url)
            else:
                pinned = self.targets.check(url)
            extensions = {"sni_hostname": pinned.server_name} if pinned.server_name else {}
            client = self._client(webhook_id)
            async with client.stream(
                "POST",
                pinned.url,
                content=body,
                headers={**headers, "Host": pinned.host_header},
                extensions=extensions,
                timeout=httpx.Timeout(timeout),
            ) as response:
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= MAX_ANSWER:
                        break
                return response.status_code

    def _client(self, webhook_id: str) -> httpx.AsyncClient:
        client = self._clients.get(webhook_id)
        if client is None:
            client = httpx.AsyncClient(
                follow_redirects=False,
                trust_env=False,
                transport=self.transport,
                limits=httpx.Limits(max_connections=2, max_keepalive_connections=1),
            )
            self._clients[webhook_id] = client
        return client

    def retain(self, webhook_ids: set[str]) -> None:
        """Close the connections of webhooks that no longer exist."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._close(webhook_ids), self._loop)

    async def _close(self, keep: set[str] | None) -> None:
        if keep is None:  # stopping: attempts under way end now
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        for webhook_id in [w for w in self._clients if keep is None or w not in keep]:
            client = self._clients.pop(webhook_id)
            try:
                await client.aclose()
            except (httpx.HTTPError, OSError) as error:
                log.debug("closing a webhook's connections failed: %s", _short(error))

    def stop(self, timeout: float = 5.0) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._close(None), loop).result(timeout)
        except (TimeoutError, RuntimeError):
            log.warning("webhook connections did not close in %s s", timeout)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if not loop.is_running():
            loop.close()
