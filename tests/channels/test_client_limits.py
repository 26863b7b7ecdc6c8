"""Per-client limits of the public endpoints (channels/client_limits.py)."""

from __future__ import annotations

import pytest

from channels.client_limits import OpenConnections, SlidingWindow, client_address


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_sliding_window_refuses_beyond_its_limit_until_the_window_passes():
    clock = Clock()
    window = SlidingWindow(3, 60.0, clock=clock)
    assert [window.hit("a") for _ in range(4)] == [True, True, True, False]
    assert window.hit("b"), "another key has its own count"
    clock.now = 30.0
    assert [window.hit("a") for _ in range(3)] == [False] * 3, "a flood stays refused"
    clock.now = 61.0
    assert not window.hit("a"), "the attempts at 0 s have passed, the ones at 30 s not yet"
    clock.now = 91.0
    assert window.hit("a")


def test_open_connections_are_counted_per_key_and_released():
    connections = OpenConnections(2)
    assert connections.acquire("a") and connections.acquire("a")
    assert not connections.acquire("a")
    assert connections.count("a") == 2, "a refused connection is not counted"
    assert connections.acquire("b")
    connections.release("a")
    assert connections.acquire("a")
    connections.release("z")  # never seen: nothing to release, nothing breaks
    assert connections.count("z") == 0


@pytest.mark.parametrize(("peer", "forwarded", "proxies", "address"), [
    ("198.51.100.7", "", 0, "198.51.100.7"),
    ("198.51.100.7", "10.0.0.1", 0, "198.51.100.7"),
    ("127.0.0.1", "198.51.100.7", 1, "198.51.100.7"),
    ("127.0.0.1", "6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),
    ("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", 2, "198.51.100.7"),
    ("127.0.0.1", "", 1, "127.0.0.1"),
    ("127.0.0.1", " , ", 1, "127.0.0.1"),
], ids=["direct", "direct-forged-header", "one-proxy", "one-proxy-forged-left",
        "two-proxies", "proxy-without-header", "blank-header"])
def test_the_client_address_is_counted_from_the_right(peer, forwarded, proxies, address):
    assert client_address(peer, forwarded, proxies) == address
