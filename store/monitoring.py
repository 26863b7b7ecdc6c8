"""The figures the web app's `/metrics` reports, read from the shared database.

Every Rasa replica, action server and the web app write to the same database, so the
figures are counted there, at scrape time, and not by the counters of one process:

- `store_figures`: three grouped counts (conversation events by kind, through the
  index on kind; hand-offs by state, through the index on status; conversations
  ended, by reason), whatever the number of replicas;
- `TurnScanner`: the citizens' messages and how long each turn took, read from Rasa's
  tracker table `events` (Rasa's `SQLTrackerStore`, in the same database; read by
  name with SQLAlchemy Core, Rasa is not imported) a little at a time: each scan
  reads the rows added since the previous one, through the primary key.

A turn is a citizen's `user` event (not an `EXTERNAL_…` one: those are the web app's
pushes, the citizen wrote nothing); it ends at the conversation's next
`action_listen`, when the bot has said everything it had to say. Its latency is the
difference of the two events' timestamps (Unix seconds, written by the Rasa server
that handled the turn): from the message, understood, to the end of the reply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, column, func, inspect, or_, select, table
from sqlalchemy.orm import Session

from store.handoffs import EXPIRED, TAKEN, WAITING
from store.metrics import ACTION_FAILURE, CONVERSATION_STARTED, FALLBACK
from store.models import ConversationActivity, ConversationEvent, Handoff
from store.privacy import TRACKER_TABLE

# Why a conversation was ended for good (a farewell may open again: not counted).
ENDED_REASONS = ("inactivity", "conduct")
ACTION_LISTEN = "action_listen"
EXTERNAL_PREFIX = "EXTERNAL_"

# Rasa's `events` table: only the columns read here.
EVENTS = table(TRACKER_TABLE, column("id"), column("sender_id"), column("type_name"),
               column("timestamp"), column("intent_name"), column("action_name"))


# The rows a turn is made of: the citizen's message and the end of the bot's reply.
_TURN_ROWS = or_(
    EVENTS.c.type_name == "user",
    and_(EVENTS.c.type_name == "action", EVENTS.c.action_name == ACTION_LISTEN),
)


@dataclass(frozen=True)
class StoreFigures:
    """Counts of the store's tables at one moment (hand-offs waiting and in service are
    current states; everything else only grows, but for deletions on request)."""

    conversations_started: int = 0
    fallbacks: int = 0
    action_failures: int = 0
    handoffs_requested: int = 0
    handoffs_waiting: int = 0
    handoffs_in_service: int = 0
    handoffs_served: int = 0
    handoffs_expired: int = 0
    handoffs_abandoned: int = 0
    ended: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENDED_REASONS, 0))


def store_figures(session: Session) -> StoreFigures:
    """The counts of conversation events, hand-offs and ended conversations."""
    kinds = dict(session.execute(
        select(ConversationEvent.kind, func.count())
        .where(ConversationEvent.kind.in_((CONVERSATION_STARTED, FALLBACK, ACTION_FAILURE)))
        .group_by(ConversationEvent.kind)
    ).all())
    taken = Handoff.taken_at.is_not(None)
    handoffs = session.execute(
        select(Handoff.status, Handoff.outcome, taken, func.count())
        .group_by(Handoff.status, Handoff.outcome, taken)
    ).all()

    def handoffs_where(condition) -> int:
        return sum(count for status, outcome, served, count in handoffs
                   if condition(status, outcome, bool(served)))

    ended = dict.fromkeys(ENDED_REASONS, 0)
    ended.update(session.execute(
        select(ConversationActivity.close_reason, func.count())
        .where(ConversationActivity.close_reason.in_(ENDED_REASONS))
        .group_by(ConversationActivity.close_reason)
    ).all())
    return StoreFigures(
        conversations_started=kinds.get(CONVERSATION_STARTED, 0),
        fallbacks=kinds.get(FALLBACK, 0),
        action_failures=kinds.get(ACTION_FAILURE, 0),
        handoffs_requested=handoffs_where(lambda status, outcome, served: True),
        handoffs_waiting=handoffs_where(lambda status, outcome, served: status == WAITING),
        handoffs_in_service=handoffs_where(lambda status, outcome, served: status == TAKEN),
        handoffs_served=handoffs_where(lambda status, outcome, served: served),
        handoffs_expired=handoffs_where(lambda status, outcome, served: status == EXPIRED),
        handoffs_abandoned=handoffs_where(
            lambda status, outcome, served: outcome == "abandoned" and not served),
        ended=ended,
    )


@dataclass(frozen=True)
class TurnScan:
    """What one scan found: citizen messages not counted before, and the latency in
    seconds of each turn that ended since the previous scan."""

    turns: int = 0
    latencies: tuple[float, ...] = ()


def _is_citizens(intent_name: str | None) -> bool:
    return not (intent_name or "").startswith(EXTERNAL_PREFIX)


class TurnScanner:
    """Reads Rasa's `events` table incrementally (one instance per web app; not
    thread-safe: the caller scans under a lock).

    The first scan of a table that already holds events counts its citizen messages
    (one COUNT) and starts reading after its newest row: turns before it have no
    latency here. A table created after the first scan (Rasa started after the web
    app) is read from its first row.

    On PostgreSQL an insert may commit after one with a higher id was read: every scan
    reads again the last `reread_ids` ids and skips the rows it has already seen, so a
    late row is counted once. At most `batch_rows` rows are read per scan (a backlog is
    caught up over several scans). A turn whose end is not seen within `abandon_seconds`
    (its Rasa server died mid-turn) is forgotten.
    """

    def __init__(self, reread_ids: int = 1000, batch_rows: int = 20_000,
                 abandon_seconds: float = 600.0) -> None:
        self.reread_ids = reread_ids
        self.batch_rows = batch_rows
        self.abandon_seconds = abandon_seconds
        self.cursor: int | None = None  # the highest id read
        self._table_missing_before = False
        self._seen: set[int] = set()  # ids read within `reread_ids` of the cursor
        self._open: dict[str, tuple[int, float]] = {}  # sender -> its turn's (id, timestamp)

    def scan(self, session: Session) -> TurnScan:
        """The citizen messages and finished turns added since the previous scan."""
        if self.cursor is None:
            return self._first_scan(session)
        query = select(
            EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
            EVENTS.c.intent_name,
        ).where(_TURN_ROWS)
        recent = session.execute(query.where(*self._recent())).all()
        new = session.execute(
            query.where(EVENTS.c.id > self.cursor).order_by(EVENTS.c.id).limit(self.batch_rows)
        ).all()
        return self._read(sorted((*recent, *new), key=lambda row: row.id))

    def _recent(self) -> tuple:
        """The ids read again: the last `reread_ids` up to the cursor."""
        return EVENTS.c.id > self.cursor - self.reread_ids, EVENTS.c.id <= self.cursor

    def _first_scan(self, session: Session) -> TurnScan:
        if not inspect(session.connection()).has_table(TRACKER_TABLE):
            self._table_missing_before = True
            return TurnScan()
        if self._table_missing_before:  # new since the previous scan: read it all
            self.cursor = 0
            return self.scan(session)
        newest = session.scalar(select(func.max(EVENTS.c.id)))
        self.cursor = int(newest or 0)
        citizens = or_(EVENTS.c.intent_name.is_(None),
                       ~EVENTS.c.intent_name.startswith(EXTERNAL_PREFIX, autoescape=True))
        turns = session.scalar(select(func.count()).select_from(EVENTS).where(
            EVENTS.c.type_name == "user", EVENTS.c.id <= self.cursor, citizens))
        # Counted now: not again when the next scan reads the last ids again.
        self._seen = set(session.scalars(
            select(EVENTS.c.id).where(_TURN_ROWS, *self._recent())))
        return TurnScan(turns=int(turns or 0))

    def _read(self, rows: Iterable) -> TurnScan:
        turns, latencies, newest_time = 0, [], None
        for row in rows:
            if row.id in self._seen:
                continue
            self._seen.add(row.id)
            self.cursor = max(self.cursor, row.id)
            moment = float(row.timestamp or 0.0)
            newest_time = moment if newest_time is None else max(newest_time, moment)
            if row.type_name == "user":
                if _is_citizens(row.intent_name):
                    turns += 1
                    self._open[row.sender_id] = (row.id, moment)
                continue
            opened = self._open.get(row.sender_id)
            if opened is not None and opened[0] < row.id:
                del self._open[row.sender_id]
                latencies.append(max(0.0, moment - opened[1]))
        low = self.cursor - self.reread_ids
        self._seen = {seen for seen in self._seen if seen > low}
        if newest_time is not None:
            oldest = newest_time - self.abandon_seconds
            self._open = {sender: opened for sender, opened in self._open.items()
                          if opened[1] >= oldest}
        return TurnScan(turns=turns, latencies=tuple(latencies))
