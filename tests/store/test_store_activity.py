"""Conversation activity and the inactivity timers (P3), on SQLite and PostgreSQL."""

from datetime import timedelta

from store.activity import (
    activity_of,
    claim_due_closings,
    claim_due_prompts,
    close_conversation,
    touch,
)
from store.agents import create_agent
from store.handoffs import request_handoff, take_handoff
from tests.store.moments import T0, minutes

PROMPT, CLOSE = timedelta(seconds=60), timedelta(seconds=120)


def seconds(n):
    return T0 + timedelta(seconds=n)


def test_prompt_then_close_after_the_whole_silence(session):
    touch(session, "c1", T0)
    assert claim_due_prompts(session, seconds(59), PROMPT) == []
    assert claim_due_prompts(session, seconds(60), PROMPT) == ["c1"]
    assert claim_due_prompts(session, seconds(61), PROMPT) == [], "prompted once"
    assert claim_due_closings(session, seconds(119), CLOSE) == []
    assert claim_due_closings(session, seconds(120), CLOSE) == ["c1"]
    row = activity_of(session, "c1")
    assert (row.close_reason, row.closed_at) == ("inactivity", seconds(120))
    assert claim_due_prompts(session, seconds(500), PROMPT) == []


def test_a_reply_in_between_resets_the_silence(session):
    touch(session, "c1", T0)
    assert claim_due_prompts(session, seconds(60), PROMPT) == ["c1"]
    touch(session, "c1", seconds(90))
    assert activity_of(session, "c1").prompted_at is None
    assert claim_due_closings(session, seconds(130), CLOSE) == []
    assert claim_due_prompts(session, seconds(149), PROMPT) == []
    assert claim_due_prompts(session, seconds(150), PROMPT) == ["c1"]


def test_no_timer_while_waiting_for_an_agent(session):
    """In the queue the silence is the municipality's, not the citizen's."""
    touch(session, "c1", T0)
    request_handoff(session, "c1", "Ana", None, [], T0)
    assert claim_due_prompts(session, minutes(30), PROMPT) == []


def test_the_timers_run_while_an_agent_serves_the_citizen(session):
    """Issue 19: the two-minute close applies with an agent too."""
    agent = create_agent(session, "marta", "Marta", "h", T0)
    touch(session, "c1", T0)
    handoff = request_handoff(session, "c1", "Ana", None, [], T0)
    take_handoff(session, handoff.id, agent.id, T0)
    assert claim_due_prompts(session, seconds(60), PROMPT) == ["c1"]
    assert claim_due_closings(session, seconds(120), CLOSE) == ["c1"]


def test_closed_stays_closed_but_farewell_reopens(session):
    touch(session, "conduct", T0)
    touch(session, "farewell", T0)
    assert close_conversation(session, "conduct", "conduct", seconds(5))
    assert not close_conversation(session, "conduct", "conduct", seconds(6))
    assert close_conversation(session, "farewell", "farewell", seconds(5))
    touch(session, "conduct", seconds(10))
    touch(session, "farewell", seconds(10))
    assert activity_of(session, "conduct").close_reason == "conduct"
    assert activity_of(session, "farewell").closed_at is None
    assert claim_due_prompts(session, minutes(5), PROMPT) == ["farewell"]


def test_only_conversations_on_record_with_create_false(session):
    touch(session, "rest-only", T0, create=False)
    assert activity_of(session, "rest-only") is None
    assert not close_conversation(session, "rest-only", "farewell", T0, create=False)
    assert activity_of(session, "rest-only") is None


def test_after_a_long_outage_the_citizen_still_gets_time_to_answer(session):
    touch(session, "c1", T0)
    assert claim_due_prompts(session, minutes(30), PROMPT) == ["c1"]
    assert claim_due_closings(session, minutes(30), CLOSE, answer_time=CLOSE - PROMPT) == []
    assert claim_due_closings(session, minutes(31), CLOSE, answer_time=CLOSE - PROMPT) == ["c1"]


def test_two_sweepers_claim_each_step_once(session, race):
    touch(session, "c1", T0)
    results = race(lambda s: claim_due_prompts(s, seconds(60), PROMPT),
                   lambda s: claim_due_prompts(s, seconds(60), PROMPT))
    assert sorted(sum(results, [])) == ["c1"]
