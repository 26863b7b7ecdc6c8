"""P2: taking the citizen's name."""

import pytest
from rasa_sdk.events import SlotSet

from actions.name import ActionCaptureName, clean_name, extract_name
from tests.builders import action, faq, responses, run, settings_at, start, user

STAFFED = "2026-12-01T09:00:00-05:00"


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("me llamo Ana María", [], "Ana María"),
        ("soy pedro", [], "Pedro"),
        ("mi nombre es luz dary rodríguez", [], "Luz Dary Rodríguez"),
        ("Hola, buenas tardes, soy José", [], "José"),
        ("maria de los angeles", [], "Maria de los Angeles"),
        ("carlos", [], "Carlos"),
        ("con Jhon Fredy", [], "Jhon Fredy"),
        ("JUAN CAMILO", [], "Juan Camilo"),
        ("soy de tenjo", [], None),
        ("12345", [], None),
        ("como pago el predial", [], None),
        ("¿ana?", [], None),
        ("hola", [], None),
        ("si", [], None),
        ("prefiero no decirlo", [], None),
        ("me llamo ana y necesito un certificado", [], None),
        ("bla", [{"entity": "nombre", "value": "sandra"}], "Sandra"),
        ("x", [], None),
        ("asdkjh", [], None),
        ("ñlkj qwpo", [], None),
        ("xzcvb", [], None),
        ("asdf qwer", [], None),
        ("restart", [], None),
        ("Yeison", [], "Yeison"),
        ("Xiomara Ñañez", [], "Xiomara Ñañez"),
    ],
)
def test_extract_name(text, entities, expected):
    assert extract_name(text, entities) == expected


def test_a_question_gives_a_name_only_as_an_entity():
    assert extract_name("certificado", [], from_wording=False) is None
    assert extract_name("certificado", [{"entity": "nombre", "value": "ana"}],
                        from_wording=False) == "Ana"


def test_clean_name_rejects_particles_at_the_edges():
    assert clean_name("de la cruz") is None
    assert clean_name("Ana de") is None


def name_prompt():
    return [*start(), user("hola", "greet"), action("utter_greet"), action("utter_ask_name"),
            action("action_listen")]


@pytest.mark.parametrize(
    ("message", "expected_events", "expected_messages"),
    [
        (
            user("me llamo ana maria", "inform_name"),
            [SlotSet("nombre", "Ana Maria"), SlotSet("next_step", "how_can_help")],
            ["utter_nice_to_meet_you"],
        ),
        (
            user("prefiero no decirlo", "refuse_name"),
            [SlotSet("next_step", "how_can_help")],
            ["utter_name_refused"],
        ),
        (
            user("12345", "nlu_fallback", 0.3),
            [SlotSet("next_step", "ask_name")],
            ["utter_name_not_understood"],
        ),
        (  # a greeting, thanks or "sí" is not a failed name: asked again, no apology
            user("buenas tardes", "greet"),
            [SlotSet("next_step", "ask_name")],
            [],
        ),
        (
            user("gracias", "thank"),
            [SlotSet("next_step", "ask_name")],
            [],
        ),
        (
            user("si claro", "affirm"),
            [SlotSet("next_step", "ask_name")],
            [],
        ),
        (  # keyboard mash is not a name
            user("asdkjh qwe zxcvv", "nlu_fallback", 1.0),
            [SlotSet("next_step", "ask_name")],
            ["utter_name_not_understood"],
        ),
        (  # a person asked for: the wording ("asesor") is not a name, the request is served
            user("asesor", "request_human"),
            [SlotSet("next_step", "answer_pending")],
            [],
        ),
        (
            faq("como saco el certificado de residencia", "certificado_residencia"),
            [SlotSet("next_step", "answer_pending")],
            [],
        ),
    ],
)
def test_capture_name(message, expected_events, expected_messages):
    events, messages = run(ActionCaptureName(settings_at(STAFFED)), [*name_prompt(), message])
    assert events == expected_events
    assert responses(messages) == expected_messages


def test_name_sent_with_the_greeting_reaches_the_response():
    _, messages = run(ActionCaptureName(settings_at(STAFFED)),
                      [*name_prompt(), user("soy Ana", "inform_name")])
    assert messages[0]["nombre"] == "Ana"


def test_question_before_the_name_is_answered_after_it():
    events = [*start(), faq("cuanto cuesta el predial", "impuesto_predial"),
              action("utter_greet"), action("utter_ask_name"), action("action_listen"),
              user("Ana", "inform_name")]
    result, _ = run(ActionCaptureName(settings_at(STAFFED)), events)
    assert result == [SlotSet("nombre", "Ana"), SlotSet("next_step", "answer_pending")]


def test_after_two_prompts_the_chat_goes_on_without_a_name():
    events = [*name_prompt(), user("1234", "nlu_fallback", 0.2),
              action("action_capture_name"), action("utter_ask_name"), action("action_listen"),
              user("5678", "nlu_fallback", 0.2)]
    result, messages = run(ActionCaptureName(settings_at(STAFFED)), events)
    assert result == [SlotSet("next_step", "how_can_help")]
    assert messages == []
