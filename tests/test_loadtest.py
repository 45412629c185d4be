"""The load test's guard (loadtest/run.py): it runs against this machine only."""

import pytest

from loadtest.run import require_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_it_accepts_a_loopback_host(host: str) -> None:
    assert require_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["10.0.0.5", "192.168.1.10", "cim.example.org", "0.0.0.0", "", "localhost.evil.org"],  # noqa: S104
)
def test_it_refuses_any_other_host(host: str) -> None:
    with pytest.raises(SystemExit, match=r"127\.0\.0\.1 only"):
        require_loopback(host)
