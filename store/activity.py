"""Repository functions for conversation activity and the inactivity rule (P3).

The timers live here, in the database, not in a Rasa process: they survive a
restart of any process and hold with several replicas. Each step is claimed
with one conditional UPDATE, so two sweeping processes never both send it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import update_if
from store.handoffs import WAITING
from store.models import ConversationActivity, Handoff

# A conversation ended with the farewell opens again if the citizen writes;
# one ended for inactivity or conduct stays closed.
REOPENABLE = "farewell"


def touch(
    session: Session, conversation_id: str, at: datetime, create: bool = True
) -> None:
    """The citizen wrote (or the bot resumed after an agent): the silence starts again.

    `create=False` only restarts the silence of a conversation already on record.
    """
    result = session.execute(
        update(ConversationActivity)
        .where(
            ConversationActivity.conversation_id == conversation_id,
            ConversationActivity.closed_at.is_(None)
            | (ConversationActivity.close_reason == REOPENABLE),
        )
        .values(last_activity_at=at, prompted_at=None, closed_at=None, close_reason=None)
        .execution_options(synchronize_session=False)
    )
    if not create:
        session.commit()
        return
    if result.rowcount == 0 and session.get(ConversationActivity, conversation_id) is None:
        session.add(
            ConversationActivity(
                conversation_id=conversation_id, started_at=at, last_activity_at=at
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another process inserted it first
            session.rollback()
            touch(session, conversation_id, at)
        return
    session.commit()


def close_conversation(
    session: Session, conversation_id: str, reason: str, at: datetime, create: bool = True
) -> bool:
    """Records that the chat ended (`inactivity`, `conduct`, `farewell`); False if it was."""
    row = session.get(ConversationActivity, conversation_id)
    if row is None:
        if not create:
            return False
        session.add(
            ConversationActivity(
                conversation_id=conversation_id, started_at=at, last_activity_at=at,
                closed_at=at, close_reason=reason,
            )
        )
        session.commit()
        return True
    result = session.execute(
        update(ConversationActivity)
        .where(
            ConversationActivity.conversation_id == conversation_id,
            ConversationActivity.closed_at.is_(None),
        )
        .values(closed_at=at, close_reason=reason)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def activity_of(session: Session, conversation_id: str) -> ConversationActivity | None:
    """The activity row of a conversation, if it ever wrote on the live channel."""
    return session.get(ConversationActivity, conversation_id)


def _not_waiting_for_an_agent():
    """While a citizen waits in the queue the silence is ours, not theirs; with an agent
    serving them, the inactivity rule applies (the agent's messages restart it)."""
    return ~exists().where(
        Handoff.conversation_id == ConversationActivity.conversation_id,
        Handoff.status == WAITING,
    )


def claim_due_prompts(session: Session, now: datetime, prompt_after: timedelta) -> list[str]:
    """Conversations silent for `prompt_after`, not yet prompted, not closed, not waiting
    for an agent.

    Marks each prompted and returns the ids this call claimed.
    """
    due = session.scalars(
        select(ConversationActivity.conversation_id).where(
            ConversationActivity.closed_at.is_(None),
            ConversationActivity.prompted_at.is_(None),
            ConversationActivity.last_activity_at <= now - prompt_after,
            _not_waiting_for_an_agent(),
        )
    ).all()
    return [
        conversation_id for conversation_id in due
        if _claim(session, conversation_id, ConversationActivity.prompted_at.is_(None),
                  prompted_at=now, cutoff=now - prompt_after)
    ]


def claim_due_closings(
    session: Session, now: datetime, close_after: timedelta,
    answer_time: timedelta = timedelta(0),
) -> list[str]:
    """Prompted conversations silent for `close_after` in all: marked closed for inactivity.

    `answer_time`: the least time left to answer the prompt (after a long outage
    the prompt and the closing would otherwise come together).
    """
    due = session.scalars(
        select(ConversationActivity.conversation_id).where(
            ConversationActivity.closed_at.is_(None),
            ConversationActivity.prompted_at <= now - answer_time,
            ConversationActivity.last_activity_at <= now - close_after,
            _not_waiting_for_an_agent(),
        )
    ).all()
    return [
        conversation_id for conversation_id in due
        if _claim(session, conversation_id, ConversationActivity.prompted_at.is_not(None),
                  closed_at=now, close_reason="inactivity",
                  cutoff=now - close_after)
    ]


def _claim(session: Session, conversation_id: str, condition, cutoff=None, **values) -> bool:
    conditions = (
        ConversationActivity.conversation_id == conversation_id,
        ConversationActivity.closed_at.is_(None),
        condition,
        *(() if cutoff is None else (ConversationActivity.last_activity_at <= cutoff,)),
    )
    return update_if(session, ConversationActivity, conditions, values)


def undo_claim(session: Session, conversation_id: str, step: str) -> None:
    """The bot could not be told (Rasa down): the step is due again at the next sweep."""
    values = {"prompted": {"prompted_at": None}, "closed": {"closed_at": None,
                                                            "close_reason": None}}[step]
    query = update(ConversationActivity).where(
        ConversationActivity.conversation_id == conversation_id
    )
    if step == "closed":
        query = query.where(ConversationActivity.close_reason == "inactivity")
    session.execute(query.values(**values).execution_options(synchronize_session=False))
    session.commit()
