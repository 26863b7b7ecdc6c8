"""Repository functions for follow-ups by e-mail (P15), only with recorded consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import FollowUp

ON_HOLD, PENDING, CANCELLED = "on_hold", "pending", "cancelled"


class ConsentRequired(ValueError):
    """A contact address was offered without the citizen's explicit consent."""


def record_follow_up(
    session: Session,
    conversation_id: str,
    email: str,
    consent_at: datetime | None,
    question: str,
    citizen_name: str | None,
    at: datetime,
    handoff_id: int | None = None,
) -> FollowUp:
    """Stores the address and the question. Without consent nothing is stored.

    With an open hand-off the follow-up waits `on_hold` until it is known whether
    an agent served the citizen; otherwise it is `pending` at once.
    """
    if consent_at is None:
        raise ConsentRequired("no consent, no stored address (Ley 1581 de 2012)")
    follow_up = FollowUp(
        conversation_id=conversation_id,
        handoff_id=handoff_id,
        citizen_name=(citizen_name or None) and citizen_name[:128],
        question=question or "",
        email=email.strip()[:254],
        consent_given=True,
        consent_at=consent_at,
        status=ON_HOLD if handoff_id is not None else PENDING,
        created_at=at,
    )
    session.add(follow_up)
    session.commit()
    return follow_up


def release_on_hold(session: Session, handoff_id: int, served: bool) -> int:
    """A hand-off ended: its on-hold follow-ups become pending, or cancelled if served."""
    result = session.execute(
        update(FollowUp)
        .where(FollowUp.handoff_id == handoff_id, FollowUp.status == ON_HOLD)
        .values(status=CANCELLED if served else PENDING)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount


def follow_ups_of(session: Session, conversation_id: str) -> list[FollowUp]:
    """The follow-ups of one conversation, oldest first."""
    query = select(FollowUp).where(FollowUp.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(FollowUp.id)))


def pending_follow_ups(session: Session) -> list[FollowUp]:
    """Follow-ups waiting for an agent's answer, oldest first."""
    query = select(FollowUp).where(FollowUp.status == PENDING).order_by(
        FollowUp.created_at, FollowUp.id
    )
    return list(session.scalars(query))
