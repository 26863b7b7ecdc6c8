"""Conversations as supervisors read them: a Bogotá day's list, filtered and searched,
and one conversation's transcript.

A conversation is a `sender_id` of Rasa's tracker table `events` (Rasa's
`SQLTrackerStore`, in the same database; reflected by name as in store/privacy.py,
Rasa is not imported), with what the app's tables know of it: hand-offs (agent,
outcome), the agents' messages (`handoff_messages`), how the chat ended
(`conversation_activity.close_reason`).

What a transcript shows, and what it never shows:

- the citizen's messages, but not those the web app pushed through Rasa's HTTP API
  (`EXTERNAL_…` intents: the citizen wrote nothing), nor the widget's hidden opening
  `/greet`; a button's payload is shown as the button's title;
- a message that broke a chat rule (P10: the conduct filter, addons/conduct_filter.py,
  gave it the intent `offensive` or `commercial`, the same test as
  actions/conversation.py `is_withheld` and store/privacy.py `WITHHELD_INTENTS`) is
  a line marked `withheld` with no text: its text never leaves this module, and a
  search never looks at it;
- the bot's messages, except those that delivered an agent's reply (the bot events
  of `action_deliver_agent_message`): the agent's messages come from the store, with
  the agent, whether they were delivered or not.

The list reads the day's rows of `events` (its timestamps are Unix seconds; the
table has no index on them: a day is one scan) and, for the page shown, the
citizens' names (slot `nombre`) and first messages. A search folds case and
accents and reads the texts of the day's candidate conversations in Python: the
stored JSON escapes accents, so SQL `LIKE` cannot match them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import MetaData, Table, case, func, inspect, select
from sqlalchemy.orm import Session

from store.handoffs import EXPIRED
from store.models import ConversationActivity, Handoff, HandoffMessage
from store.preview import is_preview
from store.privacy import TRACKER_TABLE, WITHHELD_INTENTS
from store.reports import period_bounds

# Why a chat ended (conversation_activity.close_reason), then what its hand-offs became.
FAREWELL, INACTIVITY, CONDUCT = "farewell", "inactivity", "conduct"
SERVED, HANDOFF_EXPIRED, ABANDONED, OPEN = "served", "expired", "abandoned", "open"
OUTCOMES = (FAREWELL, INACTIVITY, CONDUCT, SERVED, HANDOFF_EXPIRED, ABANDONED, OPEN)
# The text Rasa gives to an event sent through its HTTP API (actions/conversation.py).
EXTERNAL_TEXT_PREFIX = "EXTERNAL: "
# The widget's hidden message that makes the bot greet (console/widget.py).
GREETING_TRIGGER = "/greet"
DELIVER_AGENT_MESSAGE = "action_deliver_agent_message"
NAME_SLOT = "nombre"
PER_PAGE = 50
PREVIEW_CHARS = 120
CHUNK = 500  # ids per IN (…) list


@dataclass(frozen=True)
class Line:
    """One message of a transcript; `text` is empty when the message was withheld;
    `button`: the citizen pressed a button (the text is its title)."""

    author: str  # citizen | bot | agent
    text: str
    at: datetime
    withheld: bool = False
    agent_id: int | None = None
    delivered: bool = True
    button: bool = False


@dataclass
class Summary:
    """One conversation of a day's list."""

    conversation_id: str
    first_at: datetime
    last_at: datetime
    outcomes: list[str] = field(default_factory=list)
    agent_ids: list[int] = field(default_factory=list)
    citizen_name: str | None = None
    citizen_messages: int = 0
    preview: str = ""


@dataclass
class Listing:
    """A page of a day's conversations and how many matched in all."""

    items: list[Summary]
    total: int
    page: int
    pages: int


