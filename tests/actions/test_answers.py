"""FAQ answers in blocks, office hours (P13), P5 paraphrase and pending questions."""

import dataclasses

import pytest
from rasa_sdk.events import SlotSet

from actions.answers import MAX_TURN_MESSAGES, fill_slots, fit, topic_words
from actions.faq import ActionAnswerFaq
from actions.hours import ActionTellOfficeHours
from actions.understanding import ActionAnswerPending, ActionConfirmUnderstanding
from content.answers import split_blocks
from tests.builders import (
    action,
    fact,
    fact_sheet,
    faq,
    load_domain,
    responses,
    run,
    settings_at,
    slot,
    start,
    uncertain,
    user,
)

STAFFED = "2026-12-01T09:00:00-05:00"  # Tuesday morning
# Every FAQ topic the domain answers (a new topic is covered without editing this file).
TOPICS = sorted(name.removeprefix("utter_faq/") for name in load_domain()["responses"]
                if name.startswith("utter_faq/"))


def test_blocks_split_on_blank_lines():
    assert split_blocks("Uno.\n\nDos.\n  \nTres.") == ["Uno.", "Dos.", "Tres."]


def test_fill_slots_leaves_unknown_placeholders():
    assert fill_slots("{pqrd_url} {x}", {"pqrd_url": "http://a"}) == "http://a {x}"


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_answers_in_blocks_with_links_and_facts_filled(topic):
    _, messages = run(ActionAnswerFaq(settings_at(STAFFED)),
                      [*start(), faq("pregunta", topic)])
    texts = [m["text"] for m in messages]
    assert 2 <= len(texts) <= MAX_TURN_MESSAGES - 1  # the satisfaction question follows
    assert all("{" not in t and "||" not in t for t in texts)
    assert topic_words(load_domain(), f"faq/{topic}")


def test_thirty_topics_at_least():
    assert len(TOPICS) >= 30


def comisaria_answer(tmp_path, contact: str, status: str) -> str:
    sheet = tmp_path / "facts.yml"
    sheet.write_text(fact_sheet(tenjo_website=fact("www.tenjo.example"),
                                comisaria_contact=fact(contact, status)), encoding="utf-8")
    settings = dataclasses.replace(settings_at(STAFFED), facts_path=sheet)
    _, messages = run(ActionAnswerFaq(settings), [*start(), faq("comisaria", "comisaria_familia")])
    return "\n".join(m["text"] for m in messages)


def test_a_pending_fact_is_left_out_and_its_alternative_said(tmp_path):
    text = comisaria_answer(tmp_path, "Calle 1", "pending")
    assert "Calle 1" not in text and "www.tenjo.example" in text
    assert "confirm" not in text  # never a hedge about our data


def test_a_confirmed_fact_is_said_from_the_sheet_as_it_is_now(tmp_path):
    assert "Calle 1" not in comisaria_answer(tmp_path, "Calle 1", "pending")
    text = comisaria_answer(tmp_path, "Calle 1 # 2-3, teléfono 601 000 0000", "confirmed")
    assert "La Comisaría de Familia de Tenjo atiende en Calle 1 # 2-3, teléfono 601 000 0000." \
        in text
    # the pending sheet's fallback (website) is gone: the first alternative was said
    assert "consulte el sitio web" not in text


def test_faq_without_a_topic_asks_for_detail():
    _, messages = run(ActionAnswerFaq(settings_at(STAFFED)), [*start(), user("x", "faq")])
    assert responses(messages) == ["utter_ask_detail"]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-01T09:00:00-05:00", ["utter_office_hours", "utter_office_open_now",
                                       "utter_assistant_always_on"]),
        ("2026-12-01T19:00:00-05:00", ["utter_office_hours", "utter_office_closed_now",
                                       "utter_assistant_always_on"]),
        ("2026-12-08T09:00:00-05:00", ["utter_office_hours", "utter_office_closed_holiday",
                                       "utter_assistant_always_on"]),
        ("2026-12-06T10:00:00-05:00", ["utter_office_hours", "utter_office_closed_now",
                                       "utter_assistant_always_on"]),
    ],
)
def test_office_hours(moment, expected):
    events, messages = run(ActionTellOfficeHours(settings_at(moment)),
                           [*start(), user("a que hora atienden", "ask_hours")])
    assert events == []
    assert responses(messages) == expected


