"""The cached validator of action answers (rasa_runtime/action_validation.py) says exactly
what Rasa's own check says, on valid and invalid answers."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import rasa_runtime
from rasa_runtime import action_validation
from rasa_runtime.replacing import rasas

ANSWERS = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "nombre", "value": "Rosa"}],
     "responses": [{"text": "Mucho gusto, Rosa."}]},
    {"events": [{"event": "followup", "name": "action_listen"}], "responses": [{}]},
    {"events": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"events": [{"event": "slot"}]},
    {"responses": ["a string"]},
    {"responses": "x"},
    [],
    "text",
]


def outcome(validate, answer):
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    try:
        return validate(action, answer)
    except ValidationError as error:
        return ("invalid", error.message, list(error.path))


@pytest.mark.parametrize("answer", ANSWERS, ids=range(len(ANSWERS)))
def test_same_verdict_and_message_as_rasa(answer):
    ours = outcome(action_validation.validate_action_result, answer)
    assert ours == outcome(rasas(RemoteAction, "_validate_action_result"), answer)


def test_some_answers_are_refused_so_the_comparison_means_something():
    verdicts = [outcome(action_validation.validate_action_result, a) for a in ANSWERS]
    assert verdicts.count(True) == 4 and len(verdicts) - 4 == 7


def test_install_replaces_rasas_method_once():
    rasa_runtime.install()
    rasa_runtime.install()
    assert RemoteAction._validate_action_result is action_validation.validate_action_result
    assert rasas(RemoteAction, "_validate_action_result").__module__ == (
        "rasa.core.actions.action")
    assert action_validation.response_validator() is action_validation.response_validator()
