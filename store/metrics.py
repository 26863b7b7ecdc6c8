"""Recording the conversation events the reports count (A5).

The actions (and, for `action_failure`, the Rasa server) call `record_event_safely`:
a store failure is logged and the chat goes on. Withheld messages (P10) never reach these functions.
An editor's preview conversation (store/preview.py) is not one of the Alcaldía's: its
events are not recorded.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import session_for
from store.models import ConversationEvent
from store.preview import is_preview

log = logging.getLogger(__name__)

CONVERSATION_STARTED = "conversation_started"
FAQ_ANSWERED = "faq_answered"
PQRD_ESCALATION = "pqrd_escalation"
SATISFACTION = "satisfaction"
FALLBACK = "fallback"
# The action server failed and the citizen was told (rasa_runtime/action_failure.py);
# value: the action's name.
ACTION_FAILURE = "action_failure"
KINDS = (CONVERSATION_STARTED, FAQ_ANSWERED, PQRD_ESCALATION, SATISFACTION, FALLBACK,
         ACTION_FAILURE)
SATISFACTION_VALUES = ("yes", "no")
MAX_TEXT = 500

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"\d[\d .-]{4,}\d")


def mask_personal_data(text: str) -> str:
    """The text with e-mail addresses and long numbers (ID, phone) replaced."""
    text = _EMAIL.sub("[correo]", text)
    return _LONG_NUMBER.sub("[número]", text)


def record_event(
    session: Session,
    conversation_id: str,
    kind: str,
    at: datetime,
    value: str | None = None,
    text: str | None = None,
) -> ConversationEvent:
    """Stores one event; ValueError for an unknown kind or satisfaction value."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if kind == SATISFACTION and value not in SATISFACTION_VALUES:
        raise ValueError(f"satisfaction is yes or no, not {value!r}")
    event = ConversationEvent(
        conversation_id=conversation_id,
        kind=kind,
        value=(value or None) and value[:64],
        text=(text or None) and mask_personal_data(text.strip())[:MAX_TEXT],
        at=at,
    )
    session.add(event)
    session.commit()
    return event


def record_event_safely(
    database_url: str,
    conversation_id: str,
    kind: str,
    at: datetime,
    value: str | None = None,
    text: str | None = None,
) -> bool:
    """`record_event` in its own session; False (logged) when the store failed.

    Nothing is recorded for an editor's preview conversation (True: nothing failed).
    """
    if is_preview(conversation_id):
        return True
    try:
        with session_for(database_url) as session:
            record_event(session, conversation_id, kind, at, value=value, text=text)
    except Exception:  # the chat must go on without its figures
        log.warning("event %s of %s not recorded", kind, conversation_id, exc_info=True)
        return False
    return True


def events_of(session: Session, conversation_id: str) -> list[ConversationEvent]:
    """The events of one conversation, oldest first."""
    query = select(ConversationEvent).where(ConversationEvent.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(ConversationEvent.id)))
