"""Expires hand-offs nobody took in time (P14) and tells the bot, so it apologises."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from console.relay import Relay, RelayError
from console.settings import ConsoleSettings
from store.db import session_for
from store.handoffs import expire_overdue

log = logging.getLogger(__name__)


def expire_overdue_handoffs(settings: ConsoleSettings, relay: Relay) -> list[int]:
    """Expires the overdue waiting hand-offs; the ids of those this call expired."""
    now = settings.clock()
    requested_before = now - timedelta(seconds=settings.handoff_timeout_seconds)
    with session_for(settings.database_url) as session:
        expired = [
            (handoff.id, handoff.conversation_id)
            for handoff in expire_overdue(session, requested_before=requested_before, at=now)
        ]
    for handoff_id, conversation_id in expired:
        try:
            relay.trigger(conversation_id, "EXTERNAL_handoff_expired", {})
        except RelayError as error:
            log.warning("expiry of hand-off %s not relayed: %s", handoff_id, error)
    return [handoff_id for handoff_id, _ in expired]


class Sweeper:
    """A daemon thread running `expire_overdue_handoffs` every `sweep_interval_seconds`."""

    def __init__(self, settings: ConsoleSettings, relay: Relay) -> None:
        self.settings = settings
        self.relay = relay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Sweeper:
        """Starts the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="handoff-sweeper", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Asks the thread to finish and waits for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                expired = expire_overdue_handoffs(self.settings, self.relay)
                if expired:
                    log.info("expired hand-offs %s", expired)
            except Exception:  # keep sweeping whatever happened this round
                log.exception("hand-off sweep failed")
            self._stop.wait(self.settings.sweep_interval_seconds)