def fold(text: str) -> str:
    """Lower case without accents, for searching: "Predíal" and "predial" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def intent_of(event: dict[str, Any]) -> str:
    """The intent name of a user event."""
    parse_data = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
    intent = parse_data.get("intent") if isinstance(parse_data.get("intent"), dict) else {}
    return str(intent.get("name") or "")


def is_withheld(event: dict[str, Any]) -> bool:
    """A citizen message that broke a chat rule (P10): never shown, never searched."""
    return intent_of(event) in WITHHELD_INTENTS


def is_external(event: dict[str, Any]) -> bool:
    """A user event that came through Rasa's HTTP API (the web app's `EXTERNAL_…`
    pushes): only the API gives the text `EXTERNAL: <intent>`; a citizen typing
    `/EXTERNAL_…` keeps their own text."""
    intent = intent_of(event)
    return bool(intent) and event.get("text") == EXTERNAL_TEXT_PREFIX + intent


def _tracker(session: Session) -> Table | None:
    """Rasa's `events` table, reflected, or None when this database has none."""
    connection = session.connection()
    if not inspect(connection).has_table(TRACKER_TABLE):
        return None
    return Table(TRACKER_TABLE, MetaData(), autoload_with=connection)


def _moment(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(float(timestamp or 0), tz=timezone.utc)


def _load(data: str | None) -> dict[str, Any]:
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _buttons(event: dict[str, Any]) -> dict[str, str]:
    """payload → title of the buttons a bot message offered."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    buttons = data.get("buttons") or data.get("quick_replies") or []
    if not isinstance(buttons, list):
        return {}
    return {str(b["payload"]): str(b["title"]) for b in buttons
            if isinstance(b, dict) and b.get("payload") and b.get("title")}


def tracker_lines(events: Iterable[tuple[str, str | None, float | None, dict]]) -> list[Line]:
    """The citizen's and the bot's lines of a conversation's events, in order.

    `events`: (type_name, action_name, timestamp, event as JSON) as stored.
    """
    lines: list[Line] = []
    offered: dict[str, str] = {}
    delivering = False
    for type_name, action_name, timestamp, event in events:
        if type_name == "action":
            delivering = action_name == DELIVER_AGENT_MESSAGE
        elif type_name == "bot" and not delivering:
            text = str(event.get("text") or "").strip()
            if text:
                lines.append(Line("bot", text, _moment(timestamp)))
                offered = _buttons(event) or offered
        elif type_name == "user":
            line = _citizen_line(event, _moment(timestamp), offered)
            if line is not None:
                lines.append(line)
                offered = {}
    return lines


def _citizen_line(event: dict[str, Any], at: datetime, offered: dict[str, str]) -> Line | None:
    if is_withheld(event):
        return Line("citizen", "", at, withheld=True)
    text = str(event.get("text") or "").strip()
    if not text or is_external(event) or text == GREETING_TRIGGER:
        return None
    if text in offered:
        return Line("citizen", offered[text], at, button=True)
    return Line("citizen", text, at)


def _in_chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _events_of(session: Session, tracker: Table, senders: list[str], low: float | None = None,
               high: float | None = None) -> dict[str, list[tuple]]:
    """The events of the conversations (within [low, high) when given), in order."""
    found: dict[str, list[tuple]] = {sender: [] for sender in senders}
    for chunk in _in_chunks(senders):
        query = select(tracker.c.sender_id, tracker.c.type_name, tracker.c.action_name,
                       tracker.c.timestamp, tracker.c.data).where(
            tracker.c.sender_id.in_(chunk),
            tracker.c.type_name.in_(("user", "bot", "action")),
        )
        if low is not None:
            query = query.where(tracker.c.timestamp >= low, tracker.c.timestamp < high)
        for sender, type_name, action_name, timestamp, data in session.execute(
                query.order_by(tracker.c.id)):
            found[sender].append((type_name, action_name, timestamp, _load(data)))
    return found


def _agent_lines(session: Session, conversation_ids: list[str], low: datetime | None = None,
                 high: datetime | None = None) -> dict[str, list[Line]]:
    """The agents' messages of the conversations (written within [low, high) when given)."""
    found: dict[str, list[Line]] = {conversation_id: [] for conversation_id in conversation_ids}
    for chunk in _in_chunks(conversation_ids):
        query = (
            select(Handoff.conversation_id, HandoffMessage)
            .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
            .where(Handoff.conversation_id.in_(chunk), HandoffMessage.author == "agent")
        )
        if low is not None:
            query = query.where(HandoffMessage.created_at >= low,
                                HandoffMessage.created_at < high)
        for conversation_id, message in session.execute(query.order_by(HandoffMessage.id)):
            found[conversation_id].append(Line(
                "agent", message.text, message.created_at, agent_id=message.agent_id,
                delivered=message.delivered_at is not None))
    return found


def transcript(session: Session, conversation_id: str) -> list[Line] | None:
    """Every message of the conversation in order; None when nothing is stored of it."""
    tracker = _tracker(session)
    events = [] if tracker is None else _events_of(session, tracker, [conversation_id])[
        conversation_id]
    agent_lines = _agent_lines(session, [conversation_id])[conversation_id]
    if not events and not agent_lines and not handoffs_of(session, conversation_id):
        return None
    # A stable sort: lines of the same moment keep the order they were written in.
    return sorted(tracker_lines(events) + agent_lines, key=lambda line: line.at)


def handoffs_of(session: Session, conversation_id: str) -> list[Handoff]:
    """The conversation's hand-offs, oldest first."""
    query = select(Handoff).where(Handoff.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(Handoff.id)))


