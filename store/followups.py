"""Repository functions for follow-ups by e-mail (P15), only with recorded consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.db import update_if
from store.models import FollowUp

ON_HOLD, PENDING, CANCELLED = "on_hold", "pending", "cancelled"
# Answered by e-mail; the e-mail failed (retry possible); closed without e-mail (a note).
ANSWERED, FAILED, DONE = "answered", "failed", "done"
OPEN_STATUSES = (PENDING, FAILED)


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


def follow_up_after_service(session: Session, handoff_id: int) -> FollowUp | None:
    """A served hand-off still needs an answer by e-mail (the agent's outcome, or the chat
    was cut): the address the citizen left with consent while waiting becomes a pending
    follow-up again. None when the citizen left no address in this hand-off."""
    cancelled = session.scalars(
        select(FollowUp)
        .where(FollowUp.handoff_id == handoff_id, FollowUp.status == CANCELLED,
               FollowUp.consent_given.is_(True))
        .order_by(FollowUp.id.desc())
    ).first()
    if cancelled is None:
        return None
    if not update_if(session, FollowUp,
                     (FollowUp.id == cancelled.id, FollowUp.status == CANCELLED),
                     {"status": PENDING}):
        return None
    session.refresh(cancelled)
    return cancelled


def follow_ups_of(session: Session, conversation_id: str) -> list[FollowUp]:
    """The follow-ups of one conversation, oldest first."""
    query = select(FollowUp).where(FollowUp.conversation_id == conversation_id)
    return list(session.scalars(query.order_by(FollowUp.id)))


def promised_email(session: Session, conversation_id: str, handoff_id: int) -> str | None:
    """The address a citizen left (with consent) while waiting in this hand-off, if any:
    the latest pending follow-up's."""
    emails = [f.email for f in follow_ups_of(session, conversation_id)
              if f.handoff_id == handoff_id and f.status == PENDING]
    return emails[-1] if emails else None


def pending_follow_ups(session: Session) -> list[FollowUp]:
    """Follow-ups waiting for an agent's answer, oldest first."""
    query = select(FollowUp).where(FollowUp.status == PENDING).order_by(
        FollowUp.created_at, FollowUp.id
    )
    return list(session.scalars(query))


class FollowUpUnavailable(Exception):
    """The follow-up is not open (answered meanwhile, or by someone else)."""


def has_consent(follow_up: FollowUp) -> bool:
    """True only with the citizen's recorded consent (a yes and its time)."""
    return bool(follow_up.consent_given) and follow_up.consent_at is not None


def get_follow_up(session: Session, follow_up_id: int) -> FollowUp | None:
    """One follow-up by id."""
    return session.get(FollowUp, follow_up_id)


def open_follow_ups(session: Session) -> list[FollowUp]:
    """Follow-ups still to answer (pending, or whose e-mail failed), oldest first."""
    query = select(FollowUp).where(FollowUp.status.in_(OPEN_STATUSES)).order_by(
        FollowUp.created_at, FollowUp.id
    )
    return list(session.scalars(query))


def closed_follow_ups(session: Session, limit: int = 20) -> list[FollowUp]:
    """The latest answered or closed follow-ups, newest first."""
    query = (
        select(FollowUp)
        .where(FollowUp.status.in_((ANSWERED, DONE)))
        .order_by(FollowUp.answered_at.desc(), FollowUp.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_for_sending(session: Session, follow_up_id: int, seen_attempts: int) -> FollowUp:
    """Counts one sending attempt, if the follow-up is open, consented and unchanged.

    `seen_attempts` is the count the agent's page showed: two agents sending the
    same answer at once cannot both win. FollowUpUnavailable otherwise, or
    ConsentRequired when there is no recorded consent.
    """
    result = session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == follow_up_id,
            FollowUp.status.in_(OPEN_STATUSES),
            FollowUp.attempts == seen_attempts,
            FollowUp.consent_given.is_(True),
            FollowUp.consent_at.is_not(None),
        )
        .values(attempts=FollowUp.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is not None:
        session.refresh(follow_up)
    if result.rowcount == 1:
        return follow_up
    if follow_up is not None and not has_consent(follow_up):
        raise ConsentRequired("no recorded consent: nothing is sent (Ley 1581 de 2012)")
    raise FollowUpUnavailable(f"follow-up {follow_up_id} is not open or changed meanwhile")


def _finish(session: Session, follow_up_id: int, **values) -> FollowUp:
    if not update_if(session, FollowUp,
                     (FollowUp.id == follow_up_id, FollowUp.status.in_(OPEN_STATUSES)), values):
        raise FollowUpUnavailable(f"follow-up {follow_up_id} is not open")
    follow_up = session.get(FollowUp, follow_up_id)
    session.refresh(follow_up)
    return follow_up


def mark_answered(
    session: Session, follow_up_id: int, answer: str, agent_id: int | None, at: datetime
) -> FollowUp:
    """The answer was e-mailed."""
    return _finish(session, follow_up_id, status=ANSWERED, answer=answer, agent_id=agent_id,
                   answered_at=at, last_error=None)


def mark_failed(
    session: Session, follow_up_id: int, answer: str, agent_id: int | None, error: str
) -> FollowUp:
    """The e-mail was refused: the answer is kept for a retry, with the error."""
    return _finish(session, follow_up_id, status=FAILED, answer=answer, agent_id=agent_id,
                   last_error=error[:1000])


def mark_done(
    session: Session, follow_up_id: int, note: str, agent_id: int | None, at: datetime
) -> FollowUp:
    """Closed without an e-mail (answered by phone, in person…), with the agent's note."""
    return _finish(session, follow_up_id, status=DONE, answer=note, agent_id=agent_id,
                   answered_at=at, last_error=None)

