"""Issue 19: a served chat that still needs an answer by e-mail gets a follow-up, with the
address the citizen left with consent while waiting; without one, nothing is invented."""

from __future__ import annotations

import pytest

from store.agents import create_agent
from store.followups import CANCELLED, PENDING, follow_ups_of, record_follow_up
from store.handoffs import close_handoff, end_open_handoff, request_handoff, take_handoff
from tests.store.moments import minutes


def served(session, with_address: bool):
    """A hand-off taken by an agent; the citizen left an address while waiting or not."""
    agent = create_agent(session, "marta", "Marta", "h", minutes(0))
    handoff = request_handoff(session, "c1", "Ana", "faq/sisben", [], minutes(0))
    if with_address:
        record_follow_up(session, "c1", "ana@example.com", minutes(1), "¿Mi puntaje?",
                         "Ana", minutes(1), handoff_id=handoff.id)
    take_handoff(session, handoff.id, agent.id, minutes(2))
    return handoff.id, agent.id


def statuses(session):
    session.expire_all()
    return [f.status for f in follow_ups_of(session, "c1")]


@pytest.mark.parametrize(
    ("end", "with_address", "expected"),
    [
        ("follow_up", True, [PENDING]),
        ("interrupted", True, [PENDING]),
        ("resolved", True, [CANCELLED]),
        ("referred_pqrd", True, [CANCELLED]),
        ("follow_up", False, []),
        ("interrupted", False, []),
    ],
)
def test_which_endings_answer_by_email(session, end, with_address, expected):
    """The agent's "requiere seguimiento" and a chat cut by inactivity make the address
    pending again; the other outcomes leave it cancelled (the citizen was served)."""
    handoff_id, agent_id = served(session, with_address)
    assert statuses(session) == ([CANCELLED] if with_address else [])
    if end == "interrupted":
        end_open_handoff(session, "c1", "interrupted", minutes(5))
    else:
        close_handoff(session, handoff_id, end, minutes(5), agent_id=agent_id)
    assert statuses(session) == expected


def test_the_pending_follow_up_keeps_the_address_and_the_consent(session):
    """Nothing is re-asked and nothing is lost: the same record, now pending."""
    handoff_id, agent_id = served(session, True)
    close_handoff(session, handoff_id, "follow_up", minutes(5), agent_id=agent_id)
    (follow_up,) = follow_ups_of(session, "c1")
    assert (follow_up.email, follow_up.consent_given, follow_up.question) == (
        "ana@example.com", True, "¿Mi puntaje?")
