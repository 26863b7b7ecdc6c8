"""The figures of /metrics read from the store (store/monitoring.py), on SQLite and
PostgreSQL: the counts of our tables, and the turns read from Rasa's tracker table as
the real tracker store writes it, a little at a time."""

from __future__ import annotations

import pytest

from store.activity import close_conversation
from store.agents import create_agent
from store.handoffs import (
    close_handoff,
    end_open_handoff,
    expire_overdue,
    request_handoff,
    take_handoff,
)
from store.metrics import (
    ACTION_FAILURE,
    CONVERSATION_STARTED,
    FALLBACK,
    FAQ_ANSWERED,
    SATISFACTION,
    record_event,
)
from store.monitoring import StoreFigures, TurnScan, TurnScanner, store_figures
from tests.store.moments import minutes
from tests.tracker_events import START, TrackerEvents, external_turn, turn


@pytest.fixture
def tracker_events(database_url):
    """Rasa's tracker store on the test's database (it creates the `events` table)."""
    events = TrackerEvents(database_url)
    yield events
    events.close()


def seed_handoffs(session) -> None:
    """One hand-off in each state: waiting, in service, served and closed, expired,
    abandoned while waiting."""
    agent = create_agent(session, "lmora", "Laura Mora", "x", minutes(0))
    ids = {}
    for n, name in enumerate(("expired", "in-service", "served", "abandoned", "waiting")):
        ids[name] = request_handoff(session, name, "Ana", None, [], minutes(n)).id
    take_handoff(session, ids["in-service"], agent.id, minutes(10))
    take_handoff(session, ids["served"], agent.id, minutes(11))
    close_handoff(session, ids["served"], "resolved", minutes(12), agent_id=agent.id)
    end_open_handoff(session, "abandoned", "abandoned", minutes(13))
    # Only the first was requested before minute 0.5 and is still waiting.
    assert [h.id for h in expire_overdue(session, minutes(0.5), minutes(14))] == [
        ids["expired"]]


def test_an_empty_store_counts_nothing(session):
    assert store_figures(session) == StoreFigures()


def test_every_figure_of_our_tables(session):
    for conversation in ("c1", "c2", "c3"):
        record_event(session, conversation, CONVERSATION_STARTED, minutes(0))
    record_event(session, "c1", FALLBACK, minutes(1), text="¿venden boletas?")
    record_event(session, "c2", FALLBACK, minutes(2), text="asdf")
    record_event(session, "c2", ACTION_FAILURE, minutes(3), value="action_answer_faq")
    record_event(session, "c1", FAQ_ANSWERED, minutes(4), value="faq/sisben")
    record_event(session, "c1", SATISFACTION, minutes(5), value="yes")
    seed_handoffs(session)
    close_conversation(session, "c1", "inactivity", minutes(20))
    close_conversation(session, "c2", "inactivity", minutes(21))
    close_conversation(session, "c3", "conduct", minutes(22))
    close_conversation(session, "c4", "farewell", minutes(23))  # may open again: not counted

    assert store_figures(session) == StoreFigures(
        conversations_started=3, fallbacks=2, action_failures=1,
        handoffs_requested=5, handoffs_waiting=1, handoffs_in_service=1, handoffs_served=2,
        handoffs_expired=1, handoffs_abandoned=1, ended={"inactivity": 2, "conduct": 1},
    )


def test_without_a_tracker_table_there_are_no_turns(session):
    scanner = TurnScanner()
    assert scanner.scan(session) == TurnScan()
    assert scanner.scan(session) == TurnScan() and scanner.cursor is None


def test_a_tracker_table_created_later_is_read_from_its_first_row(database_url, session):
    scanner = TurnScanner()
    assert scanner.scan(session) == TurnScan()  # Rasa has not started yet
    events = TrackerEvents(database_url)
    try:
        events.add("a", *turn(START, 0.3), *turn(START + 60, 2.5))
        events.add("b", *turn(START + 5, 0.05), *external_turn(START + 200))
    finally:
        events.close()
    scan = scanner.scan(session)
    assert scan.turns == 3, "the web app's push is not a citizen's message"
    assert sorted(scan.latencies) == pytest.approx([0.05, 0.3, 2.5])


