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
from tests.builders import (
    action,
    faq,
    responses,
    run,
    settings_at,
    slot,
    start,
    uncertain,
    user,
)

STAFFED = "2026-12-01T09:00:00-05:00"
EVENING = "2026-12-01T19:30:00-05:00"


def unclear(n, prompt="utter_how_can_help"):
    """A conversation whose last `n` messages were unclear, after the bot's `prompt`."""
    events = [*start(), user("hola", "greet"), action(prompt), action("action_listen")]
    for i in range(n):
        events += [user(f"asdf {i}", "nlu_fallback", 0.2), action("action_clarify"),
                   action("action_listen")]
    return events[:-2]


PARAPHRASED = [*start(), uncertain("eso", "faq/sisben"), action("action_confirm_understanding"),
               slot("pending_label", "faq/sisben"), action("action_listen")]
DETAIL = ["utter_ask_detail"]
OTHER_WAYS = ["utter_offer_pqrd", "utter_offer_agent"]


# P4, protocol 3.4: the clarification once, the other ways at the second unclear message in
# a row, and the question the citizen was answering asked again (`next_step`, by a rule).
@pytest.mark.parametrize(
    ("events", "moment", "slots", "expected", "step", "label"),
    [
        (unclear(1), STAFFED, {}, DETAIL, "listen", None),
        (unclear(2), STAFFED, {}, OTHER_WAYS, "listen", None),
        (unclear(2), EVENING, {}, ["utter_offer_pqrd"], "listen", None),
        (unclear(3), STAFFED, {}, DETAIL, "listen", None),
        (unclear(1, "utter_ask_satisfaction"), STAFFED, {}, DETAIL, "ask_satisfaction", None),
        ([*unclear(1, "utter_ask_satisfaction"), action("action_clarify"),
          action("utter_ask_satisfaction"), action("action_listen"),
          user("qqq", "nlu_fallback", 0.1)], STAFFED, {}, OTHER_WAYS, "ask_satisfaction", None),
        (unclear(1, "utter_ask_more_questions"), EVENING, {}, DETAIL, "ask_more_questions",
         None),
        (unclear(1, "utter_ask_name"), STAFFED, {}, DETAIL, "ask_name", None),
        (unclear(1, "utter_ask_name"), STAFFED, {"nombre": "Ana"}, DETAIL, "listen", None),
        ([*PARAPHRASED, user("ñlkj qwpo", "nlu_fallback", 0.1)], STAFFED, {}, DETAIL, "confirm",
         "faq/sisben"),
        ([*PARAPHRASED, user("no", "deny")], STAFFED, {}, DETAIL, "listen", None),
        (unclear(1, "action_follow_up_contact"), STAFFED,
         {"next_step": "ask_consent", "handoff": "waiting"}, [*DETAIL, "utter_ask_consent"],
         "ask_consent", None),
        (unclear(1, "action_request_human"), STAFFED,
         {"next_step": "offer_follow_up", "handoff": "waiting"},
         [*DETAIL, "utter_offer_follow_up_waiting"], "offer_follow_up", None),
        (unclear(1, "action_handoff_expired"), EVENING, {"next_step": "offer_follow_up"},
         [*DETAIL, "utter_offer_follow_up_later"], "offer_follow_up", None),
        (unclear(1, "action_follow_up_contact"), STAFFED, {"next_step": "ask_email"},
         [*DETAIL, "utter_ask_email"], "ask_email", None),
        (
            [*start(), user("zzz", "nlu_fallback", 0.1), action("action_clarify"),
             action("action_listen"), user("qqq", "nlu_fallback", 0.1), action("action_clarify"),
             action("action_listen"), faq("sisben", "sisben"), action("action_answer_faq"),
             action("action_listen"), user("www", "nlu_fallback", 0.1)],
            STAFFED, {}, DETAIL, "listen", None,
        ),
        (
            # A message no rule fits in its state (RulePolicy's fallback) counts as unclear.
            [*start(), user("hola", "greet"), action("utter_how_can_help"),
             action("action_listen"), user("mi correo es a@b.co", "inform_contact"),
             action("action_clarify"), action("action_listen"), user("zzz", "nlu_fallback")],
            STAFFED, {}, OTHER_WAYS, "listen", None,
        ),
    ],
)
def test_clarify(events, moment, slots, expected, step, label):
    result, messages = run(ActionClarify(settings_at(moment)), events, slots)
    assert responses(messages) == expected
    assert result == [SlotSet("pending_label", label), SlotSet("next_step", step)]


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


def insulted(prompt):
    """A conversation whose last message, after the bot's `prompt`, was an insult."""
    return [*start(), user("hola", "greet"), action(prompt), action("action_listen"),
            user("malparidos", "offensive")]


# P9: the warning, then the question the insult left unanswered (`next_step`, by a rule of
# data/rules/conduct.yml, or asked by the action for the e-mail questions, P15).
@pytest.mark.parametrize(
    ("events", "slots", "expected", "step"),
    [
        (insulted("utter_how_can_help"), {"nombre": "Ana"}, [], "listen"),
        (insulted("utter_ask_satisfaction"), {"nombre": "Ana"}, [], "ask_satisfaction"),
        (insulted("utter_ask_more_questions"), {"nombre": "Ana"}, [], "ask_more_questions"),
        ([*PARAPHRASED, user("malparidos", "offensive")], {"nombre": "Ana"}, [], "confirm"),
        (insulted("action_follow_up_contact"), {"next_step": "ask_consent", "handoff": "waiting"},
         ["utter_ask_consent"], "ask_consent"),
        (insulted("action_request_human"), {"next_step": "offer_follow_up", "handoff": "waiting"},
         ["utter_offer_follow_up_waiting"], "offer_follow_up"),
        (insulted("action_follow_up_contact"), {"next_step": "ask_email"}, ["utter_ask_email"],
         "ask_email"),
    ],
)
def test_the_warning_asks_again_the_pending_question(database, events, slots, expected, step):
    result, messages = run(ActionModerateConduct(settings_at(STAFFED, database)), events,
                           slots=slots)
    assert result == [SlotSet("next_step", step)]
    assert responses(messages) == ["utter_conduct_warning", *expected]


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
