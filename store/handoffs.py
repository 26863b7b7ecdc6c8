"""Repository functions for hand-offs to agents (P14) and the messages exchanged in them.

Every state change is one conditional UPDATE, so two agents (or an agent and the
expiry sweep) racing for the same hand-off cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.db import update_if
from store.followups import CANCELLED, ON_HOLD, follow_up_after_service, release_on_hold
from store.models import FollowUp, Handoff, HandoffMessage

WAITING, TAKEN, CLOSED, EXPIRED = "waiting", "taken", "closed", "expired"
OPEN_STATUSES = (WAITING, TAKEN)
# Outcomes an agent can choose when closing, and those the system sets.
AGENT_OUTCOMES = ("resolved", "referred_pqrd", "follow_up", "unresolved")
SYSTEM_OUTCOMES = ("abandoned", "conduct", "expired", "interrupted")
# Outcomes after which the citizen is answered by e-mail, when they left an address.
FOLLOW_UP_OUTCOMES = ("follow_up", "interrupted")


class HandoffUnavailable(Exception):
    """The hand-off is not in the state the operation needs (taken by someone else, closed…)."""


def open_handoff(session: Session, conversation_id: str) -> Handoff | None:
    """The waiting or taken hand-off of a conversation, if any."""
    query = (
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.id.desc())
    )
    return session.scalars(query).first()


def latest_handoff(session: Session, conversation_id: str) -> Handoff | None:
    """The most recent hand-off of a conversation, whatever its state."""
    query = (
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id)
        .order_by(Handoff.id.desc())
    )
    return session.scalars(query).first()


def request_handoff(
    session: Session,
    conversation_id: str,
    citizen_name: str | None,
    topic: str | None,
    transcript: Iterable[tuple[str, str, datetime]],
    at: datetime,
) -> Handoff:
    """Queues a conversation for an agent with its transcript so far (author, text, time).

    Asking again while already queued or served returns the open hand-off unchanged.
    """
    existing = open_handoff(session, conversation_id)
    if existing is not None:
        return existing
    handoff = Handoff(
        conversation_id=conversation_id,
        citizen_name=(citizen_name or None) and citizen_name[:128],
        topic=(topic or None) and topic[:64],
        status=WAITING,
        requested_at=at,
    )
    session.add(handoff)
    session.flush()
    for author, text, when in transcript:
        session.add(
            HandoffMessage(handoff_id=handoff.id, author=author, text=text, created_at=when)
        )
    session.commit()
    return handoff


def queue_position(session: Session, handoff: Handoff) -> int:
    """1 for the first in line; 0 when the hand-off is not waiting."""
    if handoff.status != WAITING:
        return 0
    ahead = session.scalar(
        select(func.count(Handoff.id)).where(
            Handoff.status == WAITING,
            (Handoff.requested_at < handoff.requested_at)
            | ((Handoff.requested_at == handoff.requested_at) & (Handoff.id < handoff.id)),
        )
    )
    return int(ahead or 0) + 1


def record_position_told(session: Session, handoff_id: int, position: int) -> None:
    """The place in line the citizen was last told (R2)."""
    update_if(session, Handoff, (Handoff.id == handoff_id,), {"position_told": position})


def claim_due_updates(session: Session, at: datetime, every: timedelta) -> list[Handoff]:
    """The waiting hand-offs whose citizen has not heard from the bot for `every` (R2).

    Each is claimed with a conditional UPDATE of `update_sent_at`, so two sweeping
    processes never send the same update twice.
    """
    due = session.execute(
        select(Handoff.id, Handoff.update_sent_at).where(
            Handoff.status == WAITING,
            func.coalesce(Handoff.update_sent_at, Handoff.requested_at) <= at - every,
        )
    ).all()
    claimed = []
    for handoff_id, sent_at in due:
        sent_before = (
            Handoff.update_sent_at.is_(None) if sent_at is None
            else Handoff.update_sent_at == sent_at
        )
        if update_if(session, Handoff,
                     (Handoff.id == handoff_id, Handoff.status == WAITING, sent_before),
                     {"update_sent_at": at}):
            claimed.append(session.get(Handoff, handoff_id))
    return claimed


def retry_update(session: Session, handoff_id: int, claimed_at: datetime) -> None:
    """Undoes a claimed update that could not be sent: it is due again at the next sweep."""
    update_if(session, Handoff,
              (Handoff.id == handoff_id, Handoff.update_sent_at == claimed_at),
              {"update_sent_at": None})


def mark_agent_typing(session: Session, handoff_id: int, agent_id: int, at: datetime) -> bool:
    """The serving agent is typing a reply; False when they no longer serve it."""
    return update_if(
        session, Handoff,
        (Handoff.id == handoff_id, Handoff.status == TAKEN, Handoff.agent_id == agent_id),
        {"agent_typing_at": at},
    )


# How long after the agent's last keystroke the widget still says "está escribiendo".
TYPING_SECONDS = 6


def citizen_view(session: Session, conversation_id: str, at: datetime) -> dict:
    """What the citizen's widget shows of the open hand-off (R2), if any."""
    handoff = open_handoff(session, conversation_id)
    if handoff is None:
        return {"handoff": None, "position": 0, "agent_name": "", "agent_writing": False}
    typed = handoff.agent_typing_at
    return {
        "handoff": handoff.status,
        "position": queue_position(session, handoff),
        "agent_name": handoff.agent.display_name if handoff.agent else "",
        "agent_writing": bool(
            handoff.status == TAKEN and typed is not None
            and at - typed <= timedelta(seconds=TYPING_SECONDS)
        ),
    }


