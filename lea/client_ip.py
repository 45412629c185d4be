"""The address of the person's computer, for lockout (django-axes), throttles and logs.

Behind a reverse proxy every request comes from the proxy's address; the proxy says whom
it served in `X-Forwarded-For`, each proxy appending the address it received from. Anyone
can send that header, so it is read only when the request comes from a proxy named in
TRUSTED_PROXIES, and then only from the right, past the trusted proxies: the first
address that is not one of them is the client. What stands to its left is whatever the
client claimed, and is ignored. With no TRUSTED_PROXIES the header is never read.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or what the trusted proxies in front say it is."""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    current = _address(peer)
    if current is None or not _trusted(current, networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        hop = _address(entry)
        if hop is None:
            break  # not written by a proxy we trust: stop at the last trusted hop
        current = hop
        if not _trusted(hop, networks):
            break
    return str(current)


class ClientIpLogFilter(logging.Filter):
    """Adds `client_ip` to log records, from the request that Django's loggers attach
    (django.request, django.security); "-" for records without one."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.client_ip = client_ip(request) if isinstance(request, HttpRequest) else "-"
        return True
