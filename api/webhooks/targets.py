"""Which URLs a webhook may call. Only http and https; the host (a literal address, or every
address its name resolves to) must be a public one: loopback, private (RFC 1918, ULA),
link-local, unspecified, multicast, reserved and other non-global addresses are refused
unless SMALLWINS_WEBHOOK_ALLOW_PRIVATE is set. Checked when a webhook is created and again
before every attempt; the attempt then connects to the address just checked (the URL's
host stays in the Host header and TLS's SNI and certificate check), so a name that is
re-pointed at a private address after creation (DNS rebinding) is refused, not called.

The URL is parsed by httpx, the client that sends: what is checked is what is called."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[str]]
SCHEMES = {"http": 80, "https": 443}
_KINDS = (
    ("is_loopback", "a loopback"),
    ("is_unspecified", "an unspecified"),
    ("is_link_local", "a link-local"),
    ("is_multicast", "a multicast"),
    ("is_private", "a private"),
    ("is_reserved", "a reserved"),
)
PRIVATE_HINT = "set SMALLWINS_WEBHOOK_ALLOW_PRIVATE=true to allow it"


class Refused(ValueError):
    """This URL may not be called; the message says why."""


@dataclass(frozen=True, slots=True)
class Pinned:
    """Where an attempt goes: the URL with its host replaced by the checked address, the
    Host header and the TLS server name of the original."""

    url: httpx.URL
    host_header: str
    server_name: str | None


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def refusal(address: IPAddress) -> str | None:
    """Why an address may not be called (None: it may)."""
    embedded = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded += [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
        embedded += list(address.teredo or ())
    for each in embedded:
        for test, kind in _KINDS:
            if getattr(each, test):
                return f"{each} is {kind} address"
        if not each.is_global:
            return f"{each} is not a public address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def needs_lookup(url: str) -> bool:
    """Whether checking the URL asks the resolver (its host is a name, not an address)."""
    try:
        return _literal(parse(url).raw_host.decode("ascii")) is None
    except Refused:
        return False


def parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise Refused("not a valid URL") from None
    if parsed.scheme not in SCHEMES:
        raise Refused("only http and https URLs can receive webhooks")
    if not parsed.host:
        raise Refused("the URL has no host")
    if parsed.userinfo:
        raise Refused("the URL may not carry a user name or password")
    if parsed.port == 0:
        raise Refused("port 0 cannot be called")
    return parsed


class Targets:
    def __init__(self, allow_private: bool, resolver: Resolve = resolve) -> None:
        self.allow_private = allow_private
        self.resolve = resolver  # tests put a fake resolver here

    def check(self, url: str) -> Pinned:
        """The URL parsed and its host resolved and checked, or Refused."""
        parsed = parse(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port or SCHEMES[parsed.scheme]
        addresses = self._addresses(host, port)
        if not self.allow_private:
            for address in addresses:
                why = refusal(address)
                if why is not None:
                    named = "" if host == str(address) else f"{host} resolves to "
                    raise Refused(f"{named}{why}: {PRIVATE_HINT}")
        chosen = str(addresses[0])
        return Pinned(
            url=parsed.copy_with(host=chosen),
            host_header=parsed.netloc.decode("ascii"),
            server_name=host if parsed.scheme == "https" and host != chosen else None,
        )

    def _addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        try:
            found = [ipaddress.ip_address(a.split("%")[0]) for a in self.resolve(host, port)]
        except (OSError, UnicodeError, ValueError):
            found = []
        if not found:
            raise Refused(f"{host} does not resolve to any address")
        return found
