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

The state comes from one statement of index lookups (the latest reset, pause, loop
and `slot` event of each slot of the domain), and the newest events are read in the
order of an index, so what is read and parsed no longer grows with the conversation:
the store adds the indexes it needs to Rasa's `events` table when it starts. Rows are
read and written as plain rows: a session shorter than the window costs one query;
`save` appends what the turn added in one statement, without counting the stored
events first as stock Rasa does (a count a window would break).
`retrieve_full_tracker`, which Rasa's HTTP API uses (`GET /conversations/<id>/tracker`:
the widget's history, the console), is stock: it still gives every event.

Depends on: `SQLTrackerStore` and the schema of Rasa's `events` table in Rasa 3.6.21
(the table is Rasa's, created by Rasa, so its indexes are added here and not by the
app's Alembic migrations). Tests: tests/rasa_runtime/test_tracker_store.py.

What the window changes: an action sees at most the window's turns (the hand-off
transcript sent to an agent holds the last turns of a very long chat); `/restart`
and slot resets before the window are applied through the state, as are slots.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from rasa_runtime.version import require_pinned_rasa
from settings import read
from settings.defaults import DEFAULT_TRACKER_WINDOW_EVENTS
from store.db import create_pooled_engine

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_EVENTS = DEFAULT_TRACKER_WINDOW_EVENTS
# Events that change the tracker's state beyond its list of events.
_RESETS = ("reset_slots", "restart")
_PAUSES = ("pause", "resume")

# Rasa's `events` table has an index on `sender_id` only: reading one kind of event
# of a conversation, or its newest events on PostgreSQL, scanned all its events.
# (`type_name` first, so that the newest events are still read through the index on
# `sender_id`, in the order of `id`, which SQLite's index holds.)
_INDEXES = {
    "ix_events_type_sender": "(type_name, sender_id, id)",
    "ix_events_slot_name": "(sender_id, action_name, id) WHERE type_name = 'slot'",
    "ix_events_sender_newest": "(sender_id, id)",
}
# The events of the conversation's current session, as Rasa selects them (those at or
# after the latest `session_started`, by timestamp; all when there is none).
_SESSION_START = """(SELECT MAX(timestamp) FROM events
        WHERE sender_id = :sender AND type_name = 'session_started')"""
_IN_SESSION = f"""
SELECT id, type_name, action_name, timestamp, data FROM events
WHERE sender_id = :sender
    AND (timestamp >= {_SESSION_START} OR {_SESSION_START} IS NULL)
"""
_TAIL = sa.text(_IN_SESSION + "ORDER BY id DESC LIMIT :limit")
_SESSION = sa.text(_IN_SESSION + "ORDER BY id")
_FIRST = sa.text(_IN_SESSION + "ORDER BY id LIMIT 1")
# Between the session's start and the window's: the newest event of each kind, and
# of each slot (each a lookup in the index on type, conversation and name).
_LATEST = """SELECT '{label}' AS kind, MAX(id) AS id FROM events
WHERE {which} AND sender_id = :sender AND id >= :first AND id < :start"""


@functools.lru_cache(maxsize=4)
def latest_state_query(slot_names: tuple[str, ...]) -> Any:
    """One statement giving the id of the newest reset, pause or resume, active loop
    and `SlotSet` of each slot before the window (NULL when there is none)."""
    kinds = [("reset", _RESETS), ("pause", _PAUSES), ("loop", ("active_loop",))]
    which = [(label, "type_name IN ({})".format(", ".join(f"'{kind}'" for kind in names)))
             for label, names in kinds]
    # `type_name = 'slot'` as written in the partial index's condition
    which += [("slot", f"type_name = 'slot' AND action_name = :slot_{i}")
              for i in range(len(slot_names))]
    return sa.text("\nUNION ALL\n".join(
        _LATEST.format(label=label, which=condition) for label, condition in which))


def window_from_env(env: dict[str, str] | None = None) -> int:
    """`TRACKER_WINDOW_EVENTS` (default: this process's); 0 turns the window off (stock
    Rasa); anything but a whole number, 0 or more, is a SettingError naming it."""
    return read("TRACKER_WINDOW_EVENTS", env)


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
        require_pinned_rasa()
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
        self._add_indexes()

    def _add_indexes(self) -> None:
        """The indexes the window's statements read through (SQLite and PostgreSQL)."""
        dialect = self.engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            return
        for name, columns in _INDEXES.items():
            if dialect == "sqlite" and name == "ix_events_sender_newest":
                continue
            try:
                with self.engine.begin() as connection:
                    connection.exec_driver_sql(
                        f"CREATE INDEX IF NOT EXISTS {name} ON events {columns}")
            except sa.exc.DBAPIError as error:  # e.g. another process created it just now
                logger.warning("could not add the index %s to events: %s", name, error)

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
        """The serialised events `retrieve` replays: the session, or its window.

        Every statement reads through an index what it returns and little more, so a
        turn reads as much at turn 400 as at turn 20 (stock Rasa's session query, and
        this method before, scanned every stored event of the conversation).
        """
        with self.session_scope() as session:
            params = {"sender": sender_id, "limit": self.window_events + 1}
            tail = session.execute(_TAIL, params).all()
            tail.reverse()
            if len(tail) <= self.window_events:  # the whole session
                return [json.loads(row.data) for row in tail]
            start = _turn_start(tail[1:])
            if start is None:  # no turn boundary in the tail: the whole session
                rows = session.execute(_SESSION, params)
                return [json.loads(row.data) for row in rows]
            return self._state_before(session, sender_id, start) + [
                json.loads(row.data) for row in tail if row.id >= start]

    def _state_before(self, session: Any, sender_id: str, start_id: int) -> list[dict[str, Any]]:
        """`session_started` and the state (slots, pause, active loop) at `start_id`."""
        first = session.execute(_FIRST, {"sender": sender_id}).one()
        slot_names = tuple(slot.name for slot in self.domain.slots)
        latest = session.execute(latest_state_query(slot_names), {
            "sender": sender_id, "first": first.id, "start": start_id,
            **{f"slot_{i}": name for i, name in enumerate(slot_names)}}).all()
        reset_at = max((row.id for row in latest if row.kind == "reset" and row.id), default=0)
        state_ids = [row.id for row in latest
                     if row.kind != "reset" and row.id and row.id > reset_at]
        state = session.execute(
            sa.select(self.SQLEvent.data)
            .where(self.SQLEvent.id.in_(state_ids))
            .order_by(self.SQLEvent.id)
        ).scalars().all()
        return [{"event": "session_started", "timestamp": first.timestamp},
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
