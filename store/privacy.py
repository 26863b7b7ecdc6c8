"""Personal data (Ley 1581 de 2012): forgetting one citizen on request, and retention.

Rasa's SQL tracker store keeps every event of a conversation in the table
`events` of the same database (`sender_id` is our conversation id, `timestamp`
Unix seconds, `data` the event as JSON). It is reflected, never imported from
Rasa; when it does not exist (a database without a tracker store) it is skipped.

What is kept, and why:

- `forget_conversation` deletes every row of the conversation, moderation records
  included: they hold no text, but their conversation id links them to the
  citizen, and a deletion request should leave nothing behind.
- `purge_expired` keeps the rows the reports count (hand-offs, conversation
  events, follow-up statuses, moderation records, conversation activity) and
  removes what identifies or quotes a citizen: transcripts after
  `transcript_days`, contacts after `contact_days`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import MetaData, Table, Text, case, delete, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from store.followups import FAILED, ON_HOLD, PENDING
from store.models import (
    ConversationActivity,
    ConversationEvent,
    FollowUp,
    Handoff,
    HandoffMessage,
    ModerationRecord,
)

TRACKER_TABLE = "events"
# A follow-up still open when its contact data is erased: nobody can answer it any more.
EXPIRED = "expired"
# Intents of messages withheld for breaking a chat rule (P10, addons/conduct_filter.py).
WITHHELD_INTENTS = ("offensive", "commercial")


def _tracker_table(session: Session) -> Table | None:
    """Rasa's `events` table, reflected, or None when this database has none."""
    connection = session.connection()
    if not inspect(connection).has_table(TRACKER_TABLE):
        return None
    return Table(TRACKER_TABLE, MetaData(), autoload_with=connection)


def _run(session: Session, statement) -> int:
    """Rows matched by a bulk DELETE or UPDATE (the session's objects are not synchronised)."""
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def forget_conversation(session: Session, conversation_id: str) -> dict[str, int]:
    """Deletes everything stored about one conversation, in one transaction; rows per table.

    Hand-offs with their messages, follow-ups (also any attached to those
    hand-offs), activity, events, moderation records (deleted, not anonymised)
    and Rasa's tracker events of that `sender_id`. Forget a conversation once it
    has ended: a Rasa server still answering it would write its tracker again.
    """
    handoff_ids = select(Handoff.id).where(Handoff.conversation_id == conversation_id)
    counts = {
        "handoff_messages": _run(
            session, delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(handoff_ids))
        ),
        "follow_ups": _run(
            session,
            delete(FollowUp).where(
                or_(FollowUp.conversation_id == conversation_id,
                    FollowUp.handoff_id.in_(handoff_ids))
            ),
        ),
    }
    for model in (Handoff, ConversationActivity, ConversationEvent, ModerationRecord):
        counts[model.__tablename__] = _run(
            session, delete(model).where(model.conversation_id == conversation_id)
        )
    tracker = _tracker_table(session)
    counts[TRACKER_TABLE] = 0 if tracker is None else _run(
        session, delete(tracker).where(tracker.c.sender_id == conversation_id)
    )
    session.commit()
    return counts


def _mentions(text: str, email: str) -> bool:
    """True when `email` appears in `text` as a whole address (not inside a longer one)."""
    pattern = rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def _is_known(session: Session, conversation_id: str) -> bool:
    """True when any table (ours or Rasa's tracker) holds a row of the conversation."""
    for model in (Handoff, FollowUp, ConversationActivity, ConversationEvent, ModerationRecord):
        query = select(model.conversation_id).where(model.conversation_id == conversation_id)
        if session.execute(query.limit(1)).first() is not None:
            return True
    tracker = _tracker_table(session)
    if tracker is None:
        return False
    query = select(tracker.c.sender_id).where(tracker.c.sender_id == conversation_id)
    return session.execute(query.limit(1)).first() is not None


def find_conversations(
    session: Session, email: str | None = None, conversation_id: str | None = None
) -> list[str]:
    """The ids of the conversations to forget, sorted; both criteria given: both must hold.

    By e-mail (case-insensitive, surrounding spaces ignored): conversations with a
    follow-up to that address, and those whose tracker events mention it as a
    whole address (the citizen may have typed it without leaving a follow-up).
    By id: that id, if any table holds something of it.
    """
    if email is None and conversation_id is None:
        raise ValueError("give an e-mail address or a conversation id")
    found: set[str] | None = None
    if email is not None:
        address = email.strip().lower()
        if not address:
            return []
        found = set(session.scalars(
            select(FollowUp.conversation_id).where(func.lower(func.trim(FollowUp.email)) == address)
        ))
        tracker = _tracker_table(session)
        if tracker is not None:
            rows = session.execute(
                select(tracker.c.sender_id, tracker.c.data).where(
                    func.lower(tracker.c.data, type_=Text).contains(address, autoescape=True)
                )
            )
            found |= {sender for sender, data in rows if _mentions(data or "", address)}
    if conversation_id is not None:
        by_id = {conversation_id} if _is_known(session, conversation_id) else set()
        found = by_id if found is None else found & by_id
    return sorted(found)


