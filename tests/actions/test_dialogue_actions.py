"""P4 clarification, P9/P10 conduct, P11/P12 closing, request for a person."""

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet

from actions.conduct import ActionModerateConduct
from actions.satisfaction import ActionHandleClosing, ActionHandleUnsatisfied
from actions.session import ActionSessionStart
from actions.settings import DEFAULT_PQRD_URL
from actions.understanding import ActionClarify
from store.db import session_for
from store.moderation import moderation_records
from tests.builders import action, faq, responses, run, settings_at, start, uncertain, user

STAFFED = "2026-12-01T09:00:00-05:00"
EVENING = "2026-12-01T19:30:00-05:00"


def unclear(n):
    events = [*start()]
    for i in range(n):
        events += [user(f"asdf {i}", "nlu_fallback", 0.2), action("action_clarify"),
                   action("action_listen")]
    return events[:-2]


@pytest.mark.parametrize(
    ("events", "moment", "expected"),
    [
        (unclear(1), STAFFED, ["utter_ask_detail"]),
        (unclear(2), STAFFED, ["utter_ask_detail"]),
        (unclear(3), STAFFED, ["utter_offer_pqrd", "utter_offer_agent"]),
        (unclear(3), EVENING, ["utter_offer_pqrd"]),
        (
            [*start(), uncertain("eso", "faq/sisben"), action("action_confirm_understanding"),
             action("action_listen"), user("no", "deny")],
            STAFFED,
            ["utter_ask_detail"],
        ),
        (
            [*start(), user("zzz", "nlu_fallback", 0.1), action("action_clarify"),
             action("action_listen"), user("qqq", "nlu_fallback", 0.1), action("action_clarify"),
             action("action_listen"), faq("sisben", "sisben"), action("action_answer_faq"),
             action("action_listen"), user("www", "nlu_fallback", 0.1)],
            STAFFED,
            ["utter_ask_detail"],
        ),
    ],
)
def test_clarify(events, moment, expected):
    result, messages = run(ActionClarify(settings_at(moment)), events)
    assert result == [SlotSet("pending_label", None)]
    assert responses(messages) == expected


def test_unsatisfied_offers_detail_pqrd_and_agent_when_staffed():
    events = [*start(), faq("sisben", "sisben"), action("action_answer_faq"),
              action("utter_ask_satisfaction"), action("action_listen"), user("no", "deny")]
    _, staffed = run(ActionHandleUnsatisfied(settings_at(STAFFED)), events)
    _, evening = run(ActionHandleUnsatisfied(settings_at(EVENING)), events)
    assert responses(staffed) == ["utter_unsatisfied", "utter_ask_detail", "utter_offer_pqrd",
                                  "utter_offer_agent"]
    assert responses(evening) == ["utter_unsatisfied", "utter_ask_detail", "utter_offer_pqrd"]


@pytest.mark.parametrize(
    ("previous", "message", "step", "expected"),
    [
        ("utter_ask_satisfaction", user("chao", "goodbye"), "ask_satisfaction",
         ["utter_before_goodbye"]),
        ("utter_how_can_help", user("muchas gracias", "thank"), "ask_more_questions",
         ["utter_you_are_welcome"]),
        ("utter_how_can_help", user("chao", "goodbye"), "farewell", []),
    ],
)
def test_closing(previous, message, step, expected):
    events = [*start(), user("hola", "greet"), action(previous), action("action_listen"), message]
    result, messages = run(ActionHandleClosing(settings_at(STAFFED)), events)
    assert result == [SlotSet("next_step", step)]
    assert responses(messages) == expected


def test_first_insult_warns_and_asks_the_name_again(database):
    events = [*start(), user("hola", "greet"), action("utter_greet"), action("utter_ask_name"),
              action("action_listen"),
              user("idiotas", "offensive", conduct={"rule": "offensive", "reason": "word:idiotas"})]
    result, messages = run(ActionModerateConduct(settings_at(STAFFED, database)), events)
    assert result == [SlotSet("next_step", "ask_name")]
    assert responses(messages) == ["utter_conduct_warning"]
    with session_for(database) as session:
        [record] = moderation_records(session, "citizen-1")
    assert (record.rule, record.reason, record.outcome) == ("offensive", "word:idiotas", "warned")


def test_second_violation_ends_the_chat(database):
    events = [*start(), user("vendo lote", "commercial"), action("utter_greet"),
              action("action_moderate_conduct"), action("action_listen"),
              user("hp", "offensive")]
    result, messages = run(ActionModerateConduct(settings_at(STAFFED, database)), events,
                           slots={"nombre": "Ana"})
    assert result == [SlotSet("next_step", "listen"), SlotSet("handoff", None),
                      ConversationPaused()]
    assert responses(messages)[0] == "utter_conversation_ended"
    assert messages[1]["custom"] == {"chat_closed": {"reason": "conduct"}}
    with session_for(database) as session:
        assert [r.outcome for r in moderation_records(session, "citizen-1")] == ["ended"]


def test_commercial_message_gets_the_rules_reminder(database):
    events = [*start(), user("hola", "greet"), action("utter_how_can_help"),
              action("action_listen"), user("compro oro", "commercial")]
    result, messages = run(ActionModerateConduct(settings_at(STAFFED, database)), events,
                           slots={"nombre": "Ana"})
    assert result == [SlotSet("next_step", "listen")]
    assert responses(messages) == ["utter_commercial_warning"]


@pytest.mark.parametrize(
    ("moment", "part"),
    [("2026-12-01T11:59:00-05:00", "morning"), ("2026-12-01T12:00:00-05:00", "afternoon"),
     ("2026-12-01T18:00:00-05:00", "evening"), ("2026-12-01T05:00:00+00:00", "morning")],
)
def test_session_start_sets_the_greeting_time_and_links(moment, part):
    events, messages = run(ActionSessionStart(settings_at(moment)), [])
    assert messages == []
    names = [(e.get("event"), e.get("name"), e.get("value")) for e in events]
    assert names[0][0] == "session_started"
    assert ("slot", "part_of_day", part) in names
    assert ("slot", "pqrd_url", DEFAULT_PQRD_URL) in names
    assert names[-1] == ("action", "action_listen", None)
