"""The web app's timers: hand-offs nobody took (P14), waiting citizens' updates (R2)
and silent citizens (P3).

Both live in the store, so they survive restarts of any process; each step is
claimed with a conditional UPDATE, so several web apps never send it twice. The
bot is woken through Rasa's HTTP API. Hand-off times follow the settings' clock;
silence is measured on the wall clock, like the citizen's messages.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from console.relay import Relay, RelayError
from console.settings import ConsoleSettings
from store.activity import claim_due_closings, claim_due_prompts, undo_claim
from store.clock import system_clock
from store.db import session_for
from store.handoffs import claim_due_updates, expire_overdue, retry_update

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


def send_waiting_updates(settings: ConsoleSettings, relay: Relay) -> list[int]:
    """R2: every waiting citizen hears from the bot each `handoff_update_seconds`.

    The ids of the hand-offs updated; one whose update Rasa could not take is
    retried at the next sweep.
    """
    now = settings.clock()
    every = timedelta(seconds=settings.handoff_update_seconds)
    with session_for(settings.database_url) as session:
        due = [(h.id, h.conversation_id) for h in claim_due_updates(session, now, every)]
    sent = []
    for handoff_id, conversation_id in due:
        try:
            relay.trigger(conversation_id, "EXTERNAL_handoff_waiting", {})
            sent.append(handoff_id)
        except RelayError as error:
            log.warning("waiting update of hand-off %s not relayed: %s", handoff_id, error)
            with session_for(settings.database_url) as session:
                retry_update(session, handoff_id, now)
    return sent


def check_inactivity(settings: ConsoleSettings, relay: Relay, now=None) -> dict[str, list[str]]:
    """Sends the due prompts and closings (P3); the conversation ids of each sent."""
    now = now or system_clock()
    with session_for(settings.database_url) as session:
        close_after = timedelta(seconds=settings.inactivity_close_seconds)
        prompt_after = timedelta(seconds=settings.inactivity_prompt_seconds)
        closings = claim_due_closings(
            session, now, close_after, answer_time=max(close_after - prompt_after, timedelta(0))
        )
        prompts = claim_due_prompts(session, now, prompt_after)
    sent: dict[str, list[str]] = {"prompted": [], "closed": []}
    for step, intent, conversation_ids in (
        ("closed", "EXTERNAL_inactivity_close", closings),
        ("prompted", "EXTERNAL_inactivity_prompt", prompts),
    ):
        for conversation_id in conversation_ids:
            try:
                relay.trigger(conversation_id, intent, {})
                sent[step].append(conversation_id)
            except RelayError as error:
                log.warning("%s not relayed, retried at the next sweep: %s", intent, error)
                with session_for(settings.database_url) as session:
                    undo_claim(session, conversation_id, step)
    return sent


class Sweeper:
    """A daemon thread running the hand-off expiry and the inactivity check periodically."""

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
                send_waiting_updates(self.settings, self.relay)
                inactive = check_inactivity(self.settings, self.relay)
                if inactive["prompted"] or inactive["closed"]:
                    log.info("inactivity: %d prompted, %d closed",
                             len(inactive["prompted"]), len(inactive["closed"]))
            except Exception:  # keep sweeping whatever happened this round
                log.exception("hand-off sweep failed")
            self._stop.wait(self.settings.sweep_interval_seconds)