def _redact_withheld(session: Session, tracker: Table) -> int:
    """Blanks the text Rasa's tracker kept of messages withheld for a chat rule (P10).

    The event stays (the conversation can still be replayed); its text, the
    parsed text and the entities are emptied. Returns the events changed.
    """
    if "intent_name" not in tracker.c or "id" not in tracker.c:
        return 0
    rows = session.execute(
        select(tracker.c.id, tracker.c.data).where(
            tracker.c.type_name == "user", tracker.c.intent_name.in_(WITHHELD_INTENTS)
        )
    ).all()
    changed = 0
    for row_id, data in rows:
        try:
            event = json.loads(data or "{}")
        except ValueError:
            continue
        parse_data = event.get("parse_data") or {}
        if not (event.get("text") or parse_data.get("text") or parse_data.get("entities")):
            continue
        event["text"] = ""
        if parse_data:
            event["parse_data"] = {**parse_data, "text": "", "entities": []}
        session.execute(
            update(tracker).where(tracker.c.id == row_id).values(data=json.dumps(event))
        )
        changed += 1
    return changed


def purge_expired(
    session: Session,
    now: datetime,
    transcript_days: int,
    contact_days: int,
    dry_run: bool = False,
) -> dict[str, int]:
    """Applies retention as of `now`; rows deleted or anonymised, by what was done.

    "Older than N days" means strictly before `now - N days`: a row exactly N days
    old stays until the next run.

    Transcripts (`transcript_days`):
    - `handoff_messages`: deleted; the hand-off rows stay for the reports, with
      `handoffs.citizen_name` emptied.
    - `conversation_events.text`: the text of fallback events is emptied; the
      event stays, so the "unanswered" figure does not change.
    - `events`: Rasa's tracker events are deleted.
    - `events.withheld_text`: whatever its age, the text of a withheld message
      (P10) is blanked in Rasa's tracker (moderation records never hold it).

    Contacts (`contact_days`, counted from when the follow-up was left):
    - `follow_ups.contact`: e-mail and question become "", name, answer and
      last error None. The status, times and consent time stay; a follow-up still
      open (on hold, pending, failed) becomes `expired`, so nobody tries to answer
      it without an address.

    With `dry_run` the counts are those a real run would give, and nothing changes.
    """
    if now.tzinfo is None:
        raise ValueError("pass an aware `now`")
    if transcript_days < 1 or contact_days < 1:
        raise ValueError("retention periods are of one day or more")
    transcripts_before = now - timedelta(days=transcript_days)
    contacts_before = now - timedelta(days=contact_days)

    counts = {
        "handoff_messages": _run(
            session, delete(HandoffMessage).where(HandoffMessage.created_at < transcripts_before)
        ),
        "handoffs.citizen_name": _run(
            session,
            update(Handoff)
            .where(Handoff.requested_at < transcripts_before, Handoff.citizen_name.is_not(None))
            .values(citizen_name=None),
        ),
        "conversation_events.text": _run(
            session,
            update(ConversationEvent)
            .where(ConversationEvent.at < transcripts_before, ConversationEvent.text.is_not(None))
            .values(text=None),
        ),
    }
    tracker = _tracker_table(session)
    if tracker is None:
        counts[TRACKER_TABLE] = counts[f"{TRACKER_TABLE}.withheld_text"] = 0
    else:
        counts[TRACKER_TABLE] = _run(
            session,
            delete(tracker).where(tracker.c.timestamp < transcripts_before.timestamp()),
        )
        counts[f"{TRACKER_TABLE}.withheld_text"] = _redact_withheld(session, tracker)
    counts["follow_ups.contact"] = _run(
        session,
        update(FollowUp)
        .where(
            FollowUp.created_at < contacts_before,
            or_(
                FollowUp.email != "",
                FollowUp.question != "",
                FollowUp.citizen_name.is_not(None),
                FollowUp.answer.is_not(None),
                FollowUp.last_error.is_not(None),
                FollowUp.status.in_((ON_HOLD, PENDING, FAILED)),
            ),
        )
        .values(
            email="",
            question="",
            citizen_name=None,
            answer=None,
            last_error=None,
            status=case(
                (FollowUp.status.in_((ON_HOLD, PENDING, FAILED)), EXPIRED),
                else_=FollowUp.status,
            ),
        ),
    )
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return counts
