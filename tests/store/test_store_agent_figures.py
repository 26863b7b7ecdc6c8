"""Per-agent report figures (store/reports.py `agent_figures`) on known numbers, on
SQLite and PostgreSQL: served, median handling time, satisfaction after the agent."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from moments import BOGOTA

from store.agents import create_agent, set_active
from store.handoffs import close_handoff, expire_overdue, request_handoff, take_handoff
from store.metrics import SATISFACTION, record_event
from store.reports import AgentFigures, agent_figures, build_report

DAY = date(2026, 12, 1)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BOGOTA)


def serve(session, agent_id, conversation, requested, minutes_to_close=None):
    """A hand-off taken a minute after the request and closed `minutes_to_close` later."""
    handoff = request_handoff(session, conversation, None, None, [], requested)
    taken = requested + timedelta(minutes=1)
    take_handoff(session, handoff.id, agent_id, taken)
    if minutes_to_close is not None:
        close_handoff(session, handoff.id, "resolved", taken + timedelta(minutes=minutes_to_close))
    return taken


def satisfaction(session, conversation, value, when):
    record_event(session, conversation, SATISFACTION, when, value=value)


def test_served_handling_time_and_satisfaction_per_agent(session):
    ana = create_agent(session, "ana", "Ana", "h", at(7)).id
    luis = create_agent(session, "luis", "Luis", "h", at(7)).id
    beto = create_agent(session, "beto", "Beto", "h", at(7))
    zoe = create_agent(session, "zoe", "Zoe", "h", at(7)).id
    create_agent(session, "eva", "Eva", "h", at(7), roles="supervisor")  # not an agent
    old = create_agent(session, "old", "Old", "h", at(7)).id  # serves nobody this period
    set_active(session, create_agent(session, "gone", "Gone", "h", at(7)), False,
               actor_id=None, at=at(7))

    # Ana: four served (one still open), closed after 2, 4 and 10 minutes: median 4 min.
    serve(session, ana, "a1", at(9), 2)
    serve(session, ana, "a2", at(10), 10)
    taken = serve(session, ana, "a3", at(11), 4)
    serve(session, ana, "a4", at(11, 30))
    satisfaction(session, "a1", "yes", at(9, 4))
    satisfaction(session, "a2", "no", at(10, 12))
    satisfaction(session, "a3", "no", taken - timedelta(minutes=5))  # before Ana took it
    satisfaction(session, "a3", "yes", at(11, 6))
    # Not this period, not served.
    serve(session, ana, "yesterday", at(15, day=DAY - timedelta(days=1)), 3)
    satisfaction(session, "yesterday", "yes", at(8))
    request_handoff(session, "nobody", None, None, [], at(12))
    expire_overdue(session, at(12, 10), at(12, 10))
    # One conversation served twice: each answer counts for the agent it came after.
    serve(session, ana, "twice", at(14), 1)
    satisfaction(session, "twice", "yes", at(14, 3))
    serve(session, luis, "twice", at(14, 20), 3)
    satisfaction(session, "twice", "no", at(14, 30))
    serve(session, luis, "l1", at(15), 1)
    # Beto served one and was deactivated since: still counted, shown as inactive.
    serve(session, beto.id, "b1", at(16), 5)
    satisfaction(session, "b1", "yes", at(16, 7))
    set_active(session, beto, False, actor_id=None, at=at(17))

    figures = agent_figures(session, DAY, DAY)

    assert figures == [
        AgentFigures(ana, "Ana", "ana", True, served=5, handling_median_seconds=180.0,
                     satisfied_yes=3, satisfied_no=1),
        AgentFigures(beto.id, "Beto", "beto", False, served=1, handling_median_seconds=300.0,
                     satisfied_yes=1, satisfied_no=0),
        AgentFigures(luis, "Luis", "luis", True, served=2, handling_median_seconds=120.0,
                     satisfied_yes=0, satisfied_no=1),
        AgentFigures(old, "Old", "old", True),
        AgentFigures(zoe, "Zoe", "zoe", True),
    ]
    # They add up to the period's served hand-offs.
    totals = build_report(session, DAY, DAY).totals
    assert sum(row.served for row in figures) == totals.handoffs_served == 8
