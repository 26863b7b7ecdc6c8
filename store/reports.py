"""The service figures the municipality needs (A5), by Bogotá calendar day.

Every count is an SQL aggregate (COUNT/SUM … GROUP BY day) on PostgreSQL and
SQLite alike. The day of a moment is taken in SQL by `bogota_day`: on
PostgreSQL `AT TIME ZONE 'America/Bogota'`, on SQLite `date(at, '-5 hours')`
(Bogotá keeps UTC−5 all year, without daylight saving, so both agree). The
period is filtered on the stored UTC times with bound parameters.

Waiting and handling times are the only figures not aggregated in SQL: SQLite
has no percentile function, so the served hand-offs' (requested_at, taken_at) or
(taken_at, closed_at) pairs of the period are fetched and the median and p90
computed in Python with linear interpolation between ranks, as PostgreSQL's
`percentile_cont` does.

Per agent (`agent_figures`, for supervisors): the hand-offs each agent served among
those requested in the period (they add up to the period's "served"), the median
time from taking a hand-off to closing it, and the satisfaction answers given after
the agent took the conversation (before any later hand-off of the same
conversation was taken by someone else).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from store.metrics import (
    CONVERSATION_STARTED,
    FALLBACK,
    FAQ_ANSWERED,
    PQRD_ESCALATION,
    SATISFACTION,
)
from store.models import Agent, ConversationActivity, ConversationEvent, Handoff

BOGOTA = ZoneInfo("America/Bogota")
MAX_DAYS = 366


class bogota_day(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """The Bogotá calendar day of a UTC timestamp column, as 'YYYY-MM-DD'."""

    type = String()
    name = "bogota_day"
    inherit_cache = True


@compiles(bogota_day, "postgresql")
def _bogota_day_postgresql(element, compiler, **kw) -> str:
    moment = compiler.process(element.clauses, **kw)
    return f"to_char(({moment}) AT TIME ZONE 'America/Bogota', 'YYYY-MM-DD')"


@compiles(bogota_day, "sqlite")
def _bogota_day_sqlite(element, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '-5 hours')"


@dataclass
class DayFigures:
    """The figures of one day (or, with `day` None, of the whole period)."""

    day: date | None
    conversations: int = 0
    handoffs_requested: int = 0
    handoffs_served: int = 0
    handoffs_expired: int = 0
    handoffs_abandoned: int = 0
    wait_median_seconds: float | None = None
    wait_p90_seconds: float | None = None
    pqrd_escalations: int = 0
    ended_conduct: int = 0
    ended_inactivity: int = 0
    satisfied_yes: int = 0
    satisfied_no: int = 0
    unanswered: int = 0

    @classmethod
    def counters(cls) -> list[str]:
        """The names of the whole-number figures, which add up over days."""
        return [f.name for f in fields(cls) if f.type == "int"]


@dataclass
class Report:
    """A period's figures: per day, totals, top FAQ topics, unanswered messages."""

    start: date
    end: date
    days: list[DayFigures]
    totals: DayFigures
    top_topics: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[tuple[str, int, datetime]] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` percentile (0–1) with linear interpolation; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC [from, to) of the Bogotá days `start` … `end`, both included."""
    if end < start:
        raise ValueError("the period ends before it starts")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValueError(f"a period has at most {MAX_DAYS} days")
    low = datetime.combine(start, time(), BOGOTA).astimezone(timezone.utc)
    high = datetime.combine(end + timedelta(days=1), time(), BOGOTA).astimezone(timezone.utc)
    return low, high


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def build_report(
    session: Session, start: date, end: date, top: int = 10, unanswered_limit: int = 50
) -> Report:
    """The figures of the Bogotá days `start` … `end` (both included)."""
    low, high = period_bounds(start, end)
    days = {start + timedelta(days=n): DayFigures(start + timedelta(days=n))
            for n in range((end - start).days + 1)}
    _add_events(session, low, high, days)
    _add_handoffs(session, low, high, days)
    _add_closings(session, low, high, days)
    waits = _waits(session, low, high)
    for day, figures in days.items():
        figures.wait_median_seconds = percentile(waits.get(day, []), 0.5)
        figures.wait_p90_seconds = percentile(waits.get(day, []), 0.9)
    totals = DayFigures(None)
    for name in DayFigures.counters():
        setattr(totals, name, sum(getattr(figures, name) for figures in days.values()))
    every_wait = [seconds for values in waits.values() for seconds in values]
    totals.wait_median_seconds = percentile(every_wait, 0.5)
    totals.wait_p90_seconds = percentile(every_wait, 0.9)
    return Report(
        start, end, list(days.values()), totals,
        top_topics=top_topics(session, low, high, top),
        unanswered=unanswered_messages(session, low, high, unanswered_limit),
    )


def _add_events(session: Session, low: datetime, high: datetime, days: dict) -> None:
    day = bogota_day(ConversationEvent.at)
    rows = session.execute(
        select(day, ConversationEvent.kind, ConversationEvent.value, func.count())
        .where(
            ConversationEvent.at >= low,
            ConversationEvent.at < high,
            ConversationEvent.kind.in_(
                (CONVERSATION_STARTED, PQRD_ESCALATION, SATISFACTION, FALLBACK)
            ),
        )
        .group_by(day, ConversationEvent.kind, ConversationEvent.value)
    )
    names = {CONVERSATION_STARTED: "conversations", PQRD_ESCALATION: "pqrd_escalations",
             FALLBACK: "unanswered", (SATISFACTION, "yes"): "satisfied_yes",
             (SATISFACTION, "no"): "satisfied_no"}
    for when, kind, value, count in rows:
        name = names.get((kind, value)) or names.get(kind)
        figures = days.get(_day(when))
        if figures is not None and name:
            setattr(figures, name, getattr(figures, name) + count)


def _add_handoffs(session: Session, low: datetime, high: datetime, days: dict) -> None:
    """Hand-offs by the day they were requested; agents' PQRD referrals by closing day."""
    day = bogota_day(Handoff.requested_at)
    served = case((Handoff.taken_at.is_not(None), 1), else_=0)
    expired = case((Handoff.status == "expired", 1), else_=0)
    abandoned = case(
        ((Handoff.outcome == "abandoned") & Handoff.taken_at.is_(None), 1), else_=0
    )
    rows = session.execute(
        select(day, func.count(), func.sum(served), func.sum(expired), func.sum(abandoned))
        .where(Handoff.requested_at >= low, Handoff.requested_at < high)
        .group_by(day)
    )
    for when, requested, served_n, expired_n, abandoned_n in rows:
        figures = days.get(_day(when))
        if figures is not None:
            figures.handoffs_requested += requested
            figures.handoffs_served += int(served_n or 0)
            figures.handoffs_expired += int(expired_n or 0)
            figures.handoffs_abandoned += int(abandoned_n or 0)
    closed_day = bogota_day(Handoff.closed_at)
    referred = session.execute(
        select(closed_day, func.count())
        .where(Handoff.outcome == "referred_pqrd", Handoff.closed_at >= low,
               Handoff.closed_at < high)
        .group_by(closed_day)
    )
    for when, count in referred:
        figures = days.get(_day(when))
        if figures is not None:
            figures.pqrd_escalations += count


def _add_closings(session: Session, low: datetime, high: datetime, days: dict) -> None:
    """Chats ended for conduct (P9, P10) or inactivity (P3), by the day they ended."""
    day = bogota_day(ConversationActivity.closed_at)
    rows = session.execute(
        select(day, ConversationActivity.close_reason, func.count())
        .where(
            ConversationActivity.closed_at >= low,
            ConversationActivity.closed_at < high,
            ConversationActivity.close_reason.in_(("conduct", "inactivity")),
        )
        .group_by(day, ConversationActivity.close_reason)
    )
    for when, reason, count in rows:
        figures = days.get(_day(when))
        if figures is not None:
            name = "ended_conduct" if reason == "conduct" else "ended_inactivity"
            setattr(figures, name, getattr(figures, name) + count)


def _waits(session: Session, low: datetime, high: datetime) -> dict[date, list[float]]:
    """Seconds from request to being taken, of the served hand-offs, by request day."""
    day = bogota_day(Handoff.requested_at)
    rows = session.execute(
        select(day, Handoff.requested_at, Handoff.taken_at).where(
            Handoff.requested_at >= low, Handoff.requested_at < high,
            Handoff.taken_at.is_not(None),
        )
    )
    waits: dict[date, list[float]] = defaultdict(list)
    for when, requested_at, taken_at in rows:
        waits[_day(when)].append(max(0.0, (taken_at - requested_at).total_seconds()))
    return waits


def top_topics(
    session: Session, low: datetime, high: datetime, limit: int = 10
) -> list[tuple[str, int]]:
    """The FAQ topics answered most often in [low, high): (faq/<topic>, times)."""
    count = func.count().label("times")
    rows = session.execute(
        select(ConversationEvent.value, count)
        .where(ConversationEvent.kind == FAQ_ANSWERED, ConversationEvent.at >= low,
               ConversationEvent.at < high, ConversationEvent.value.is_not(None))
        .group_by(ConversationEvent.value)
        .order_by(count.desc(), ConversationEvent.value)
        .limit(limit)
    )
    return [(label, int(times)) for label, times in rows]


def unanswered_messages(
    session: Session, low: datetime, high: datetime, limit: int = 50
) -> list[tuple[str, int, datetime]]:
    """Messages the bot did not understand in [low, high): (text, times, last time)."""
    count = func.count().label("times")
    last = func.max(ConversationEvent.at).label("last_at")
    rows = session.execute(
        select(ConversationEvent.text, count, last)
        .where(ConversationEvent.kind == FALLBACK, ConversationEvent.at >= low,
               ConversationEvent.at < high, ConversationEvent.text.is_not(None))
        .group_by(ConversationEvent.text)
        .order_by(count.desc(), last.desc(), ConversationEvent.text)
        .limit(limit)
    )
    return [(text, int(times), _aware(last_at)) for text, times, last_at in rows]


def _aware(moment: datetime | str) -> datetime:
    """MAX() over a column loses its type on SQLite: back to an aware UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


@dataclass
class AgentFigures:
    """One agent's figures for a period."""

    agent_id: int
    name: str
    username: str
    active: bool
    served: int = 0
    handling_median_seconds: float | None = None
    satisfied_yes: int = 0
    satisfied_no: int = 0


def agent_figures(session: Session, start: date, end: date) -> list[AgentFigures]:
    """Per agent, for the hand-offs requested on the Bogotá days `start` … `end`: how
    many they served, the median handling time (taken → closed, of those closed) and
    the satisfaction answers after them. Every active account of the `agent` role is
    listed, with zeros when it served nobody; others only when they served someone."""
    low, high = period_bounds(start, end)
    in_period = (Handoff.requested_at >= low, Handoff.requested_at < high,
                 Handoff.taken_at.is_not(None), Handoff.agent_id.is_not(None))
    figures: dict[int, AgentFigures] = {
        agent.id: AgentFigures(agent.id, agent.display_name, agent.username, agent.active)
        for agent in session.scalars(select(Agent))
        if agent.active and agent.has_role("agent")
    }
    served_by = dict(session.execute(
        select(Handoff.agent_id, func.count()).where(*in_period).group_by(Handoff.agent_id)
    ).all())
    for agent in session.scalars(select(Agent).where(Agent.id.in_(list(served_by)))):
        figures.setdefault(
            agent.id, AgentFigures(agent.id, agent.display_name, agent.username, agent.active))
    handling: dict[int, list[float]] = defaultdict(list)
    for agent_id, taken_at, closed_at in session.execute(
        select(Handoff.agent_id, Handoff.taken_at, Handoff.closed_at)
        .where(*in_period, Handoff.closed_at.is_not(None))
    ):
        handling[agent_id].append(max(0.0, (closed_at - taken_at).total_seconds()))
    for agent_id, count in served_by.items():
        figures[agent_id].served = int(count)
        figures[agent_id].handling_median_seconds = percentile(handling[agent_id], 0.5)
    for agent_id, value, count in _satisfaction_by_agent(session, in_period):
        name = "satisfied_yes" if value == "yes" else "satisfied_no"
        setattr(figures[agent_id], name, int(count))
    return sorted(figures.values(), key=lambda row: (row.name.casefold(), row.agent_id))


def _satisfaction_by_agent(session: Session, in_period: tuple) -> list[tuple[int, str, int]]:
    """(agent, yes | no, answers): each satisfaction answer counts for the agent of the
    conversation's latest hand-off taken before it."""
    later = aliased(Handoff)
    taken_later = exists().where(
        later.conversation_id == Handoff.conversation_id,
        later.taken_at.is_not(None),
        later.taken_at > Handoff.taken_at,
        later.taken_at <= ConversationEvent.at,
    )
    rows = session.execute(
        select(Handoff.agent_id, ConversationEvent.value, func.count())
        .join(ConversationEvent, and_(
            ConversationEvent.conversation_id == Handoff.conversation_id,
            ConversationEvent.kind == SATISFACTION,
            ConversationEvent.at >= Handoff.taken_at,
        ))
        .where(*in_period, ConversationEvent.value.in_(("yes", "no")), ~taken_later)
        .group_by(Handoff.agent_id, ConversationEvent.value)
    )
    return [(agent_id, value, count) for agent_id, value, count in rows]
