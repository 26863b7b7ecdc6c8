"""Rasa's RulePolicy, matching its rules against the conversation's recent states only.

For each prediction Rasa's RulePolicy turns the whole tracker into states, then
checks every rule against every state from the newest back (`_get_possible_keys`),
formats all states for a debug log line and copies them (`copy.deepcopy`, even when
debug logging is off), and, when no rule applies, writes all states into a key.
All of it grows with the conversation: with the tracker window full (120 events) it
was a fifth of the Rasa server's time per turn (docs/benchmarks.md).

A rule applies or not by its own states only: `_is_rule_applicable` answers True
for any state further back than the rule is long. So matching against the newest
states, as many as the longest rule has plus one, gives the same rules, the same
prediction and the same loop decisions. The key written when no rule applies is
only compared with rule keys (whether the turn is hidden from the ML policies), and
it equals a rule key only when that rule matched.

Replaces: `RulePolicy._prediction_states`, wrapped (`REPLACEMENTS`, installed by
`rasa_runtime.install()` in the server only, so training and `rasa test` are
untouched). Tests: tests/rasa_runtime/test_rule_matching.py.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy

from rasa_runtime.replacing import Replacement


def longest_rule(policy: RulePolicy) -> int:
    """How many states the policy's longest rule has (its lookup's longest key).

    Cached on the policy for the lookup it was computed from (training rebuilds it).
    """
    lookups = [policy.lookup.get(name) for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH)]
    signature = tuple((id(lookup), len(lookup or ())) for lookup in lookups)
    cached = getattr(policy, "_tenjo_longest_rule", None)
    if cached is None or cached[0] != signature:
        longest = max((len(json.loads(key)) for lookup in lookups for key in lookup or ()),
                      default=0)
        cached = (signature, longest)
        policy._tenjo_longest_rule = cached
    return cached[1]


def recent_prediction_states_around(prediction_states: Any) -> Any:
    """Rasa's `RulePolicy._prediction_states`, keeping the newest `longest rule + 1`."""

    @functools.wraps(prediction_states)
    def recent_prediction_states(self: RulePolicy, *args: Any, **kwargs: Any) -> list:
        states = prediction_states(self, *args, **kwargs)
        keep = longest_rule(self) + 1
        return states[-keep:] if len(states) > keep else states

    return recent_prediction_states


REPLACEMENTS = (
    Replacement(RulePolicy, "_prediction_states", recent_prediction_states_around, wraps=True),
)
