"""R1 and R2 from the bot's side: a person is offered only while an agent is available;
a waiting citizen hears the place in line when it changes; a returned chat is told."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.events import SlotSet

from actions.handoff import ActionHandoffReturned, ActionHandoffWaiting, ActionRequestHuman
from actions.hours import ActionTellOfficeHours
from actions.satisfaction import ActionHandleUnsatisfied
from store.agents import create_agent
from store.clock import system_clock
from store.db import session_for
from store.handoffs import (
    end_open_handoff,
    get_handoff,
    open_handoff,
    request_handoff,
    take_handoff,
)
from store.presence import report_presence, set_away
from tests.builders import responses, run, settings_at, start, user

STAFFED = "2026-12-01T09:00:00-05:00"
CLOSED = "2026-12-01T19:30:00-05:00"
CITIZEN = "citizen-1"
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)


def agent_online(database, seen_seconds_ago=0, away=False, username="marta"):
    """An agent whose console page reported `seen_seconds_ago` (presence is wall time)."""
    with session_for(database) as session:
        agent = create_agent(session, username, "Marta Gómez", "x", NOW)
        report_presence(session, agent.id, system_clock() - timedelta(seconds=seen_seconds_ago))
        if away:
            set_away(session, agent.id, True)
        return agent.id


def external(intent):
    return user(f"EXTERNAL: {intent}", intent)


@pytest.mark.parametrize(
    ("agents", "expected", "queued"),
    [
        ("none", ["utter_no_agent_available", "utter_pqrd_alternative",
                  "utter_offer_follow_up_later"], False),
        ("away", ["utter_no_agent_available", "utter_pqrd_alternative",
                  "utter_offer_follow_up_later"], False),
        ("stale", ["utter_no_agent_available", "utter_pqrd_alternative",
                   "utter_offer_follow_up_later"], False),
        ("online", ["utter_please_wait", "utter_queued", "utter_offer_follow_up_waiting"], True),
    ],
)
def test_staffed_hours_queue_only_with_an_agent_available(database, agents, expected, queued):
    """In staffed hours, nobody available: said plainly, PQRD and e-mail offered (P15)."""
    if agents != "none":
        agent_online(database, seen_seconds_ago=120 if agents == "stale" else 5,
                     away=agents == "away")
    settings = settings_at(STAFFED, database, needs_agent_online=True)
    result, messages = run(ActionRequestHuman(settings),
                           [*start(), user("un funcionario", "request_human")])
    assert responses(messages) == expected
    with session_for(database) as session:
        assert (open_handoff(session, CITIZEN) is not None) is queued
    assert SlotSet("next_step", "offer_follow_up") in result


def test_the_setting_off_lets_the_schedule_alone_decide(database):
    """HANDOFF_NEEDS_AGENT_ONLINE=false: queued in staffed hours with nobody online."""
    settings = settings_at(STAFFED, database, needs_agent_online=False)
    _, messages = run(ActionRequestHuman(settings),
                      [*start(), user("un funcionario", "request_human")])
    assert responses(messages)[0] == "utter_please_wait"


def test_outside_hours_the_schedule_is_told_even_with_an_agent_online(database):
    """Presence never opens the chat outside the schedule."""
    agent_online(database)
    settings = settings_at(CLOSED, database, needs_agent_online=True)
    _, messages = run(ActionRequestHuman(settings),
                      [*start(), user("un funcionario", "request_human")])
    assert responses(messages)[0] == "utter_agents_offline"


@pytest.mark.parametrize(
    ("online", "second"), [(True, "utter_office_open_now"),
                           (False, "utter_office_open_nobody_available")])
def test_office_hours_say_whether_somebody_is_available(database, online, second):
    """P13 in staffed hours: open now, or open but nobody available."""
    if online:
        agent_online(database)
    settings = settings_at(STAFFED, database, needs_agent_online=True)
    _, messages = run(ActionTellOfficeHours(settings),
                      [*start(), user("a que hora atienden", "ask_hours")])
    assert responses(messages)[1] == second


@pytest.mark.parametrize(("online", "offers_agent"), [(True, True), (False, False)])
def test_not_satisfied_offers_a_person_only_when_available(database, online, offers_agent):
    """P11 not satisfied: the PQRD form, and a person only when one is available."""
    if online:
        agent_online(database)
    settings = settings_at(STAFFED, database, needs_agent_online=True)
    _, messages = run(ActionHandleUnsatisfied(settings),
                      [*start(), user("no", "deny")], slots={"next_step": "ask_satisfaction"})
    assert ("utter_offer_agent" in responses(messages)) is offers_agent


def queue(database, *citizens):
    with session_for(database) as session:
        return [request_handoff(session, c, "Ana", None, [], NOW + timedelta(seconds=i)).id
                for i, c in enumerate(citizens)]


def test_waiting_update_tells_the_place_only_when_it_changed(database):
    """First update after the request: no change, the wait wording only; after the one
    ahead left: the new place, then the wording."""
    settings = settings_at(STAFFED, database)
    queue(database, "ahead", CITIZEN)
    _, first = run(ActionRequestHuman(settings), [*start(), user("funcionario", "request_human")])
    assert first[1]["position"] == 2
    action = ActionHandoffWaiting(settings)
    events, messages = run(action, [*start(), external("EXTERNAL_handoff_waiting")])
    assert responses(messages) == ["utter_still_waiting"]
    assert events == [SlotSet("next_step", "listen")]
    with session_for(database) as session:
        end_open_handoff(session, "ahead", "abandoned", NOW)
    _, messages = run(action, [*start(), external("EXTERNAL_handoff_waiting")])
    assert responses(messages) == ["utter_queue_position", "utter_still_waiting"]
    assert messages[0]["position"] == 1
    _, messages = run(action, [*start(), external("EXTERNAL_handoff_waiting")])
    assert responses(messages) == ["utter_still_waiting"]


@pytest.mark.parametrize("state", ["none", "taken"])
def test_waiting_update_says_nothing_unless_waiting(database, state):
    """No hand-off, or already taken: the update changes nothing and says nothing."""
    if state == "taken":
        (handoff_id,) = queue(database, CITIZEN)
        with session_for(database) as session:
            agent = create_agent(session, "marta", "Marta", "x", NOW)
            take_handoff(session, handoff_id, agent.id, NOW)
    events, messages = run(ActionHandoffWaiting(settings_at(STAFFED, database)),
                           [*start(), external("EXTERNAL_handoff_waiting")])
    assert messages == [] and events == [SlotSet("next_step", "listen")]


@pytest.mark.parametrize("action_class", [ActionHandoffWaiting, ActionHandoffReturned])
def test_typed_by_the_citizen_the_events_change_nothing(database, action_class):
    """`/EXTERNAL_handoff_waiting` typed by hand is an unclear message, not an event."""
    typed = user("/EXTERNAL_handoff_waiting", "EXTERNAL_handoff_waiting")
    typed["parse_data"]["text"] = "/EXTERNAL_handoff_waiting"
    typed["input_channel"] = "socketio"
    events, messages = run(action_class(settings_at(STAFFED, database)), [*start(), typed])
    assert responses(messages) == ["utter_ask_detail"]


def test_returned_chat_is_told_with_its_place(database):
    """After the supervisor returned the chat to the queue: told, with the place in line."""
    (handoff_id,) = queue(database, CITIZEN)
    events, messages = run(ActionHandoffReturned(settings_at(STAFFED, database)),
                           [*start(), external("EXTERNAL_handoff_returned")])
    assert responses(messages) == ["utter_handoff_returned", "utter_queue_position"]
    assert messages[1]["position"] == 1
    assert SlotSet("handoff", "waiting") in events
    with session_for(database) as session:
        assert get_handoff(session, handoff_id).position_told == 1
