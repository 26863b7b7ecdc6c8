"""The FAQ topic is chosen only for messages classified as a frequent question.

Rasa's ResponseSelector runs its own neural network on every message, whatever the
intent: about a third of the NLU step's time (docs/benchmarks.md). Its answer is read
only when the intent is its retrieval intent (`faq`): by the understanding check, by
`action_answer_faq` and by Rasa's `full_retrieval_intent_name`. This selector runs
after DIET and leaves the other messages without a topic; training is Rasa's own.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class FaqResponseSelector(ResponseSelector):
    """Rasa's ResponseSelector, run only when the intent is its `retrieval_intent`."""

    def needs_topic(self, message: Message) -> bool:
        """True when the message's intent is the one this selector answers for.

        Without a `retrieval_intent` (one selector for every retrieval intent) every
        message is a candidate, as in Rasa.
        """
        if not self.retrieval_intent:
            return True
        return (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.retrieval_intent

    def process(self, messages: list[Message]) -> list[Message]:
        """Selects the topic of the messages that need one; the others pass unchanged."""
        super().process([message for message in messages if self.needs_topic(message)])
        return messages