def waiting_queue(session: Session) -> list[Handoff]:
    """The waiting hand-offs, first come first."""
    query = select(Handoff).where(Handoff.status == WAITING).order_by(
        Handoff.requested_at, Handoff.id
    )
    return list(session.scalars(query))


def handoffs_of_agent(session: Session, agent_id: int) -> list[Handoff]:
    """The conversations an agent is serving now."""
    query = select(Handoff).where(Handoff.status == TAKEN, Handoff.agent_id == agent_id)
    return list(session.scalars(query.order_by(Handoff.taken_at, Handoff.id)))


def get_handoff(session: Session, handoff_id: int) -> Handoff | None:
    """One hand-off by id."""
    return session.get(Handoff, handoff_id)


def _transition(
    session: Session, handoff_id: int, from_statuses: tuple[str, ...], **values
) -> Handoff:
    if not update_if(session, Handoff,
                     (Handoff.id == handoff_id, Handoff.status.in_(from_statuses)), values):
        raise HandoffUnavailable(f"hand-off {handoff_id} is not {' or '.join(from_statuses)}")
    handoff = session.get(Handoff, handoff_id)
    session.refresh(handoff)
    return handoff


def take_handoff(session: Session, handoff_id: int, agent_id: int, at: datetime) -> Handoff:
    """An agent takes a waiting hand-off; HandoffUnavailable if someone was first."""
    handoff = _transition(
        session, handoff_id, (WAITING,), status=TAKEN, agent_id=agent_id, taken_at=at
    )
    release_on_hold(session, handoff.id, served=True)
    return handoff


def close_handoff(
    session: Session, handoff_id: int, outcome: str, at: datetime, agent_id: int | None = None
) -> Handoff:
    """Closes a taken hand-off (by its agent) with an outcome."""
    if outcome not in AGENT_OUTCOMES + SYSTEM_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    conditions = (TAKEN,)
    if agent_id is not None:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None or handoff.agent_id != agent_id:
            raise HandoffUnavailable(f"hand-off {handoff_id} is not served by agent {agent_id}")
    handoff = _transition(
        session, handoff_id, conditions, status=CLOSED, outcome=outcome, closed_at=at
    )
    if outcome in FOLLOW_UP_OUTCOMES:
        follow_up_after_service(session, handoff.id)
    return handoff


def end_open_handoff(
    session: Session, conversation_id: str, outcome: str, at: datetime
) -> Handoff | None:
    """The citizen left or was cut off (`abandoned`, `conduct`, `interrupted` by
    inactivity): closes any open hand-off.

    A hand-off that was still waiting leaves its on-hold follow-up pending; a served one
    cut by inactivity makes the address left with consent a pending follow-up again.
    """
    handoff = open_handoff(session, conversation_id)
    if handoff is None:
        return None
    # Each attempt is conditional on the state, so an agent taking it meanwhile is seen.
    for status, served in ((WAITING, False), (TAKEN, True)):
        try:
            closed = _transition(
                session, handoff.id, (status,), status=CLOSED, outcome=outcome, closed_at=at
            )
        except HandoffUnavailable:
            continue
        release_on_hold(session, closed.id, served=served)
        if served and outcome in FOLLOW_UP_OUTCOMES:
            follow_up_after_service(session, closed.id)
        return closed
    return None


