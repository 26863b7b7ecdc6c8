"""Rasa's SQL tracker store, giving each turn a bounded window of the conversation.

Stock Rasa loads and replays every event of the current session on every turn,
featurises all of it for each prediction and sends all of it to the action server:
a turn costs more the longer the conversation (docs/benchmarks.md measured turn 200
at five times turn 1). Here `retrieve` returns, once a session holds more than
`TRACKER_WINDOW_EVENTS` events (default 120):

- a `session_started` event with the session's first timestamp,
- the state the conversation had where the window starts: the latest value of every
  slot (`SlotSet`), whether it was paused, the active loop, and
- the events from the first `action_listen` among the last `TRACKER_WINDOW_EVENTS`:
  whole turns, so the policies and the actions see the recent turns exactly.

The slot values come from one grouped query (the latest `slot` event per slot name),
so what is read and parsed no longer grows with the conversation. Rows are read and
written as plain rows (SQLAlchemy Core): a session shorter than the window costs one
query; `save` appends what the turn added in one statement, without counting the
stored events first as stock Rasa does (a count a window would break).
`retrieve_full_tracker`, which Rasa's HTTP API uses (`GET /conversations/<id>/tracker`:
the widget's history, the console), is stock: it still gives every event.

What the window changes: an action sees at most the window's turns (the hand-off
transcript sent to an agent holds the last turns of a very long chat); `/restart`
and slot resets before the window are applied through the state, as are slots.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from store.db import create_pooled_engine

DEFAULT_WINDOW_EVENTS = 120
# Events that change the tracker's state beyond its list of events.
_RESETS = ("reset_slots", "restart")
_PAUSES = ("pause", "resume")


def window_from_env(env: dict[str, str] | None = None) -> int:
    """`TRACKER_WINDOW_EVENTS`; 0 turns the window off (stock Rasa)."""
    raw = (os.environ if env is None else env).get("TRACKER_WINDOW_EVENTS", "")
    try:
        value = int(raw) if raw.strip() else DEFAULT_WINDOW_EVENTS
    except ValueError:
        return DEFAULT_WINDOW_EVENTS
    return max(value, 0)


@dataclass
class _Stored:
    """How many of a tracker's events are already in the database (set on the tracker)."""

    kept: int


class WindowedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose `retrieve` gives the recent turns and the current state.

    It also reads and writes plain rows (SQLAlchemy Core) instead of one ORM object
    per event, a tracker it built is saved without counting the stored events, the
    database is used from a worker thread, and a SQLite file through a pool.
    """

    def __init__(self, *args: Any, window_events: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window_events = window_from_env() if window_events is None else window_events
        if self.engine.dialect.name == "sqlite":
            # Rasa's engine opens a new connection for every retrieve and save (and an
            # in-memory database would be another one in the worker thread).
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_pooled_engine(url)
            self.Base.metadata.create_all(self.engine)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session, windowed when it is long (one query when it is not).

        The database is read in a worker thread: a slow disk or a busy database delays
        this conversation, not every conversation of the process.
        """
        if not self.window_events or self.domain is None:
            return await super().retrieve(sender_id)
        events = await asyncio.to_thread(self._read_events, sender_id)
        if not events:
            return None
        tracker = DialogueStateTracker.from_events(
            sender_id, deserialise_events(events), self.domain.slots)
        tracker.tenjo_stored = _Stored(kept=len(tracker.events))
        return tracker

    def _read_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The serialised events `retrieve` replays: the session, or its window."""
        with self.session_scope() as session:
            session_events = self._event_query(session, sender_id, False).subquery()
            column = session_events.c
            tail = session.execute(
                sa.select(column.id, column.type_name, column.action_name, column.data)
                .order_by(column.id.desc()).limit(self.window_events + 1)
            ).all()
            tail.reverse()
            if len(tail) <= self.window_events:  # the whole session
                return [json.loads(row.data) for row in tail]
            start = _turn_start(tail[1:])
            if start is None:  # no turn boundary in the tail: the whole session
                rows = session.execute(sa.select(column.data).order_by(column.id)).scalars()
                return [json.loads(data) for data in rows]
            events = self._state_before(session, sender_id, session_events, start)
            return events + [json.loads(row.data) for row in tail if row.id >= start]

    def _state_before(self, session: Any, sender_id: str, session_events: Any,
                      start_id: int) -> list[dict[str, Any]]:
        """`session_started` and the state (slots, pause, active loop) at `start_id`."""
        event = self.SQLEvent
        first_id, first_timestamp = session.execute(
            sa.select(session_events.c.id, session_events.c.timestamp)
            .order_by(session_events.c.id).limit(1)
        ).one()
        before = sa.and_(event.sender_id == sender_id, event.id >= first_id,
                         event.id < start_id)
        reset_at = session.execute(
            sa.select(sa.func.max(event.id)).where(before, event.type_name.in_(_RESETS))
        ).scalar() or 0
        after_reset = sa.and_(before, event.id > reset_at)
        state_ids = list(session.execute(
            sa.select(sa.func.max(event.id)).where(after_reset, event.type_name == "slot")
            .group_by(event.action_name)
        ).scalars())
        for kinds in (_PAUSES, ("active_loop",)):
            state_ids.append(session.execute(
                sa.select(sa.func.max(event.id)).where(after_reset, event.type_name.in_(kinds))
            ).scalar())
        state = session.execute(
            sa.select(event.data).where(event.id.in_([i for i in state_ids if i]))
            .order_by(event.id)
        ).scalars().all()
        return [{"event": "session_started", "timestamp": first_timestamp},
                *(json.loads(data) for data in state)]

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends what was added since `retrieve` built the tracker, in one statement
        (in a worker thread); any other tracker (a new conversation) is saved as Rasa does."""
        stored: _Stored | None = getattr(tracker, "tenjo_stored", None)
        if stored is None:
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        new_events = list(tracker.events)[stored.kept:]
        if new_events:
            rows = []
            for new_event in new_events:
                data = new_event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id,
                    "type_name": new_event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })
            await asyncio.to_thread(self._insert, rows)
        stored.kept = len(tracker.events)

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        """Appends the rows of one turn's new events."""
        with self.session_scope() as session:
            session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()


_event_classes: dict[str, type[Event]] = {}


def deserialise_events(serialised: list[dict[str, Any]]) -> list[Event]:
    """Rasa's `deserialise_events`, with the event classes looked up in a table.

    Rasa finds each event's class by walking every `Event` subclass and asking
    `inspect.isabstract` of each (`Event.resolve_by_type`): about 40 classes per event
    read. The table is filled once, in the same order, so the first class with a given
    `type_name` wins as in Rasa; a name it lacks goes to Rasa's own lookup.
    """
    if not _event_classes:
        for cls in all_subclasses(Event):
            _event_classes.setdefault(cls.type_name, cls)
    events = []
    for parameters in serialised:
        cls = _event_classes.get(parameters.get("event"))
        event = cls._from_parameters(parameters) if cls else Event.from_parameters(parameters)
        if event:
            events.append(event)
    return events


def _turn_start(tail: list[Any]) -> int | None:
    """The id of the first `action_listen` of the tail: the window starts on a turn."""
    for row in tail:
        if row.type_name == "action" and row.action_name == ACTION_LISTEN_NAME:
            return row.id
    return None
