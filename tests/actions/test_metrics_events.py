"""Events the reports count (A5), recorded by the actions; a broken store never breaks a chat."""

from __future__ import annotations

from datetime import datetime

import pytest
from rasa_sdk.events import SlotSet

from actions.answers import ActionEscalatePqrd
from actions.faq import ActionAnswerFaq
from actions.satisfaction import ActionHandleUnsatisfied, ActionRecordSatisfied
from actions.session import ActionSessionStart
from actions.understanding import ActionAnswerPending, ActionClarify
from store.db import session_for
from store.metrics import events_of
from tests.builders import action, faq, responses, run, settings_at, slot, start, uncertain, user

MOMENT = "2026-12-01T09:00:00-05:00"
WHEN = datetime.fromisoformat(MOMENT)
BROKEN = "sqlite://"  # in memory, without the tables


def recorded(database_url: str) -> list[tuple[str, str | None, str | None, datetime]]:
    """(kind, value, text, at) of every event of the test tracker's conversation."""
    with session_for(database_url) as session:
        return [(e.kind, e.value, e.text, e.at) for e in events_of(session, "citizen-1")]


def test_session_start_records_a_conversation(database):
    events, _ = run(ActionSessionStart(settings_at(MOMENT, database)), [])
    assert events[0] == {"event": "session_started", "timestamp": None}
    assert recorded(database) == [("conversation_started", None, None, WHEN)]


def test_faq_answer_records_its_topic(database):
    run(ActionAnswerFaq(settings_at(MOMENT, database)), [*start(), faq("sisben", "sisben")])
    assert recorded(database) == [("faq_answered", "faq/sisben", None, WHEN)]


def test_faq_without_topic_records_nothing(database):
    run(ActionAnswerFaq(settings_at(MOMENT, database)), [*start(), user("x", "faq")])
    assert recorded(database) == []


def test_pqrd_escalation_says_the_script_and_records_it(database):
    events, messages = run(ActionEscalatePqrd(settings_at(MOMENT, database)),
                           [*start(), user("quiero denunciar", "complex_request")])
    assert events == []
    assert responses(messages) == ["utter_escalate_pqrd"]
    assert recorded(database) == [("pqrd_escalation", None, None, WHEN)]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("faq/impuesto_predial", [("faq_answered", "faq/impuesto_predial", None, WHEN)]),
        ("complex_request", [("pqrd_escalation", None, None, WHEN)]),
        ("ask_hours", []),
        ("request_human", []),
    ],
)
def test_a_confirmed_pending_question_is_recorded(database, label, expected):
    events = [*start(), uncertain("lo del predio", label), action("action_confirm_understanding"),
              slot("pending_label", label), action("action_listen"), user("si", "affirm")]
    run(ActionAnswerPending(settings_at(MOMENT, database)), events)
    assert recorded(database) == expected


def test_unclear_message_is_kept_masked_for_the_editors(database):
    events = [*start(), user("mi cédula 1023456789, horario piscina", "nlu_fallback", 0.1)]
    result, messages = run(ActionClarify(settings_at(MOMENT, database)), events)
    assert result == [SlotSet("pending_label", None), SlotSet("next_step", "listen")]
    assert responses(messages) == ["utter_ask_detail"]
    assert recorded(database) == [("fallback", None, "mi cédula [número], horario piscina", WHEN)]


def test_a_no_to_the_paraphrase_is_not_an_unclear_message(database):
    events = [*start(), uncertain("eso", "faq/sisben"), action("action_confirm_understanding"),
              action("action_listen"), user("no", "deny")]
    run(ActionClarify(settings_at(MOMENT, database)), events)
    assert recorded(database) == []


def test_satisfaction_answers_are_recorded(database):
    asked = [*start(), faq("sisben", "sisben"), action("action_answer_faq"),
             action("utter_ask_satisfaction"), action("action_listen")]
    events, messages = run(ActionRecordSatisfied(settings_at(MOMENT, database)),
                           [*asked, user("sí", "affirm")])
    assert (events, messages) == ([], [])
    run(ActionHandleUnsatisfied(settings_at(MOMENT, database)), [*asked, user("no", "deny")])
    assert recorded(database) == [("satisfaction", "yes", None, WHEN),
                                  ("satisfaction", "no", None, WHEN)]


def test_a_broken_store_does_not_break_the_chat(caplog):
    settings = settings_at(MOMENT, BROKEN)
    events, _ = run(ActionSessionStart(settings), [])
    assert events[0]["event"] == "session_started"
    _, messages = run(ActionEscalatePqrd(settings), [*start(), user("x", "complex_request")])
    assert responses(messages) == ["utter_escalate_pqrd"]
    events, _ = run(ActionRecordSatisfied(settings), [*start(), user("sí", "affirm")])
    assert events == []
    assert caplog.text.count("not recorded") == 3
