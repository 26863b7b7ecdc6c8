"""The states extended as the tracker grows (rasa_runtime/past_states.py) are Rasa's own,
after every event of a conversation that goes through what can rewrite its history."""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

import rasa_runtime
from rasa_runtime import past_states
from rasa_runtime.replacing import rasas as rasas_attribute

OPTIONS = [(False, False), (True, False), (False, True), (True, True)]


def user(text: str, intent: str) -> UserUttered:
    return UserUttered(text, intent={"name": intent, "confidence": 1.0})


def turn(number: int) -> list:
    intent, action = (("faq", "action_answer_faq"), ("affirm", "action_record_satisfied"),
                      ("greet", "utter_greet"))[number % 3]
    return [user(f"mensaje {number}", intent),
            ActionExecuted(action, hide_rule_turn=number % 4 == 0),
            BotUttered(f"respuesta {number}"),
            SlotSet("next_step", ("ask_satisfaction", None, "offer_follow_up")[number % 3]),
            ActionExecuted("action_listen", hide_rule_turn=number % 4 == 0)]


def conversation() -> list:
    """Plain turns, then each kind of event after which Rasa's history changes."""
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen")]
    for number in range(6):
        events += turn(number)
    events += [user("me equivoqué", "deny"), UserUtteranceReverted()]
    events += turn(6) + [ActionExecuted("utter_greet"), ActionReverted()]
    events += [user("formulario", "faq"), ActionExecuted("some_form"), ActiveLoop("some_form"),
               ActionExecuted("action_listen"), user("dato", "inform_name"),
               ActionExecuted("some_form"), ActionExecuted("action_listen"),
               user("otro", "inform_name"), ActionExecuted("some_form"), ActiveLoop(None),
               FollowupAction("utter_greet"), ActionExecuted("utter_greet"),
               ActionExecuted("action_listen")]
    events += turn(7) + [AllSlotsReset()] + turn(8)
    events += [Restarted(), ActionExecuted("action_session_start"), SessionStarted(),
               ActionExecuted("action_listen")] + turn(9) + turn(10)
    events += [SessionStarted(), ActionExecuted("action_listen")] + turn(11)
    return events


@pytest.fixture
def rasas():
    rasa_runtime.install()
    assert Domain.states_for_tracker_history is past_states.states_for_tracker_history
    return rasas_attribute(Domain, "states_for_tracker_history")


@pytest.mark.parametrize(("omit_unset_slots", "ignore_rule_only_turns"), OPTIONS)
def test_the_states_are_rasas_after_every_event(
        rasas, domain, rule_policy, omit_unset_slots, ignore_rule_only_turns):
    rule_only_data = rule_policy._get_rule_only_data() if ignore_rule_only_turns else None
    tracker = DialogueStateTracker.from_events("citizen", [], domain.slots)
    for event in conversation():
        tracker.update(event)
        for _ in range(2):  # the second call extends nothing
            ours = domain.states_for_tracker_history(
                tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            expected = rasas(domain, tracker, omit_unset_slots, ignore_rule_only_turns,
                             rule_only_data)
            assert ours == expected, f"after {event}"
        # what the featurizer does to the newest state must not reach the next call
        if ours and "user" in ours[-1]:
            ours[-1]["user"].clear()


def test_another_tracker_or_domain_starts_again(rasas, domain):
    events = conversation()[:20]
    tracker = DialogueStateTracker.from_events("citizen", events, domain.slots)
    first = domain.states_for_tracker_history(tracker)
    copy = tracker.copy()
    assert domain.states_for_tracker_history(copy) == first
    other = Domain.from_dict(domain.as_dict())
    assert other.states_for_tracker_history(tracker) == rasas(other, tracker)


def test_only_the_new_events_are_replayed(rasas, domain, monkeypatch):
    tracker = DialogueStateTracker.from_events("citizen", conversation()[:30], domain.slots)
    domain.states_for_tracker_history(tracker)
    replayed = []
    monkeypatch.setattr(DialogueStateTracker, "applied_events",
                        lambda self: replayed.append(self) or [])
    for event in turn(20):
        tracker.update(event)
        states = domain.states_for_tracker_history(tracker)
    assert replayed == [], "no replay from the first event"
    monkeypatch.undo()
    assert states == rasas(domain, tracker)


def test_training_trackers_keep_their_own_cache(rasas, domain):
    from rasa.shared.core.generator import TrackerWithCachedStates

    tracker = TrackerWithCachedStates.from_events("story", conversation()[:20], domain=domain)
    assert domain.states_for_tracker_history(tracker) == rasas(domain, tracker)
    assert past_states._ATTRIBUTE not in tracker.__dict__
