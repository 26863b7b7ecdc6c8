"""A chat returned to the queue (its agent deactivated) gets the whole waiting time again."""

from __future__ import annotations

from store.agents import create_agent
from store.handoffs import expire_overdue, request_handoff, return_to_queue, take_handoff
from tests.store.moments import minutes


def test_a_returned_handoff_expires_from_its_return(session):
    agent = create_agent(session, "marta", "Marta", "h", minutes(0))
    handoff = request_handoff(session, "c1", "Ana", None, [], minutes(0))
    take_handoff(session, handoff.id, agent.id, minutes(1))
    assert [h.id for h in return_to_queue(session, agent.id, minutes(20))] == [handoff.id]
    # 5 minutes of timeout: requested 24 minutes ago, returned 4 minutes ago.
    assert expire_overdue(session, requested_before=minutes(24) - (minutes(5) - minutes(0)),
                          at=minutes(24)) == []
    assert [h.id for h in expire_overdue(session, requested_before=minutes(21),
                                         at=minutes(26))] == [handoff.id]
