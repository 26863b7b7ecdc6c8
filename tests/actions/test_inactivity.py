"""P3 actions: the prompt, resuming, the closing, the farewell that ends the timers."""

from datetime import datetime, timezone

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet

from actions.inactivity import (
    ActionInactivityClose,
    ActionInactivityPrompt,
    ActionResumeAfterPrompt,
    step_before_prompt,
)
from actions.satisfaction import ActionSayFarewell
from store.activity import activity_of, claim_due_closings, claim_due_prompts, touch
from store.db import session_for
from tests.builders import action, responses, run, settings_at, start, tracker, user

STAFFED = "2026-12-01T09:00:00-05:00"
T0 = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
CITIZEN = "citizen-1"


def external(intent):
    return user(f"EXTERNAL: {intent}", intent)


def silent(database, step):
    """The citizen silent since T0, and the sweep at `step` (prompted or closed)."""
    from datetime import timedelta

    with session_for(database) as session:
        touch(session, CITIZEN, T0)
        if step in ("prompted", "closed"):
            claim_due_prompts(session, LATER, timedelta(seconds=60))
        if step == "closed":
            claim_due_closings(session, LATER, timedelta(seconds=120))


@pytest.mark.parametrize(
    ("step", "message", "expected"),
    [
        ("prompted", external("EXTERNAL_inactivity_prompt"), ["utter_inactivity_prompt"]),
        ("touched", external("EXTERNAL_inactivity_prompt"), []),
        ("prompted", user("/EXTERNAL_inactivity_prompt", "EXTERNAL_inactivity_prompt"), []),
        ("closed", external("EXTERNAL_inactivity_prompt"), []),
    ],
    ids=["due", "citizen-wrote-meanwhile", "typed", "already-closed"],
)
def test_prompt_only_when_due_and_sent_by_the_sweep(database, step, message, expected):
    silent(database, step)
    result, messages = run(ActionInactivityPrompt(settings_at(STAFFED, database)),
                           [*start(), message])
    assert responses(messages) == expected
    assert result == [SlotSet("next_step", "listen")]


def test_close_ends_and_pauses_the_chat(database):
    silent(database, "closed")
    result, messages = run(ActionInactivityClose(settings_at(STAFFED, database)),
                           [*start(), external("EXTERNAL_inactivity_close")])
    assert responses(messages)[0] == "utter_inactivity_closed"
    assert messages[1]["custom"] == {"chat_closed": {"reason": "inactivity"}}
    assert result == [SlotSet("next_step", "listen"), ConversationPaused()]


@pytest.mark.parametrize("step", ["prompted", "touched"])
def test_a_typed_or_undue_close_ends_nothing(database, step):
    silent(database, step)
    result, messages = run(
        ActionInactivityClose(settings_at(STAFFED, database)),
        [*start(), user("/EXTERNAL_inactivity_close", "EXTERNAL_inactivity_close")])
    assert (messages, result) == ([], [SlotSet("next_step", "listen")])


@pytest.mark.parametrize(
    ("asked", "step"),
    [("utter_ask_satisfaction", "ask_satisfaction"),
     ("utter_ask_more_questions", "ask_more_questions"),
     ("utter_ask_name", "ask_name"),
     ("utter_how_can_help", "how_can_help"),
     ("action_answer_faq", "how_can_help")],
)
def test_resume_at_the_question_pending_before_the_prompt(asked, step):
    events = [*start(), user("predial", "faq"), action(asked), action("action_listen"),
              external("EXTERNAL_inactivity_prompt"), action("action_inactivity_prompt"),
              action("action_listen"), user("si", "affirm")]
    assert step_before_prompt(tracker(events)) == step
    result, messages = run(ActionResumeAfterPrompt(settings_at(STAFFED)), events)
    assert responses(messages) == ["utter_thanks_for_confirming"]
    assert result == [SlotSet("next_step", step)]


def test_farewell_ends_the_timers_of_a_live_conversation(database):
    with session_for(database) as session:
        touch(session, CITIZEN, T0)
    _, messages = run(ActionSayFarewell(settings_at(STAFFED, database)),
                      [*start(), user("no", "deny")])
    assert responses(messages) == ["utter_farewell"]
    with session_for(database) as session:
        assert activity_of(session, CITIZEN).close_reason == "farewell"
        assert activity_of(session, "someone-on-rest") is None
