"""A turn stopped at Rasa's limit of predictions ends by listening
(rasa_runtime/circuit_breaker.py); Rasa's own loop, on the same policy, leaves it open."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationPaused, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_runtime import circuit_breaker
from rasa_runtime.replacing import rasas

LIMIT = 10


def processor_predicting(domain, actions: list[str]) -> MessageProcessor:
    """Rasa's processor (its own prediction loop and limit) with a policy that predicts
    `actions` in turn, the last one for ever; running an action only records it."""
    processor = MessageProcessor.__new__(MessageProcessor)
    processor.domain = domain
    processor.action_endpoint = None
    processor.max_number_of_predictions = LIMIT
    processor.on_circuit_break = None
    processor.nlg = None
    queue = list(actions)

    def predict(tracker):
        name = queue.pop(0) if len(queue) > 1 else queue[0]
        probabilities = [0.0] * domain.num_actions
        probabilities[domain.index_for_action(name)] = 1.0
        return PolicyPrediction(probabilities, "test")

    async def run_action(action, tracker, output_channel, nlg, prediction):
        tracker.update(ActionExecuted(action.name()))
        return processor.should_predict_another_action(action.name())

    processor._predict_next_with_tracker = predict
    processor._run_action = run_action
    return processor


def turn(loop, processor: MessageProcessor, paused: bool = False) -> list[str]:
    """The actions of one turn after a citizen's message, as `loop` runs them."""
    tracker = DialogueStateTracker("circuit", slots=[])
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    if paused:
        tracker.update(ConversationPaused())
    tracker.update(UserUttered("ñlkj qwpo", {"name": "nlu_fallback", "confidence": 1.0}))
    asyncio.run(loop(processor, CollectingOutputChannel(), tracker))
    return [event.action_name for event in tracker.events if isinstance(event, ActionExecuted)][1:]


def ours():
    return circuit_breaker.run_prediction_loop(rasas(MessageProcessor, "_run_prediction_loop"))


RUNAWAY = ["utter_ask_detail"]


def test_rasas_loop_leaves_a_runaway_turn_without_listening(domain):
    actions = turn(rasas(MessageProcessor, "_run_prediction_loop"),
                   processor_predicting(domain, RUNAWAY))
    assert actions == ["utter_ask_detail"] * LIMIT


def test_ours_ends_the_runaway_turn_by_listening(domain):
    actions = turn(ours(), processor_predicting(domain, RUNAWAY))
    assert actions == ["utter_ask_detail"] * LIMIT + [ACTION_LISTEN_NAME]


@pytest.mark.parametrize("actions", [
    ["utter_ask_detail", ACTION_LISTEN_NAME],
    [ACTION_LISTEN_NAME],
    ["utter_ask_detail"] * (LIMIT - 1) + [ACTION_LISTEN_NAME],
])
def test_a_turn_that_ends_by_listening_is_left_as_rasa_leaves_it(domain, actions):
    assert turn(ours(), processor_predicting(domain, actions)) == turn(
        rasas(MessageProcessor, "_run_prediction_loop"), processor_predicting(domain, actions))
    assert turn(ours(), processor_predicting(domain, actions)) == actions


def test_a_paused_conversation_is_left_alone(domain):
    assert turn(ours(), processor_predicting(domain, RUNAWAY), paused=True) == []