def test_history_is_counted_and_each_new_turn_measured_once(session, tracker_events):
    tracker_events.add("a", *turn(START, 0.3), *turn(START + 10, 0.3))
    tracker_events.add("b", *external_turn(START + 20))
    scanner = TurnScanner()
    assert scanner.scan(session) == TurnScan(turns=2), "history: counted, not measured"

    tracker_events.add("a", *turn(START + 100, 1.5))
    tracker_events.add("b", *turn(START + 101, 0.2))
    first = scanner.scan(session)
    assert first.turns == 2 and sorted(first.latencies) == pytest.approx([0.2, 1.5])
    assert scanner.scan(session) == TurnScan(), "nothing new: nothing counted again"

    tracker_events.add("b", *turn(START + 200, 7.0))
    second = scanner.scan(session)
    assert second.turns == 1 and second.latencies == pytest.approx((7.0,))


def test_a_turn_still_running_is_measured_when_it_ends(session, tracker_events):
    scanner = TurnScanner()
    scanner.scan(session)
    message, *reply = turn(START, 4.0)
    tracker_events.add("a", message)
    assert scanner.scan(session) == TurnScan(turns=1), "counted, not measured yet"
    tracker_events.add("a", *reply)
    assert scanner.scan(session) == TurnScan(turns=0, latencies=(4.0,))


def test_a_row_committed_late_with_a_lower_id_is_counted_once(session, tracker_events):
    """PostgreSQL hands out ids before commit: a turn may appear behind the cursor."""
    scanner = TurnScanner()
    scanner.scan(session)
    a_message, *_, a_listen = turn(START, 0.5)
    b_message, *_, b_listen = turn(START + 1, 1.0)
    tracker_events.insert(30, "a", a_message)
    tracker_events.insert(31, "a", a_listen)
    assert scanner.scan(session) == TurnScan(turns=1, latencies=(0.5,))
    tracker_events.insert(28, "b", b_message)
    tracker_events.insert(29, "b", b_listen)
    assert scanner.scan(session) == TurnScan(turns=1, latencies=(1.0,))
    assert scanner.scan(session) == TurnScan()


def test_a_turn_that_never_ends_is_forgotten(session, tracker_events):
    scanner = TurnScanner(abandon_seconds=60)
    scanner.scan(session)
    lost_message, *_, lost_listen = turn(START, 1.0)
    tracker_events.add("lost", lost_message)  # its Rasa server died mid-turn
    tracker_events.add("other", *turn(START + 120, 0.5))
    assert scanner.scan(session) == TurnScan(turns=2, latencies=(0.5,))
    tracker_events.add("lost", lost_listen)
    assert scanner.scan(session) == TurnScan()


def test_a_backlog_is_read_over_several_scans(session, tracker_events):
    scanner = TurnScanner(batch_rows=3)
    scanner.scan(session)
    tracker_events.add("a", *(event for n in range(4) for event in turn(START + 10 * n, 1.0)))
    scans = [scanner.scan(session) for _ in range(4)]
    assert [scan.turns for scan in scans] == [2, 1, 1, 0]
    assert [len(scan.latencies) for scan in scans] == [1, 2, 1, 0]


def test_a_row_committed_late_behind_the_first_scan_is_counted_once(session, tracker_events):
    a_message, *_, a_listen = turn(START, 0.5)
    b_message, *_, b_listen = turn(START + 1, 1.0)
    tracker_events.insert(30, "a", a_message)
    tracker_events.insert(31, "a", a_listen)
    scanner = TurnScanner()
    assert scanner.scan(session) == TurnScan(turns=1)
    tracker_events.insert(28, "b", b_message)
    tracker_events.insert(29, "b", b_listen)
    assert scanner.scan(session) == TurnScan(turns=1, latencies=(1.0,))
    assert scanner.scan(session) == TurnScan()