def activity_of(session: Session, conversation_id: str) -> ConversationActivity | None:
    """How the conversation's chat ended, if it was on the live channel."""
    return session.get(ConversationActivity, conversation_id)


def _day_conversations(session: Session, tracker: Table, low: float, high: float
                       ) -> dict[str, Summary]:
    """The conversations with events in [low, high): first and last moment that day
    (the editors' previews left out: they are not citizens')."""
    rows = session.execute(
        select(tracker.c.sender_id, func.min(tracker.c.timestamp), func.max(tracker.c.timestamp))
        .where(tracker.c.timestamp >= low, tracker.c.timestamp < high)
        .group_by(tracker.c.sender_id)
    )
    return {sender: Summary(sender, _moment(first), _moment(last))
            for sender, first, last in rows if not is_preview(sender)}


def _add_outcomes(session: Session, tracker: Table, summaries: dict[str, Summary],
                  low: float, high: float) -> None:
    """Each conversation's outcomes and the agents who served it."""
    day_senders = (select(tracker.c.sender_id)
                   .where(tracker.c.timestamp >= low, tracker.c.timestamp < high)
                   .distinct().scalar_subquery())
    closed = dict(session.execute(
        select(ConversationActivity.conversation_id, ConversationActivity.close_reason)
        .where(ConversationActivity.conversation_id.in_(day_senders),
               ConversationActivity.closed_at.is_not(None))
    ).all())
    served = case((Handoff.taken_at.is_not(None), 1), else_=0)
    handoffs = session.execute(
        select(Handoff.conversation_id, Handoff.status, Handoff.outcome, Handoff.agent_id,
               served)
        .where(Handoff.conversation_id.in_(day_senders))
        .order_by(Handoff.id)
    )
    for conversation_id, status, outcome, agent_id, was_served in handoffs:
        summary = summaries.get(conversation_id)
        if summary is None:
            continue
        if was_served:
            _add(summary.outcomes, SERVED)
            if agent_id is not None and agent_id not in summary.agent_ids:
                summary.agent_ids.append(agent_id)
        elif status == EXPIRED:
            _add(summary.outcomes, HANDOFF_EXPIRED)
        elif outcome == ABANDONED:
            _add(summary.outcomes, ABANDONED)
        if outcome == CONDUCT:
            _add(summary.outcomes, CONDUCT)
    for conversation_id, summary in summaries.items():
        reason = closed.get(conversation_id)
        if reason in (FAREWELL, INACTIVITY, CONDUCT):
            _add(summary.outcomes, reason)
        elif conversation_id not in closed:
            _add(summary.outcomes, OPEN)
        summary.outcomes.sort(key=OUTCOMES.index)


def _add(values: list, value) -> None:
    if value not in values:
        values.append(value)


