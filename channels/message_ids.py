"""Exactly-once handling of a citizen's message that the widget may send more than once.

The widget keeps a message in its outbox until the server acknowledges it, and the
acknowledgement leaves only after the whole turn. A message is therefore resent when
the connection, or the Rasa process handling it, dies mid-turn. Stock Rasa loses such
a message (nothing is saved before the end of a turn); remembering its id on arrival
would lose it too (the resend would be dropped). Here each id goes through three
states, shared in Redis when several Rasa processes run, else kept in this process:

- `claim(key)`: "new" (handle it now; a lease of `lease_seconds` is taken, by
  default Rasa's lock lifetime plus a margin), "done"
  (handled before: drop it and acknowledge), or "busy" (another copy is being
  handled; wait with `wait_turn`).
- `done(key)` after the turn: resends are dropped for `done_ttl` seconds.
- `release(key)` when the turn failed: the next resend is handled.

A process killed mid-turn leaves its lease, which expires, so the resend is handled
by whichever process it reaches then.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict

from settings import Settings, current

DONE_TTL_SECONDS = 6 * 3600
# Longer than a turn can last: Rasa's lock store holds a conversation at most
# `TICKET_LOCK_LIFETIME` seconds (60 by default); the lease adds a margin.
LEASE_MARGIN_SECONDS = 15
IN_MEMORY = 50_000
NEW, DONE, BUSY = "new", "done", "busy"
# The widget's ids are UUIDs; anything else is not remembered (a client must not be
# able to store a megabyte in Redis per message).
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def message_key(sender_id: str, client_id: object) -> str | None:
    """The key of one message of one conversation, or None for a missing or odd id."""
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        return None
    return f"{sender_id}:{client_id}"


def lease_of(values: Settings) -> float:
    """The lease of `values` (settings): Rasa's lock lifetime plus a margin."""
    return values.ticket_lock_lifetime + LEASE_MARGIN_SECONDS


class MessageIds:
    """The state of each client message id: in Redis when shared, else in memory."""

    def __init__(self, redis_url: str | None = None, lease_seconds: float | None = None,
                 done_ttl: int = DONE_TTL_SECONDS) -> None:
        self.lease_seconds = lease_seconds if lease_seconds is not None else lease_of(current())
        self.done_ttl = done_ttl
        self._memory: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._redis = None
        if redis_url:
            from redis.asyncio import from_url

            self._redis = from_url(redis_url)

    @staticmethod
    def _key(key: str) -> str:
        return f"tenjo:message:{key}"

    async def claim(self, key: str) -> str:
        """NEW (and the lease is yours), DONE or BUSY."""
        if self._redis is not None:
            lease_ms = max(1, int(self.lease_seconds * 1000))
            if await self._redis.set(self._key(key), BUSY, nx=True, px=lease_ms):
                return NEW
            state = await self._redis.get(self._key(key))
            if state is None:  # expired between the two calls
                return await self.claim(key)
            return DONE if state == DONE.encode() else BUSY
        now = time.monotonic()
        state, until = self._memory.get(key, (None, 0.0))
        if state is not None and until > now:
            return state
        self._memory[key] = (BUSY, now + self.lease_seconds)
        self._memory.move_to_end(key)
        if len(self._memory) > IN_MEMORY:
            self._memory.popitem(last=False)
        return NEW

    async def wait_turn(self, key: str, poll: float = 0.25) -> str:
        """Claims, waiting while another copy is handled: NEW or DONE."""
        while (state := await self.claim(key)) == BUSY:
            await asyncio.sleep(poll)
        return state

    async def done(self, key: str) -> None:
        """The message was handled: its resends are dropped."""
        if self._redis is not None:
            await self._redis.set(self._key(key), DONE, ex=self.done_ttl)
            return
        self._memory[key] = (DONE, time.monotonic() + self.done_ttl)

    async def release(self, key: str) -> None:
        """The message could not be handled: a resend will be."""
        if self._redis is not None:
            await self._redis.delete(self._key(key))
            return
        self._memory.pop(key, None)
