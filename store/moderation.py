"""Repository functions for moderation records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ModerationRecord


def record_moderation(
    session: Session, conversation_id: str, rule: str, reason: str, outcome: str, at: datetime
) -> ModerationRecord:
    """Stores that a message of `conversation_id` broke `rule` (the text is not kept)."""
    record = ModerationRecord(
        conversation_id=conversation_id, rule=rule, reason=reason[:255], outcome=outcome,
        created_at=at,
    )
    session.add(record)
    session.commit()
    return record


def moderation_records(session: Session, conversation_id: str) -> list[ModerationRecord]:
    """The moderation records of one conversation, oldest first."""
    query = (
        select(ModerationRecord)
        .where(ModerationRecord.conversation_id == conversation_id)
        .order_by(ModerationRecord.id)
    )
    return list(session.scalars(query))
