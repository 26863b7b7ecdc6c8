"""Rasa's states of a conversation, computed once per tracker and extended as it grows.

Each prediction of each policy asks the domain for the states of the whole tracker
(`Domain.states_for_tracker_history`): Rasa replays every event into a fresh
tracker and builds a state before each action. A turn makes three or four
predictions, the RulePolicy asks twice for the first one and the MemoizationPolicy
once each, and between them the tracker only grows by the events of the actions
just run. With the tracker window full (120 events) that was 7 replays of 120
events per turn (docs/benchmarks.md).

Here the replay is kept on the tracker, one per set of options, and extended with
the events added since: the same states in the same order, computed once. It
starts again from the first event whenever the events added could change what came
before (a restart, a new session, an undo, a loop starting or its action running),
when the events do not extend those replayed (a copy, a shortened history), or for
another domain or other rule-only data.

Replaces: `Domain.states_for_tracker_history` (`REPLACEMENTS`, installed by
`rasa_runtime.install()` in the server only, so training is untouched).
Tests: tests/rasa_runtime/test_past_states.py compares it with Rasa's after every event.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_runtime.replacing import Replacement, rasas

# Events after which Rasa's `applied_events` is no longer the events before plus these.
_REWRITING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)
_ATTRIBUTE = "_tenjo_replays"


@dataclass
class _Replay:
    """Rasa's loop over the prior trackers, paused after the last event seen."""

    domain: Domain
    rule_only_data: Any
    loop_names: frozenset
    prior: DialogueStateTracker
    events_seen: int = 0
    last_event: Event | None = None
    states: list[State] = field(default_factory=list)
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Rasa's `Domain.states_for_tracker_history`, extending the last replay.

    Training trackers (a training through the server's API) keep their own cache.
    """
    if isinstance(tracker, TrackerWithCachedStates):
        rasas_method = rasas(Domain, "states_for_tracker_history")
        return rasas_method(self, tracker, omit_unset_slots, ignore_rule_only_turns,
                            rule_only_data)
    replays = tracker.__dict__.setdefault(_ATTRIBUTE, {})
    options = (omit_unset_slots, ignore_rule_only_turns)
    replay = replays.get(options)
    added = _added_events(replay, tracker, self, rule_only_data)
    if added is None:
        loops = frozenset(e.name for e in tracker.events if isinstance(e, ActiveLoop) and e.name)
        replay = replays[options] = _Replay(self, rule_only_data, loops, tracker.init_copy())
        added = tracker.applied_events()
    for event in added:
        if isinstance(event, ActionExecuted):
            _state(replay, event.hide_rule_turn, omit_unset_slots, ignore_rule_only_turns,
                   keep=True)
        replay.prior.update(event)
    replay.events_seen = len(tracker.events)
    replay.last_event = tracker.events[-1] if tracker.events else None
    final = _state(replay, False, omit_unset_slots, ignore_rule_only_turns, keep=False)
    return [*replay.states, final] if final is not None else list(replay.states)


def _added_events(replay: _Replay | None, tracker: DialogueStateTracker, domain: Domain,
                  rule_only_data: Any) -> list[Event] | None:
    """The events since the replay's last, or None when it must start again."""
    if replay is None or replay.domain is not domain or replay.rule_only_data != rule_only_data:
        return None
    events = tracker.events
    seen = replay.events_seen
    if len(events) < seen or (seen and events[seen - 1] is not replay.last_event):
        return None
    added = list(itertools.islice(events, seen, None))
    for event in added:
        if isinstance(event, _REWRITING) or (
            isinstance(event, ActionExecuted) and event.action_name in replay.loop_names
        ):
            return None
    return added


def _state(replay: _Replay, hide_rule_turn: bool, omit_unset_slots: bool,
           ignore_rule_only_turns: bool, keep: bool) -> State | None:
    """One pass of Rasa's loop for the prior tracker as it is now.

    `keep` adds the state to the replay (a state before an action); otherwise it is the
    final state, computed without changing the replay (None when the turn is hidden).
    """
    domain, prior, states = replay.domain, replay.prior, replay.states
    last_ml_action_sub_state = replay.last_ml_action_sub_state
    turn_was_hidden = replay.turn_was_hidden
    if ignore_rule_only_turns:
        # remember the previous ML action from the last turn that was not hidden
        if not turn_was_hidden:
            last_ml_action_sub_state = domain._get_prev_action_sub_state(prior)
        # a follow-up action or a loop's happy path keeps the turn as it was
        if not prior.followup_action and not prior.latest_action_name == prior.active_loop_name:
            turn_was_hidden = hide_rule_turn
        if keep:
            replay.last_ml_action_sub_state = last_ml_action_sub_state
            replay.turn_was_hidden = turn_was_hidden
        if turn_was_hidden:
            return None
    state = domain.get_active_state(prior, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, replay.rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
            if not keep and state.get(USER) and state[USER] is states[-1].get(USER):
                # the featurizer edits the newest state's user input in place
                state[USER] = dict(state[USER])
        if last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = last_ml_action_sub_state
    state = domain._clean_state(state)
    if keep:
        states.append(state)
    return state


REPLACEMENTS = (Replacement(Domain, "states_for_tracker_history", states_for_tracker_history),)
