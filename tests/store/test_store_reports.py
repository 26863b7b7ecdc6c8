"""Report figures (A5) on a known seeded database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from moments import BOGOTA

from store.activity import close_conversation, touch
from store.agents import create_agent
from store.handoffs import (
    close_handoff,
    end_open_handoff,
    expire_overdue,
    request_handoff,
    take_handoff,
)
from store.metrics import (
    CONVERSATION_STARTED,
    FALLBACK,
    FAQ_ANSWERED,
    PQRD_ESCALATION,
    SATISFACTION,
    events_of,
    mask_personal_data,
    record_event,
    record_event_safely,
)
from store.reports import build_report, percentile, period_bounds

DAY1, DAY2 = date(2026, 12, 1), date(2026, 12, 2)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Bogotá wall-clock moment."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BOGOTA)


def served(session, agent_id: int, conversation_id: str, requested: datetime, wait: int,
           outcome: str = "resolved"):
    handoff = request_handoff(session, conversation_id, "Ana", "faq/sisben", [], requested)
    taken = requested + timedelta(seconds=wait)
    take_handoff(session, handoff.id, agent_id, taken)
    close_handoff(session, handoff.id, outcome, taken + timedelta(minutes=3))
    return handoff


@pytest.fixture
def seeded(session):
    """Two days of known activity, with moments on both edges of each Bogotá day."""
    agent_id = create_agent(session, "ana", "Ana", "x", at(DAY1, 7)).id
    for conversation_id, moment in [
        ("c-first-minute", at(DAY1, 0, 0, 0)),
        ("c-last-second", at(DAY1, 23, 59, 59)),  # 04:59:59 UTC of DAY2: still DAY1
        ("c-day2", at(DAY2, 0, 0, 0)),
        ("c-before", at(DAY1, 0) - timedelta(seconds=1)),  # 30 Nov in Bogotá
        ("c-after", at(DAY2, 0) + timedelta(days=1)),  # 3 Dec in Bogotá
    ]:
        record_event(session, conversation_id, CONVERSATION_STARTED, moment)
    # Day 1: waits 10, 20, 30, 40, 100 s; one expired, one abandoned before being served.
    for n, wait in enumerate([10, 20, 30, 40, 100]):
        served(session, agent_id, f"h1-{n}", at(DAY1, 9, n * 10), wait)
    request_handoff(session, "h1-expired", None, None, [], at(DAY1, 10))
    expire_overdue(session, at(DAY1, 10, 1), at(DAY1, 10, 5))
    request_handoff(session, "h1-left", None, None, [], at(DAY1, 11))
    end_open_handoff(session, "h1-left", "abandoned", at(DAY1, 11, 2))
    # Day 2: waits 60 and 90 s, the second referred to PQRD by the agent.
    served(session, agent_id, "h2-0", at(DAY2, 14), 60)
    served(session, agent_id, "h2-1", at(DAY2, 15), 90, outcome="referred_pqrd")
    # Late on DAY1 in Bogotá, already DAY2 in UTC: counts for DAY1.
    served(session, agent_id, "h1-late", at(DAY1, 23, 58), 50)
    record_event(session, "c-first-minute", PQRD_ESCALATION, at(DAY1, 8))
    for moment, value in [(at(DAY1, 9), "yes"), (at(DAY1, 23, 30), "yes"), (at(DAY2, 1), "no")]:
        record_event(session, "c-x", SATISFACTION, moment, value=value)
    for text, moment in [
        ("¿Dónde queda la casa de la cultura?", at(DAY1, 10)),
        ("¿Dónde queda la casa de la cultura?", at(DAY2, 10)),
        ("horario de la piscina", at(DAY2, 11)),
    ]:
        record_event(session, "c-y", FALLBACK, moment, text=text)
    for topic, times in [("faq/sisben", 3), ("faq/impuesto_predial", 2), ("faq/empleo", 1)]:
        for n in range(times):
            record_event(session, f"c-{topic}", FAQ_ANSWERED, at(DAY1, 12, n), value=topic)
    record_event(session, "c-old", FAQ_ANSWERED, at(DAY1, 0) - timedelta(hours=1),
                 value="faq/empleo")
    touch(session, "a-conduct", at(DAY1, 16))
    close_conversation(session, "a-conduct", "conduct", at(DAY1, 16, 5))
    for n in range(2):
        touch(session, f"a-idle-{n}", at(DAY2, 8))
        close_conversation(session, f"a-idle-{n}", "inactivity", at(DAY2, 8, 2))
    touch(session, "a-bye", at(DAY2, 9))
    close_conversation(session, "a-bye", "farewell", at(DAY2, 9, 5))
    return session


def test_figures_per_bogota_day(seeded):
    report = build_report(seeded, DAY1, DAY2)
    day1, day2 = report.days
    assert (day1.day, day2.day) == (DAY1, DAY2)
    assert (day1.conversations, day2.conversations) == (2, 1)
    assert (day1.handoffs_requested, day1.handoffs_served) == (8, 6)
    assert (day1.handoffs_expired, day1.handoffs_abandoned) == (1, 1)
    assert (day2.handoffs_requested, day2.handoffs_served, day2.handoffs_expired) == (2, 2, 0)
    # Day 1 waits 10, 20, 30, 40, 50, 100: median 35, p90 at rank 4.5 → 75.
    assert day1.wait_median_seconds == pytest.approx(35)
    assert day1.wait_p90_seconds == pytest.approx(75)
    assert day2.wait_median_seconds == pytest.approx(75)
    assert day2.wait_p90_seconds == pytest.approx(87)
    assert (day1.pqrd_escalations, day2.pqrd_escalations) == (1, 1)
    assert (day1.ended_conduct, day1.ended_inactivity) == (1, 0)
    assert (day2.ended_conduct, day2.ended_inactivity) == (0, 2)
    assert (day1.satisfied_yes, day1.satisfied_no) == (2, 0)
    assert (day2.satisfied_yes, day2.satisfied_no) == (0, 1)
    assert (day1.unanswered, day2.unanswered) == (1, 2)


def test_totals_top_topics_and_unanswered(seeded):
    report = build_report(seeded, DAY1, DAY2)
    totals = report.totals
    assert totals.day is None
    assert totals.conversations == 3
    assert (totals.handoffs_requested, totals.handoffs_served) == (10, 8)
    # All waits: 10, 20, 30, 40, 50, 60, 90, 100 → median 45, p90 at rank 6.3 → 93.
    assert totals.wait_median_seconds == pytest.approx(45)
    assert totals.wait_p90_seconds == pytest.approx(93)
    assert (totals.satisfied_yes, totals.satisfied_no, totals.pqrd_escalations) == (2, 1, 2)
    assert report.top_topics == [("faq/sisben", 3), ("faq/impuesto_predial", 2),
                                 ("faq/empleo", 1)]
    (first_text, first_times, first_last), second = report.unanswered
    assert (first_text, first_times) == ("¿Dónde queda la casa de la cultura?", 2)
    assert first_last == at(DAY2, 10)
    assert second[:2] == ("horario de la piscina", 1)


def test_one_day_period_and_empty_days(seeded):
    only_day2 = build_report(seeded, DAY2, DAY2)
    assert [d.day for d in only_day2.days] == [DAY2]
    assert only_day2.totals.conversations == 1
    assert only_day2.top_topics == []
    quiet = build_report(seeded, date(2026, 11, 20), date(2026, 11, 21))
    assert [d.conversations for d in quiet.days] == [0, 0]
    assert quiet.totals.wait_median_seconds is None


def test_period_bounds_are_bogota_midnights():
    low, high = period_bounds(DAY1, DAY2)
    assert low == datetime(2026, 12, 1, 5, tzinfo=timezone.utc)
    assert high == datetime(2026, 12, 3, 5, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        period_bounds(DAY2, DAY1)
    with pytest.raises(ValueError):
        period_bounds(DAY1, DAY1 + timedelta(days=400))


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([7], 0.9, 7), ([1, 2], 0.5, 1.5), ([4, 1, 3, 2], 0.5, 2.5),
     ([10, 20, 30, 40, 100], 0.9, 76)],
)
def test_percentile_interpolates_like_percentile_cont(values, fraction, expected):
    assert percentile(values, fraction) == (None if expected is None else pytest.approx(expected))


def test_events_validate_and_mask_personal_data(session):
    with pytest.raises(ValueError):
        record_event(session, "c", "gossip", at(DAY1, 9))
    with pytest.raises(ValueError):
        record_event(session, "c", SATISFACTION, at(DAY1, 9), value="maybe")
    event = record_event(session, "c", FALLBACK, at(DAY1, 9),
                         text="  mi cédula es 1.023.456.789 y correo ana@example.org  ")
    assert event.text == "mi cédula es [número] y correo [correo]"
    assert mask_personal_data("pago de 2025 en 3 cuotas") == "pago de 2025 en 3 cuotas"
    assert [e.kind for e in events_of(session, "c")] == [FALLBACK]


def test_recording_safely_survives_a_broken_store(tmp_path, caplog):
    broken = f"sqlite:///{tmp_path / 'no-tables.db'}"
    assert record_event_safely(broken, "c", CONVERSATION_STARTED, at(DAY1, 9)) is False
    assert "not recorded" in caplog.text
