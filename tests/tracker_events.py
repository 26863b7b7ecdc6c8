"""Citizens' turns written to Rasa's `events` table by the real tracker store
(rasa_runtime.tracker_store, as the Rasa server saves a conversation after each
turn), for the tests of the figures read from that table (store/monitoring.py)."""

from __future__ import annotations

import asyncio
import copy
import json

from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_runtime.tracker_store import WindowedSQLTrackerStore

START = 1_796_000_000.0  # Unix seconds: the first turn's message


def turn(at: float, seconds: float, text: str = "¿Cuál es el horario?",
         intent: str = "faq") -> list[Event]:
    """A citizen's message at `at` and the bot's reply, done `seconds` later."""
    return [
        UserUttered(text, intent={"name": intent, "confidence": 1.0}, timestamp=at),
        ActionExecuted("action_answer_faq", timestamp=at + seconds / 2),
        BotUttered("El horario es de 8:00 a 12:00.", timestamp=at + seconds / 2),
        ActionExecuted("action_listen", timestamp=at + seconds),
    ]


def external_turn(at: float, intent: str = "EXTERNAL_inactivity_prompt") -> list[Event]:
    """A turn the web app pushed (Rasa's trigger_intent): the citizen wrote nothing."""
    pushed = UserUttered.create_external(intent)
    pushed.timestamp = at
    return [pushed, BotUttered("¿Se encuentra en línea?", timestamp=at + 0.1),
            ActionExecuted("action_listen", timestamp=at + 0.2)]


class TrackerEvents:
    """Conversations saved through the tracker store, one `save` per call of `add`."""

    def __init__(self, database_url: str, slots: tuple[Slot, ...] = ()) -> None:
        self.store = WindowedSQLTrackerStore(domain=None, host=database_url, window_events=0)
        self.slots = slots
        self._trackers: dict[str, DialogueStateTracker] = {}

    def add(self, sender: str, *events: Event) -> None:
        """Appends events to the conversation and saves it, as Rasa does after a turn."""
        tracker = self._trackers.setdefault(
            sender, DialogueStateTracker(sender, [copy.deepcopy(s) for s in self.slots]))
        for event in events:
            tracker.update(event)
        asyncio.run(self.store.save(tracker))

    def insert(self, row_id: int, sender: str, event: Event) -> None:
        """One row with a chosen id, written as the store writes it (a late commit)."""
        data = event.as_dict()
        with self.store.session_scope() as session:
            session.execute(self.store.SQLEvent.__table__.insert().values(
                id=row_id, sender_id=sender, type_name=event.type_name,
                timestamp=data.get("timestamp"),
                intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                action_name=data.get("name"), data=json.dumps(data)))
            session.commit()

    def close(self) -> None:
        self.store.engine.dispose()
