"""Issue 19, item 5 from the bot's side: the inactivity rule while an agent serves the
citizen (the agent reads it), and the agent's "requiere seguimiento por correo"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet

from actions.handoff import ActionHandoffClosed
from actions.inactivity import (
    AGENT_NOTE_CLOSED,
    AGENT_NOTE_PROMPT,
    ActionInactivityClose,
    ActionInactivityPrompt,
)
from store.activity import claim_due_closings, claim_due_prompts, touch
from store.agents import create_agent
from store.db import session_for
from store.followups import follow_ups_of, record_follow_up
from store.handoffs import (
    close_handoff,
    latest_handoff,
    messages_after,
    request_handoff,
    take_handoff,
)
from tests.builders import responses, run, settings_at, start, user

STAFFED = "2026-12-01T09:00:00-05:00"
T0 = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
CITIZEN = "citizen-1"


def external(intent):
    return user(f"EXTERNAL: {intent}", intent)


def served(database, with_address=False):
    """The citizen is served by agent Marta; optionally left an address while waiting."""
    with session_for(database) as session:
        agent = create_agent(session, "marta", "Marta Gómez", "x", T0)
        handoff = request_handoff(session, CITIZEN, "Ana", "faq/sisben",
                                  [("citizen", "hola", T0)], T0)
        if with_address:
            record_follow_up(session, CITIZEN, "ana@example.com", T0, "¿Mi puntaje?", "Ana",
                             T0, handoff_id=handoff.id)
        take_handoff(session, handoff.id, agent.id, T0)
        return handoff.id, agent.id


def silent_until(database, step):
    with session_for(database) as session:
        touch(session, CITIZEN, T0)
        later = T0 + timedelta(minutes=5)
        claim_due_prompts(session, later, timedelta(seconds=60))
        if step == "closed":
            claim_due_closings(session, later, timedelta(seconds=120))


def transcript(database, handoff_id):
    with session_for(database) as session:
        return [(m.author, m.text) for m in messages_after(session, handoff_id)]


def test_the_prompt_reaches_the_citizen_and_the_agent_reads_it(database):
    handoff_id, _ = served(database)
    silent_until(database, "prompted")
    _, messages = run(ActionInactivityPrompt(settings_at(STAFFED, database)),
                      [*start(), external("EXTERNAL_inactivity_prompt")],
                      slots={"handoff": "taken"})
    assert responses(messages) == ["utter_inactivity_prompt"]
    assert transcript(database, handoff_id)[-1] == ("bot", AGENT_NOTE_PROMPT)


@pytest.mark.parametrize(("with_address", "follow_ups"), [(True, ["pending"]), (False, [])])
def test_the_close_ends_the_attended_chat_and_keeps_the_follow_up(database, with_address,
                                                                   follow_ups):
    """Closed for inactivity: the agent is told, the hand-off ends as interrupted, and an
    address left with consent becomes a pending follow-up."""
    handoff_id, _ = served(database, with_address)
    silent_until(database, "closed")
    events, messages = run(ActionInactivityClose(settings_at(STAFFED, database)),
                           [*start(), external("EXTERNAL_inactivity_close")],
                           slots={"handoff": "taken"})
    assert responses(messages)[0] == "utter_inactivity_closed"
    assert events == [SlotSet("next_step", "listen"), SlotSet("handoff", None),
                      ConversationPaused()]
    assert transcript(database, handoff_id)[-1] == ("bot", AGENT_NOTE_CLOSED)
    with session_for(database) as session:
        handoff = latest_handoff(session, CITIZEN)
        assert (handoff.status, handoff.outcome) == ("closed", "interrupted")
        assert [f.status for f in follow_ups_of(session, CITIZEN)] == follow_ups


@pytest.mark.parametrize(
    ("with_address", "expected", "step"),
    [
        (True, ["utter_handoff_ended", "utter_follow_up_promised"], "ask_satisfaction"),
        (False, ["utter_handoff_ended", "utter_offer_follow_up_later"], "offer_follow_up"),
    ],
)
def test_closed_for_a_follow_up_by_email(database, with_address, expected, step):
    """"Requiere seguimiento por correo": the address left is confirmed, or one is asked for."""
    handoff_id, agent_id = served(database, with_address)
    with session_for(database) as session:
        close_handoff(session, handoff_id, "follow_up", T0, agent_id=agent_id)
    events, messages = run(ActionHandoffClosed(settings_at(STAFFED, database)),
                           [*start(), external("EXTERNAL_handoff_closed")],
                           slots={"handoff": "taken"})
    assert responses(messages) == expected
    if with_address:
        assert messages[1]["email"] == "ana@example.com"
    assert events == [SlotSet("handoff", None), SlotSet("next_step", step)]
