"""Per-client limits on the public endpoints, kept in memory by each process.

- `SlidingWindow`: at most `limit` attempts of one key within `window` seconds
  (every attempt counts, so a flood stays refused while it goes on). The message
  guard uses it per conversation and per client address; the web app per address
  for `POST /chat/session`.
- `OpenConnections`: at most `limit` open socket.io connections per client address.
- `client_address`: whom to count, behind a known number of reverse proxies.

Each process counts on its own: with two Rasa servers a client may get up to twice
the limit, which nginx's `limit_req` / `limit_conn` (deploy/nginx.conf.template)
bound for the whole installation. Standard library only (the web app uses it too).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

TRACKED_KEYS = 100_000


class SlidingWindow:
    """At most `limit` attempts per key within `window` seconds."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, deque] = OrderedDict()

    def hit(self, key: str) -> bool:
        """Counts an attempt of `key`; False when it is over the limit."""
        with self._lock:
            now = self._clock()
            times = self._attempts.pop(key, None) or deque()
            while times and now - times[0] > self.window:
                times.popleft()
            times.append(now)
            self._attempts[key] = times
            if len(self._attempts) > TRACKED_KEYS:
                self._attempts.popitem(last=False)
            return len(times) <= self.limit


class OpenConnections:
    """At most `limit` open connections per key."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        """Counts a new connection of `key`; False (and not counted) over the limit."""
        with self._lock:
            count = self._open.get(key, 0)
            if count >= self.limit:
                return False
            self._open[key] = count + 1
            return True

    def release(self, key: str) -> None:
        """A connection of `key` closed."""
        with self._lock:
            count = self._open.get(key, 0) - 1
            if count > 0:
                self._open[key] = count
            else:
                self._open.pop(key, None)

    def count(self, key: str) -> int:
        """The connections of `key` open now."""
        with self._lock:
            return self._open.get(key, 0)


def client_address(peer: str, forwarded_for: str, trusted_proxies: int) -> str:
    """The client's address: the connection's own `peer`, or with `trusted_proxies`
    reverse proxies in front, the address the outermost of them saw, counted from the
    right of `X-Forwarded-For` (what a client forges on the left is never chosen)."""
    if trusted_proxies <= 0:
        return peer
    chain = [part.strip() for part in forwarded_for.split(",") if part.strip()] + [peer]
    return chain[max(len(chain) - 1 - trusted_proxies, 0)]