def expire_overdue(session: Session, requested_before: datetime, at: datetime) -> list[Handoff]:
    """Marks expired every hand-off still waiting since before `requested_before` (since it
    was requested, or returned to the queue).

    Returns those this call expired (not those another process expired first);
    their on-hold follow-ups become pending.
    """
    overdue = session.scalars(
        select(Handoff.id).where(
            Handoff.status == WAITING,
            func.coalesce(Handoff.returned_at, Handoff.requested_at) < requested_before,
        )
    ).all()
    expired = []
    for handoff_id in overdue:
        try:
            handoff = _transition(
                session, handoff_id, (WAITING,), status=EXPIRED, outcome="expired", closed_at=at
            )
        except HandoffUnavailable:
            continue
        release_on_hold(session, handoff.id, served=False)
        expired.append(handoff)
    return expired


def add_message(
    session: Session,
    handoff_id: int,
    author: str,
    text: str,
    at: datetime,
    agent_id: int | None = None,
) -> HandoffMessage:
    """Appends a message (citizen, bot or agent) to a hand-off's transcript."""
    if author not in ("citizen", "bot", "agent"):
        raise ValueError(f"unknown author {author!r}")
    message = HandoffMessage(
        handoff_id=handoff_id, author=author, text=text, created_at=at, agent_id=agent_id
    )
    session.add(message)
    session.commit()
    return message


def messages_after(session: Session, handoff_id: int, after_id: int = 0) -> list[HandoffMessage]:
    """The messages of a hand-off with an id above `after_id`, oldest first."""
    query = (
        select(HandoffMessage)
        .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.id > after_id)
        .order_by(HandoffMessage.id)
    )
    return list(session.scalars(query))


def take_undelivered_agent_messages(
    session: Session, conversation_id: str, at: datetime
) -> list[HandoffMessage]:
    """Agent messages of the conversation not yet passed to the citizen, now marked delivered.

    Each message is claimed with a conditional UPDATE, so it is delivered once even
    when two deliveries run at the same time.
    """
    candidates = session.scalars(
        select(HandoffMessage)
        .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
        .where(
            Handoff.conversation_id == conversation_id,
            HandoffMessage.author == "agent",
            HandoffMessage.delivered_at.is_(None),
        )
        .order_by(HandoffMessage.id)
    ).all()
    claimed = []
    for message in candidates:
        result = session.execute(
            update(HandoffMessage)
            .where(HandoffMessage.id == message.id, HandoffMessage.delivered_at.is_(None))
            .values(delivered_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message)
    session.commit()
    return claimed


def return_to_queue(session: Session, agent_id: int, at: datetime) -> list[Handoff]:
    """Every hand-off the agent is serving goes back to waiting (the agent was deactivated).

    Each keeps its `requested_at`, so the citizen keeps their place in line; `at`
    becomes its last waiting update (R2: the bot tells the citizen at once). Each is
    one conditional UPDATE on (taken, this agent), so a hand-off the agent closes
    meanwhile stays closed. Messages are not touched; on-hold follow-ups that being
    served had cancelled wait on hold again. Returns the hand-offs this call returned.
    """
    serving = session.scalars(
        select(Handoff.id).where(Handoff.status == TAKEN, Handoff.agent_id == agent_id)
        .order_by(Handoff.id)
    ).all()
    returned = []
    for handoff_id in serving:
        if not update_if(
            session, Handoff,
            (Handoff.id == handoff_id, Handoff.status == TAKEN, Handoff.agent_id == agent_id),
            {"status": WAITING, "agent_id": None, "taken_at": None, "update_sent_at": at,
             "returned_at": at},
        ):
            continue
        session.execute(
            update(FollowUp)
            .where(FollowUp.handoff_id == handoff_id, FollowUp.status == CANCELLED)
            .values(status=ON_HOLD)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        handoff = session.get(Handoff, handoff_id)
        session.refresh(handoff)
        returned.append(handoff)
    return returned
