"""Where a webhook may go: public addresses on the scheme's port, checked on every connection.

``ipaddress``'s ``is_global`` is the start, but it calls several ranges global that reach
private hosts through a translator: 6to4 (``2002::/16`` carries an IPv4 address, so
``2002:7f00:1::`` is 127.0.0.1), NAT64 (``64:ff9b::/96`` carries one in its last 32 bits;
``64:ff9b:1::/48`` is local-use NAT64), Teredo (``2001::/32``), IPv4-mapped and IPv4-compatible
IPv6 (``::ffff:0:0/96``, ``::/96``), and IPv4 multicast. Carried IPv4 addresses are checked as
IPv4; the rest is refused outright. CGNAT (``100.64.0.0/10``, where cloud metadata such as
Alibaba's 100.100.100.200 lives) is refused explicitly, whatever the Python version says.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import urlparse

from services.common.domain import Invalid

__all__ = ["DEFAULT_PORTS", "Target", "is_public", "parse_address", "target_of"]

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2_000

CGNAT = ipaddress.ip_network("100.64.0.0/10")
MULTICAST_V4 = ipaddress.ip_network("224.0.0.0/4")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
TEREDO = ipaddress.ip_network("2001::/32")
MAPPED = ipaddress.ip_network("::ffff:0:0/96")
IETF_RESERVED = ipaddress.ip_network("::/8")  # the unspecified, loopback, IPv4-compatible and mapped forms


def parse_address(host: str) -> IPv4Address | IPv6Address | None:
    """The IP address a host names literally (``[…]`` and a zone index stripped), or None for a name."""
    literal = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(literal)
    except ValueError:
        return None


def is_public(address: IPv4Address | IPv6Address) -> bool:
    """True only for an address on the public internet that no translator maps to a private one."""
    if isinstance(address, IPv6Address):
        if address in SIX_TO_FOUR:
            embedded = address.sixtofour
            return embedded is not None and is_public(embedded)
        if address in NAT64:
            return is_public(IPv4Address(int(address) & 0xFFFF_FFFF))
        if address in LOCAL_NAT64 or address in TEREDO or address in MAPPED or address in IETF_RESERVED:
            return False
        return address.is_global and not address.is_multicast
    if address in CGNAT or address in MULTICAST_V4:
        return False
    return address.is_global and not address.is_reserved


@dataclass(frozen=True, slots=True)
class Target:
    """Where a webhook URL points: its scheme, host (a name or a literal address) and port."""

    scheme: str
    host: str
    port: int

    @property
    def default_port(self) -> bool:
        """The scheme's own port (80 for http, 443 for https)."""
        return self.port == DEFAULT_PORTS[self.scheme]


def target_of(url: str) -> Target:
    """The URL's scheme, host and port, or :class:`Invalid` naming what is wrong (before any lookup)."""
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"the URL is longer than {MAX_URL_LENGTH} characters", field="url")
    parsed = urlparse(url.strip())
    scheme = parsed.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        shown = f"the scheme {scheme}:// is" if scheme else "a URL without a scheme is"
        raise Invalid(f"{shown} not allowed: a webhook URL starts with https:// or http://", field="url")
    if not parsed.hostname:
        raise Invalid("a webhook URL names a host", field="url")
    try:
        port = parsed.port
    except ValueError as error:
        raise Invalid("the port is not a number between 0 and 65535", field="url") from error
    return Target(scheme, parsed.hostname, port if port is not None else DEFAULT_PORTS[scheme])