def _matches(session: Session, tracker: Table, summaries: list[Summary], query: str,
             low: float, high: float) -> list[Summary]:
    """The conversations whose messages that day hold `query` (never a withheld one's)."""
    wanted = fold(query)
    ids = [summary.conversation_id for summary in summaries]
    events = _events_of(session, tracker, ids, low, high)
    agent_lines = _agent_lines(session, ids, _moment(low), _moment(high))
    return [summary for summary in summaries if any(
        not line.withheld and wanted in fold(line.text)
        for line in tracker_lines(events[summary.conversation_id])
        + agent_lines[summary.conversation_id]
    )]


def _citizen_names(session: Session, tracker: Table | None, ids: list[str]) -> dict[str, str]:
    """The name each citizen gave (the latest slot `nombre`), else their hand-off's."""
    names: dict[str, str] = {}
    for chunk in _in_chunks(ids):
        if tracker is not None:
            rows = session.execute(
                select(tracker.c.sender_id, tracker.c.data)
                .where(tracker.c.sender_id.in_(chunk), tracker.c.type_name == "slot",
                       tracker.c.action_name == NAME_SLOT)
                .order_by(tracker.c.id)
            )
            for sender, data in rows:
                value = _load(data).get("value")
                if isinstance(value, str) and value.strip():
                    names[sender] = value.strip()
        for conversation_id, name in session.execute(
            select(Handoff.conversation_id, Handoff.citizen_name)
            .where(Handoff.conversation_id.in_(chunk), Handoff.citizen_name.is_not(None))
            .order_by(Handoff.id)
        ):
            names.setdefault(conversation_id, name)
    return names


def citizen_name(session: Session, conversation_id: str) -> str | None:
    """The name the citizen gave in the conversation, if any."""
    return _citizen_names(session, _tracker(session), [conversation_id]).get(conversation_id)


def _add_page_details(session: Session, tracker: Table, items: list[Summary],
                      low: float, high: float) -> None:
    """The citizen's name, how many messages the citizen wrote that day, and the first
    one they typed (not a button, never a withheld one)."""
    ids = [item.conversation_id for item in items]
    names = _citizen_names(session, tracker, ids)
    events = _events_of(session, tracker, ids, low, high)
    for item in items:
        item.citizen_name = names.get(item.conversation_id)
        said = [line for line in tracker_lines(events[item.conversation_id])
                if line.author == "citizen"]
        item.citizen_messages = len(said)
        first = next((line.text for line in said if not (line.withheld or line.button)), "")
        item.preview = first if len(first) <= PREVIEW_CHARS else first[:PREVIEW_CHARS] + "…"


def list_conversations(
    session: Session, day: date, outcome: str | None = None, agent_id: int | None = None,
    query: str = "", page: int = 1, per_page: int = PER_PAGE,
) -> Listing:
    """The conversations with messages on a Bogotá day, newest first, one page of them.

    `outcome`: one of `OUTCOMES`; `agent_id`: served by that agent; `query`: a text
    in one of that day's messages (citizen's, bot's or agent's; case and accents
    ignored; withheld messages are never searched).
    """
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if page < 1 or per_page < 1:
        raise ValueError("pages start at 1")
    tracker = _tracker(session)
    if tracker is None:
        return Listing([], 0, 1, 1)
    low_at, high_at = period_bounds(day, day)
    low, high = low_at.timestamp(), high_at.timestamp()
    summaries = _day_conversations(session, tracker, low, high)
    _add_outcomes(session, tracker, summaries, low, high)
    chosen = [
        summary for summary in summaries.values()
        if (outcome is None or outcome in summary.outcomes)
        and (agent_id is None or agent_id in summary.agent_ids)
    ]
    if query.strip():
        chosen = _matches(session, tracker, chosen, query.strip(), low, high)
    chosen.sort(key=lambda summary: (summary.first_at, summary.conversation_id), reverse=True)
    pages = max(1, -(-len(chosen) // per_page))
    items = chosen[(page - 1) * per_page:page * per_page]
    _add_page_details(session, tracker, items, low, high)
    return Listing(items, len(chosen), page, pages)
