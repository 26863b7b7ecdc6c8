"""`return_to_queue`: the hand-offs of a deactivated agent wait again, nothing lost."""

from __future__ import annotations

from store.agents import create_agent
from store.db import session_for
from store.followups import CANCELLED, ON_HOLD, follow_ups_of, record_follow_up
from store.handoffs import (
    TAKEN,
    WAITING,
    add_message,
    close_handoff,
    get_handoff,
    handoffs_of_agent,
    messages_after,
    queue_position,
    request_handoff,
    return_to_queue,
    take_handoff,
    waiting_queue,
)
from tests.store.moments import minutes

TRANSCRIPT = [("citizen", "Necesito el paz y salvo", minutes(-2)),
              ("bot", "Por favor espere un momento.", minutes(-1))]


def agent(session, username):
    return create_agent(session, username, username.title(), "hash", minutes(-60)).id


def test_served_hand_offs_wait_again_in_their_place(database_url, session):
    """Both chats of the agent go back with their request time; the other agent's and
    the closed one stay; the citizen keeps their place ahead of later requests."""
    ana, luis = agent(session, "ana"), agent(session, "luis")
    first = request_handoff(session, "c1", "Marta", None, TRANSCRIPT, minutes(0))
    second = request_handoff(session, "c2", "Pedro", None, [], minutes(2))
    others = request_handoff(session, "c3", "Rosa", None, [], minutes(1))
    closed = request_handoff(session, "c4", "Juan", None, [], minutes(1))
    later = request_handoff(session, "c5", "Olga", None, [], minutes(3))
    for handoff, by in ((first, ana), (second, ana), (others, luis), (closed, ana)):
        take_handoff(session, handoff.id, by, minutes(4))
    close_handoff(session, closed.id, "resolved", minutes(5))
    add_message(session, first.id, "agent", "Buenos días, ¿en qué le ayudo?", minutes(5), ana)
    add_message(session, first.id, "citizen", "El paz y salvo predial", minutes(6))

    returned = return_to_queue(session, ana, minutes(7))

    assert [h.id for h in returned] == [first.id, second.id]
    with session_for(database_url) as fresh:
        for handoff, requested in ((first, minutes(0)), (second, minutes(2))):
            stored = get_handoff(fresh, handoff.id)
            assert (stored.status, stored.agent_id, stored.taken_at, stored.requested_at) == (
                WAITING, None, None, requested)
            assert stored.update_sent_at == minutes(7)
        assert [h.id for h in waiting_queue(fresh)] == [first.id, second.id, later.id]
        assert queue_position(fresh, get_handoff(fresh, first.id)) == 1
        assert get_handoff(fresh, others.id).status == TAKEN
        assert get_handoff(fresh, closed.id).outcome == "resolved"
        # Nothing lost: the transcript and the live messages are all there, in order.
        assert [(m.author, m.text) for m in messages_after(fresh, first.id)] == [
            ("citizen", "Necesito el paz y salvo"), ("bot", "Por favor espere un momento."),
            ("agent", "Buenos días, ¿en qué le ayudo?"), ("citizen", "El paz y salvo predial"),
        ]
    assert handoffs_of_agent(session, ana) == []


def test_another_agent_takes_a_returned_hand_off(session):
    ana, luis = agent(session, "ana"), agent(session, "luis")
    handoff = request_handoff(session, "c1", None, None, [], minutes(0))
    take_handoff(session, handoff.id, ana, minutes(1))
    return_to_queue(session, ana, minutes(2))
    taken = take_handoff(session, handoff.id, luis, minutes(3))
    assert (taken.status, taken.agent_id, taken.taken_at) == (TAKEN, luis, minutes(3))


def test_nothing_to_return(session):
    assert return_to_queue(session, agent(session, "ana"), minutes(0)) == []


def test_the_on_hold_follow_up_waits_again(session):
    """The e-mail the citizen left while waiting was cancelled when served; back in line,
    it is on hold again, so it is answered if nobody serves them in the end."""
    ana = agent(session, "ana")
    handoff = request_handoff(session, "c1", "Marta", None, [], minutes(0))
    record_follow_up(session, "c1", "marta@example.com", minutes(0), "¿?", "Marta", minutes(0),
                     handoff_id=handoff.id)
    take_handoff(session, handoff.id, ana, minutes(1))
    assert [f.status for f in follow_ups_of(session, "c1")] == [CANCELLED]
    return_to_queue(session, ana, minutes(2))
    session.expire_all()
    assert [f.status for f in follow_ups_of(session, "c1")] == [ON_HOLD]


def test_racing_with_the_agent_closing(race, session):
    """The agent closes while the supervisor deactivates: the hand-off ends either
    closed or waiting, never both, and the return lists it only when it won."""
    ana = agent(session, "ana")
    handoff = request_handoff(session, "c1", None, None, [], minutes(0))
    take_handoff(session, handoff.id, ana, minutes(1))
    returned, closing = race(
        lambda s: return_to_queue(s, ana, minutes(2)),
        lambda s: close_handoff(s, handoff.id, "resolved", minutes(2), agent_id=ana),
    )
    session.expire_all()
    status = get_handoff(session, handoff.id).status
    if isinstance(closing, Exception):
        assert status == WAITING and [h.id for h in returned] == [handoff.id]
    else:
        assert status == "closed" and returned == []