def test_office_hours_next_opening_after_a_holiday():
    _, messages = run(ActionTellOfficeHours(settings_at("2026-12-07T17:00:00-05:00")),
                      [*start(), user("horario", "ask_hours")])
    closed = messages[1]
    assert closed["response"] == "utter_office_closed_now"
    assert closed["next_opening"] == "el miércoles 9 de diciembre a las 8:00 a. m."


def test_paraphrase_names_the_topic_in_plain_words():
    events, messages = run(ActionConfirmUnderstanding(settings_at(STAFFED)),
                           [*start(), uncertain("lo del predio", "faq/impuesto_predial")])
    assert events == [SlotSet("pending_label", "faq/impuesto_predial")]
    assert messages[0]["response"] == "utter_confirm_topic"
    assert messages[0]["topic"] == topic_words(load_domain(), "faq/impuesto_predial")


def confirmed(label):
    return [*start(), uncertain("lo del predio", label), action("action_confirm_understanding"),
            slot("pending_label", label), action("action_listen"), user("si", "affirm")]


@pytest.mark.parametrize(
    ("label", "step", "first_message"),
    [
        ("faq/impuesto_predial", "ask_satisfaction", None),
        ("ask_hours", "ask_satisfaction", "utter_office_hours"),
        ("complex_request", "ask_satisfaction", "utter_escalate_pqrd"),
        ("request_human", "request_human", None),
    ],
)
def test_confirmed_question_is_answered(label, step, first_message):
    events, messages = run(ActionAnswerPending(settings_at(STAFFED)), confirmed(label))
    assert events == [SlotSet("pending_label", None), SlotSet("next_step", step)]
    if first_message:
        assert messages[0]["response"] == first_message
    if label.startswith("faq/"):
        assert messages[0]["text"].startswith("Sobre el impuesto predial")


def test_uncertain_pending_question_goes_to_the_paraphrase():
    events = [*start(), uncertain("lo del predio", "faq/impuesto_predial"),
              action("utter_greet"), action("utter_ask_name"), action("action_listen"),
              user("Ana", "inform_name"), action("action_capture_name")]
    result, messages = run(ActionAnswerPending(settings_at(STAFFED)), events)
    assert result == [SlotSet("pending_label", "faq/impuesto_predial"),
                      SlotSet("next_step", "confirm")]
    assert messages == []


def test_already_answered_question_is_not_answered_again():
    events = [*start(), faq("predial", "impuesto_predial"), action("action_answer_faq"),
              action("utter_ask_satisfaction"), action("action_listen"),
              user("me llamo Ana", "inform_name"), action("action_capture_name")]
    result, messages = run(ActionAnswerPending(settings_at(STAFFED)), events)
    assert result == [SlotSet("pending_label", None), SlotSet("next_step", "how_can_help")]
    assert messages == []


@pytest.mark.parametrize(
    ("parts", "room", "expected"),
    [(["a", "b", "c"], 3, ["a", "b", "c"]),
     (["a", "b", "c"], 2, ["a", "b\nc"]),
     (["a", "b", "c"], 1, ["a\nb\nc"]),
     (["a", "b", "c"], 0, ["a\nb\nc"]),
     (["a"], 2, ["a"])],
)
def test_blocks_fit_the_room_left_in_the_turn(parts, room, expected):
    assert fit(parts, room) == expected


def test_a_name_then_the_pending_answer_stays_within_the_turn_limit():
    """Issue 17: "Mucho gusto, Ana." and a three-block answer and the satisfaction
    question made five messages in one turn."""
    events = [*start(), faq("como pago el predial", "impuesto_predial"),
              action("utter_greet"), action("utter_ask_name"), action("action_listen"),
              user("me llamo Ana", "inform_name"), action("action_capture_name"),
              {"event": "bot", "text": "Mucho gusto, Ana."}]
    result, messages = run(ActionAnswerPending(settings_at(STAFFED)), events)
    assert result == [SlotSet("pending_label", None), SlotSet("next_step", "ask_satisfaction")]
    assert len(messages) == MAX_TURN_MESSAGES - 2  # + the name's and the satisfaction's
    # no blank line inside a message: Rasa's channels would send each part on its own
    assert not any("\n\n" in m["text"] for m in messages)
    assert messages[0]["text"].startswith("Sobre el impuesto predial")
    whole = load_domain()["responses"]["utter_faq/impuesto_predial"][0]["text"]
    said = [line for m in messages for line in m["text"].split("\n")]
    assert len(said) == len(split_blocks(whole))  # every block said, one per line

