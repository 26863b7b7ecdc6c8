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
so nothing read grows with the conversation but two indexed counts. `save` appends
the events added after the window (stock Rasa counts the stored events to find the
new ones, which a window would break). `retrieve_full_tracker`, which Rasa's HTTP
API uses (`GET /conversations/<id>/tracker`: the widget's history, the console),
is stock: it still gives every event.

What the window changes: an action sees at most the window's turns (the hand-off
transcript sent to an agent holds the last turns of a very long chat); `/restart`
and slot resets before the window are applied through the state, as are slots.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.trackers import DialogueStateTracker

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
class _Window:
    """Where a windowed tracker stands against the database (set on the tracker)."""

    stored: int  # events of the session in the database
    kept: int  # events of the tracker that are already stored


class WindowedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose `retrieve` gives the recent turns and the current state."""

    def __init__(self, *args: Any, window_events: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.window_events = window_from_env() if window_events is None else window_events

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session, windowed when it is long."""
        if not self.window_events:
            return await super().retrieve(sender_id)
        with self.session_scope() as session:
            session_events = self._event_query(session, sender_id, False).subquery()
            rows = sa.select(session_events.c.id, session_events.c.type_name,
                             session_events.c.action_name)
            stored = session.execute(
                sa.select(sa.func.count()).select_from(session_events)).scalar_one()
            if stored <= self.window_events or self.domain is None:
                tracker = None
            else:
                tail = session.execute(
                    rows.order_by(session_events.c.id.desc()).limit(self.window_events)
                ).all()
                start = _turn_start(list(reversed(tail)))
                tracker = None if start is None else self._windowed(
                    session, sender_id, session_events, start, stored)
        if tracker is None:
            return await super().retrieve(sender_id)
        return tracker

    def _windowed(self, session: Any, sender_id: str, session_events: Any, start_id: int,
                  stored: int) -> DialogueStateTracker:
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
        window = session.execute(
            sa.select(event.data).where(event.sender_id == sender_id, event.id >= start_id)
            .order_by(event.id)
        ).scalars().all()
        events = [{"event": "session_started", "timestamp": first_timestamp}]
        events += [json.loads(data) for data in (*state, *window)]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        tracker.tenjo_window = _Window(stored=stored, kept=len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends what the turn added; a tracker without a window is saved as Rasa does."""
        mark: _Window | None = getattr(tracker, "tenjo_window", None)
        if mark is None:
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        new_events = list(tracker.events)[mark.kept:]
        with self.session_scope() as session:
            for new_event in new_events:
                data = new_event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=new_event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
        mark.stored += len(new_events)
        mark.kept = len(tracker.events)


def _turn_start(tail: list[Any]) -> int | None:
    """The id of the first `action_listen` of the tail: the window starts on a turn."""
    for row in tail:
        if row.type_name == "action" and row.action_name == ACTION_LISTEN_NAME:
            return row.id
    return None
