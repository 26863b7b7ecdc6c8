"""Keeps the bot quiet while a citizen is handed off to an agent (P14).

While the `handoff` slot says the conversation is waiting for or served by an
agent, every message of the citizen is passed to the agent by
`action_relay_to_agent` (which stores it and says nothing), and the bot listens
again. It steps aside for the events of the hand-off itself (`EXTERNAL_…`
intents, handled by rules), for messages that break the chat rules (P9, P10:
they are moderated, never relayed), and, while still waiting, for the answers
to the offer of a follow-up by e-mail (P15). Its priority is above the
RulePolicy's, so no rule answers in the agent's place.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

HANDOFF_SLOT = "handoff"
NEXT_STEP_SLOT = "next_step"
RELAY_ACTION = "action_relay_to_agent"
ACTIVE_STATES = ("waiting", "taken")
EXTERNAL_PREFIX = "EXTERNAL_"
CONDUCT_INTENTS = ("offensive", "commercial")
# While waiting, the answers to the follow-up offer (P15) go to the bot.
FOLLOW_UP_STEPS = ("offer_follow_up", "ask_consent", "ask_email")
FOLLOW_UP_INTENTS = ("affirm", "deny", "inform_contact")
# When the address was asked, whatever the citizen writes is taken as the answer
# (a bare address is often not understood as any intent): see data/rules/follow_up.yml.
ASK_EMAIL_INTENTS = (*FOLLOW_UP_INTENTS, "inform_name", "nlu_fallback", "out_of_scope")
# While waiting, saying goodbye leaves the queue.
LEAVE_INTENTS = ("goodbye",)


def relay_decision(
    handoff: str | None, next_step: str | None, intent: str | None, last_action: str | None
) -> str | None:
    """The action to force, or None to let the other policies decide."""
    if handoff not in ACTIVE_STATES:
        return None
    if last_action == RELAY_ACTION:
        return ACTION_LISTEN_NAME
    if last_action != ACTION_LISTEN_NAME or not intent:
        return None
    if intent.startswith(EXTERNAL_PREFIX) or intent in CONDUCT_INTENTS:
        return None
    if handoff == "waiting":
        if intent in LEAVE_INTENTS:
            return None
        if next_step == "ask_email" and intent in ASK_EMAIL_INTENTS:
            return None
        if next_step in FOLLOW_UP_STEPS and intent in FOLLOW_UP_INTENTS:
            return None
    return RELAY_ACTION


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffPolicy(Policy):
    """Predicts the relay to the agent while a hand-off is open; abstains otherwise."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Priority above the RulePolicy's (6)."""
        return {"priority": 7}

    def train(self, training_trackers: list, domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Certainty for the relay (or listening after it), zeros when not handed off."""
        probabilities = self._default_predictions(domain)
        action = relay_decision(
            tracker.get_slot(HANDOFF_SLOT),
            tracker.get_slot(NEXT_STEP_SLOT),
            tracker.latest_message.intent.get("name") if tracker.latest_message else None,
            tracker.latest_action_name,
        )
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
