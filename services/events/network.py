"""The webhook client's network: every address it connects to is the address it checked.

Checking a URL when it is registered is not enough: a name may resolve to a public address then
and to 127.0.0.1 at delivery (DNS rebinding). So the delivery client connects through
:class:`GuardedBackend`, an httpcore network backend that resolves the host itself, refuses the
connection if any address is not public (:func:`~services.events.domain.addresses.is_public`)
or the port is not allowed, and connects to the checked address — never to a name resolved
again. TLS still verifies the certificate against the host name (httpcore passes it to
``start_tls`` separately). Registration uses the same :class:`AddressGuard`, so the two agree.

``webhook_allow_private`` (tests, a trusted on-premises receiver) lifts the address and port
rules; ``webhook_allowed_ports`` adds ports to 80 and 443.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from services.common.domain import Invalid
from services.common.settings import Settings
from services.events.domain.addresses import DEFAULT_PORTS, Target, is_public, parse_address, target_of

__all__ = ["AddressGuard", "GuardedBackend", "Refused", "Resolver", "Unresolvable", "guarded_client", "system_resolver"]

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]


class Refused(Exception):
    """A connection a webhook may not make: the port, or an address the host resolves to, is not allowed."""


class Unresolvable(Refused):
    """The host does not resolve."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses, as the operating system resolves them (:class:`OSError` if it does not)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressGuard:
    """Decides which addresses and ports a webhook may reach; ``resolver`` may be replaced (tests)."""

    def __init__(self, settings: Settings, resolver: Resolver = system_resolver) -> None:
        self.resolver = resolver
        self._allow_private = settings.webhook_allow_private
        self._ports = frozenset(DEFAULT_PORTS.values()) | frozenset(settings.webhook_allowed_ports)

    def port_allowed(self, port: int) -> bool:
        """80, 443 and the configured ports (any port when private receivers are allowed)."""
        return self._allow_private or port in self._ports

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host``; :class:`Refused` unless every one of them is allowed."""
        if not self.port_allowed(port):
            raise Refused(f"port {port} is not allowed")
        literal = parse_address(host)
        if literal is not None:
            found = [str(literal)]
        else:
            try:
                found = await self.resolver(host, port)
            except OSError as error:
                raise Unresolvable("the host does not resolve") from error
            if not found:
                raise Unresolvable("the host does not resolve")
        if not self._allow_private:
            for address in found:
                parsed = parse_address(address)
                if parsed is None or not is_public(parsed):
                    raise Refused("the host resolves to an address that is not public")
        return found

    async def checked_url(self, url: str) -> str:
        """A URL fit to register (scheme, port and every address), or :class:`Invalid` saying why not."""
        target: Target = target_of(url)
        if not self.port_allowed(target.port):
            raise Invalid(f"port {target.port} is not allowed: a webhook URL uses port 443 (https) or 80 (http)", field="url")
        try:
            await self.addresses(target.host, target.port)
        except Unresolvable as unresolvable:
            raise Invalid("the host does not resolve", field="url") from unresolvable
        except Refused as refused:
            raise Invalid(
                "webhook URLs must point at public addresses (not private, loopback, link-local or shared)", field="url"
            ) from refused
        return url.strip()


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard allowed."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check, then connect to the checked addresses in turn."""
        try:
            addresses = await self._guard.addresses(host, port)
        except Refused as refused:
            log.info("webhook connection to %s:%s refused: %s", host, port, refused)
            raise httpcore.ConnectError("could not connect") from refused
        failure: Exception = httpcore.ConnectError("could not connect")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: webhooks go over TCP."""
        raise httpcore.ConnectError("could not connect")

    async def sleep(self, seconds: float) -> None:
        """As the inner backend sleeps."""
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose network is the guarded backend (no proxies from the environment)."""

    def __init__(self, guard: AddressGuard, connections: int) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(guard),
        )


def guarded_client(guard: AddressGuard, *, timeout_s: float, connections: int = 100) -> httpx.AsyncClient:
    """The delivery client (one, shared by every delivery: connections are pooled and kept alive): guarded connections,
    no redirects, no proxy or certificate settings from the environment."""
    return httpx.AsyncClient(transport=_GuardedTransport(guard, connections), timeout=timeout_s, follow_redirects=False, trust_env=False)
