"""The webhook client's network: every address it connects to is the address it checked.

Checking a URL when it is registered is not enough: a name may resolve to a public address then
and to 127.0.0.1 at delivery (DNS rebinding). So the delivery client (:class:`WebhookClient`,
one pooled aiohttp session) resolves through :class:`GuardedResolver`, which refuses the
connection if any address is not public (:func:`~services.events.domain.addresses.is_public`)
or the port is not allowed; aiohttp then connects to the checked address — never to a name
resolved again — and still verifies TLS against the host name. A literal address, which aiohttp
resolves by itself, is checked before the request. Registration uses the same
:class:`AddressGuard`, so the two agree.

``webhook_allow_private`` (tests, a trusted on-premises receiver) lifts the address and port
rules; ``webhook_allowed_ports`` adds ports to 80 and 443.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from services.common.domain import Invalid
from services.common.settings import Settings
from services.events.domain.addresses import DEFAULT_PORTS, Target, is_public, parse_address, target_of

__all__ = ["AddressGuard", "GuardedResolver", "Refused", "Resolver", "Unresolvable", "WebhookClient", "system_resolver"]

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]
DRAINED_BYTES = 65_536
"""An answer up to this long is read (and dropped) so that its connection is kept alive."""


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


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for the delivery client: a host's addresses only if the guard allows every one of them.

    The connector connects to exactly the addresses returned here (never to the name resolved
    again), and keeps the host name for TLS (SNI and the certificate check). aiohttp does not ask a
    resolver about a literal address; :meth:`WebhookClient.post` checks those itself.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        """The checked addresses of ``host``; :class:`OSError` (aiohttp's "cannot connect") when the guard refuses."""
        try:
            addresses = await self._guard.addresses(host, port)
        except Refused as refused:
            log.info("webhook connection to %s:%s refused: %s", host, port, refused)
            raise OSError("could not connect") from refused
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release."""


class WebhookClient:
    """The delivery client, one per dispatcher: pooled, kept-alive connections, each to an address the guard allowed;
    no redirects, no proxy or certificate settings from the environment, no DNS cache (every new connection is checked)."""

    def __init__(self, guard: AddressGuard, *, timeout_s: float, connections: int) -> None:
        self._guard = guard
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(guard), use_dns_cache=False, limit=connections, limit_per_host=0)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_s), trust_env=False, auto_decompress=False
        )

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int | None:
        """POST once; the answer's status, or None if there was no answer (refused, unreachable, timed out, broken)."""
        try:
            target = target_of(url)
            if parse_address(target.host) is not None:
                await self._guard.addresses(target.host, target.port)  # a literal address: no resolver sees it
            async with self._session.post(url, data=body, headers=dict(headers), allow_redirects=False) as response:
                await _drain(response)
                return response.status
        except (Refused, Invalid) as refused:
            log.info("webhook connection refused: %s", refused)
        except (aiohttp.ClientError, TimeoutError, ValueError) as failure:
            log.info("webhook delivery could not connect: %s", type(failure).__name__)
        return None

    async def close(self) -> None:
        """Close the pooled connections."""
        await self._session.close()


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read a short answer to its end, so that its connection goes back to the pool; a long one is cut (its connection
    closed). Nothing of it is kept."""
    read = 0
    while chunk := await response.content.read(DRAINED_BYTES):
        read += len(chunk)
        if read > DRAINED_BYTES:
            response.close()
            return
