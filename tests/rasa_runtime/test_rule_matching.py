"""Rules matched against the recent states (rasa_runtime/rule_matching.py) predict what
Rasa's RulePolicy predicts, with the same rule, on conversations of every length."""

from __future__ import annotations

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import rasa_runtime
from rasa_runtime import rule_matching
from rasa_runtime.replacing import rasas

# Two rules (one of three states, one that only starts a conversation) and an
# unhappy-path key of two states.
RULE_GREET = '[{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]'
RULE_START = ('[{}, {"prev_action": {"action_name": "action_listen"}, '
              '"user": {"intent": "greet"}}, {"prev_action": {"action_name": "utter_greet"}, '
              '"user": {"intent": "greet"}}]')
UNHAPPY = '[{"prev_action": {"action_name": "a"}}, {"prev_action": {"action_name": "b"}}]'


class Stub:
    """A policy as far as `longest_rule` is concerned."""

    def __init__(self, lookup: dict) -> None:
        self.lookup = lookup


@pytest.mark.parametrize(("lookup", "expected"), [
    ({"rules": {RULE_GREET: "utter_greet"}}, 1),
    ({"rules": {RULE_GREET: "x", RULE_START: "y"},
      "rules_for_loop_unhappy_path": {UNHAPPY: "z"}}, 3),
    ({"rules": {}, "rules_for_loop_unhappy_path": {UNHAPPY: "z"}}, 2),
    ({}, 0),
])
def test_the_longest_rule(lookup, expected):
    assert rule_matching.longest_rule(Stub(lookup)) == expected


def test_the_longest_rule_follows_a_new_lookup():
    policy = Stub({"rules": {RULE_GREET: "x"}})
    assert rule_matching.longest_rule(policy) == 1
    policy.lookup = {"rules": {RULE_START: "y"}}
    assert rule_matching.longest_rule(policy) == 3


def conversation(turns: int) -> list:
    """Turns of greetings, questions, answers to the satisfaction question, goodbyes."""
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen")]
    steps = [("greet", "utter_greet"), ("faq", "action_answer_faq"),
             ("affirm", "action_record_satisfied"), ("deny", "action_record_unsatisfied"),
             ("goodbye", "utter_goodbye")]
    for number in range(turns):
        intent, action = steps[number % len(steps)]
        events += [UserUttered(f"mensaje {number}", intent={"name": intent, "confidence": 1.0}),
                   ActionExecuted(action),
                   SlotSet("next_step", ("ask_satisfaction", None)[number % 2]),
                   ActionExecuted("action_listen")]
    return events


def predict(policy: RulePolicy, domain, tracker: DialogueStateTracker) -> tuple:
    prediction, source = policy._predict(tracker, domain)
    return prediction.probabilities, prediction.events, prediction.hide_rule_turn, source


@pytest.fixture
def methods(monkeypatch):
    """Ours and Rasa's method; ours is installed again after the test."""
    rasa_runtime.install()
    ours = RulePolicy._prediction_states
    monkeypatch.setattr(RulePolicy, "_prediction_states", ours)
    return ours, rasas(RulePolicy, "_prediction_states")


def test_every_prediction_is_rasas_as_the_conversation_grows(rule_policy, domain, methods):
    ours_method, rasas_method = methods
    assert ours_method is not rasas_method
    tracker = DialogueStateTracker.from_events("citizen", [], domain.slots)
    rules = rule_policy.lookup["rules"]
    predicted = set()
    for event in conversation(30):
        tracker.update(event)
        RulePolicy._prediction_states = rasas_method
        expected = predict(rule_policy, domain, tracker)
        RulePolicy._prediction_states = ours_method
        ours = predict(rule_policy, domain, tracker)
        assert ours[:3] == expected[:3]
        if expected[3] in rules:
            assert ours[3] == expected[3], "the same rule"
        else:
            assert ours[3] not in rules, "no rule, as in Rasa"
        predicted.add(tuple(expected[0]).index(max(expected[0])))
    assert len(tracker.past_states(domain)) > 10 * rule_matching.longest_rule(rule_policy)
    assert len(predicted) > 3, "the conversation goes through several rules"


def test_states_are_cut_to_the_longest_rule(rule_policy, domain):
    rasa_runtime.install()
    tracker = DialogueStateTracker.from_events("citizen", conversation(10), domain.slots)
    states = rule_policy._prediction_states(tracker, domain)
    assert len(states) == rule_matching.longest_rule(rule_policy) + 1
    assert states == rasas(RulePolicy, "_prediction_states")(rule_policy, tracker, domain)[
        -len(states):]


def test_the_rules_are_measured_once_per_lookup(monkeypatch):
    policy = Stub({"rules": {RULE_GREET: "x", RULE_START: "y"}})  # no unhappy-path lookup
    rule_matching.longest_rule(policy)
    measured = []
    monkeypatch.setattr(rule_matching.json, "loads", lambda key: measured.append(key) or [])
    for _ in range(3):
        assert rule_matching.longest_rule(policy) == 3
    assert measured == []
