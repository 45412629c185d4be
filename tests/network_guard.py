"""No test reaches the outside world: `socket.socket.connect` (and `connect_ex`) refuse
any address that is not loopback (127.0.0.0/8, ::1) or a Unix socket, at once and with
a clear error, instead of waiting on the network.

Only Python sockets are guarded, in the test process: PostgreSQL (libpq connects in C,
over 127.0.0.1 or the embedded server's Unix socket), the Celery worker and Chromium are
separate processes or C code, and Redis, the live server and the SMTP test server are on
loopback. Installed for the whole session by `tests/conftest.py`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class OutboundConnectionBlocked(RuntimeError):
    """A test tried to connect outside this machine. A RuntimeError, not an OSError, so
    code that handles an unreachable server cannot mistake it for one and carry on."""


def _is_local(family: int, address: Any) -> bool:
    if family == getattr(socket, "AF_UNIX", None):
        return True
    if family not in (socket.AF_INET, socket.AF_INET6):
        return False
    host = address[0] if isinstance(address, tuple) and address else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False  # any other host name: refused without a DNS lookup
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _guard(connect: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(sock: socket.socket, address: Any, /) -> Any:
        if not _is_local(sock.family, address):
            raise OutboundConnectionBlocked(
                f"Tests may not connect outside this machine: refused {address!r}. "
                "Use a loopback address (127.0.0.1, ::1) or a Unix socket, or a fake."
            )
        return connect(sock, address)

    guarded.__name__ = connect.__name__
    guarded.__doc__ = connect.__doc__
    return guarded


@contextmanager
def outbound_network_blocked() -> Iterator[None]:
    original = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = _guard(original[0])  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard(original[1])  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original  # type: ignore[method-assign]
