"""A conversation's lock taken again when another process deleted it meanwhile.

Rasa 3.6's `LockStore.lock` issues a ticket, then checks whether its turn has come.
With several processes on one Redis lock store (two replicas; a second process for
the web app's pushes), the lock's read-modify-write is not atomic: a process
finishing a turn of the same conversation (an inactivity prompt, an agent's reply)
may delete the lock between the ticket's issue and its first check. Rasa then raises
`LockError` at once and the citizen's message gets no turn (the widget resends it
only after 45 s). Seen when a citizen answered "¿Se encuentra en línea?" at once.

Here a refusal that comes before any wait is retried with a new ticket, up to
`ATTEMPTS` times; the turn runs once (the error comes before it starts). A lock that
expired while its ticket waited is refused as Rasa refuses it.

Replaces: `rasa.core.lock_store.LockStore.lock` (`REPLACEMENTS`, installed by
`rasa_runtime.install()`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from rasa_runtime.replacing import Replacement

logger = logging.getLogger(__name__)

ATTEMPTS = 3
RETRY_SECONDS = 0.05


@asynccontextmanager
async def lock(
    self: LockStore,
    conversation_id: str,
    lock_lifetime: float = LOCK_LIFETIME,
    wait_time_in_seconds: float = 1,
) -> AsyncGenerator[TicketLock, None]:
    """As Rasa's: a ticket, then its turn; a lock gone before any wait is taken again."""
    for attempt in range(1, ATTEMPTS + 1):
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        started = time.monotonic()
        try:
            acquired = await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        except LockError:
            self.cleanup(conversation_id, ticket)
            waited = time.monotonic() - started >= wait_time_in_seconds
            if waited or attempt == ATTEMPTS:
                raise
            logger.info("the conversation's lock was deleted by another process: taken again")
            await asyncio.sleep(RETRY_SECONDS)
            continue
        try:
            yield acquired
        finally:
            self.cleanup(conversation_id, ticket)
        return


REPLACEMENTS = (Replacement(LockStore, "lock", lock),)
