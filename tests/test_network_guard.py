"""Tests cannot reach the outside world, and everything local still connects."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.network_guard import OutboundConnectionBlocked

# TEST-NET-3 (RFC 5737) and the IPv6 documentation range (RFC 3849): never anyone's.
OUTSIDE = [
    (socket.AF_INET, ("203.0.113.1", 80)),
    (socket.AF_INET6, ("2001:db8::1", 80, 0, 0)),
    (socket.AF_INET6, ("::ffff:203.0.113.1", 80, 0, 0)),
    (socket.AF_INET, ("example.org", 443)),
]


@pytest.mark.parametrize(("family", "address"), OUTSIDE)
def test_an_outbound_connect_is_refused_at_once(family: int, address: tuple[object, ...]) -> None:
    started = time.monotonic()
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        with pytest.raises(OutboundConnectionBlocked, match="may not connect outside"):
            sock.connect(address)
        with pytest.raises(OutboundConnectionBlocked):
            sock.connect_ex(address)
    assert time.monotonic() - started < 1


def test_the_standard_library_clients_are_refused_too() -> None:
    with pytest.raises(OutboundConnectionBlocked):
        socket.create_connection(("203.0.113.1", 80), timeout=10)
    with pytest.raises(OutboundConnectionBlocked):
        urllib.request.urlopen("http://203.0.113.1/", timeout=10)


def test_loopback_connects_as_before() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection((host, port), timeout=5):
                pass
    # Nobody listens there now: the refusal is the system's, not the guard's.
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.2", port))


def test_a_unix_socket_connects_as_before(tmp_path: Path) -> None:
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
        server.bind(path)
        server.listen()
        client.connect(path)


def test_redis_still_answers() -> None:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    import redis

    assert redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()


def test_the_database_still_answers(db: None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
