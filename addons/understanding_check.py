"""Understanding check (protocol 3.4, P5): flags requests classified without certainty.

Between the fallback threshold and the `sure_threshold`, a request intent is
replaced by `check_understanding` (below it, by `nlu_fallback`: a FAQ topic chosen
with little confidence is as unclear as a low intent); the full label it stood for (`faq/<topic>` or
the intent) is kept in the `understanding` output so the bot can paraphrase it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from addons.component import ConfigOnlyComponent

UNDERSTANDING_KEY = "understanding"
CHECK_INTENT = "check_understanding"
FALLBACK_INTENT = "nlu_fallback"


def full_label(data: dict[str, Any], retrieval_intents: list[str]) -> tuple[str, float]:
    """The full label of a parse result and its confidence (retrieval: the lower of both)."""
    intent = data.get(INTENT) or {}
    name = intent.get(INTENT_NAME_KEY) or ""
    confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    if name in retrieval_intents:
        selected = ((data.get("response_selector") or {}).get(name) or {}).get("response") or {}
        key = selected.get("intent_response_key")
        if key:
            return key, min(confidence, float(selected.get("confidence") or 0.0))
    return name, confidence


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class UnderstandingCheck(ConfigOnlyComponent, IntentClassifier):
    """Replaces uncertain request intents with `check_understanding`."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after the intent classifiers and the fallback classifier."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Thresholds and the intents that are worth a paraphrase."""
        return {
            "fallback_threshold": 0.45,
            "sure_threshold": 0.8,
            "confirm_intents": ["faq", "ask_hours", "complex_request", "request_human"],
            "retrieval_intents": ["faq"],
        }


    def process(self, messages: list[Message]) -> list[Message]:
        """Flags uncertain requests and records the label they stood for."""
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) not in self._config["confirm_intents"]:
                continue
            label, confidence = full_label(message.data, self._config["retrieval_intents"])
            message.set(
                UNDERSTANDING_KEY,
                {"label": label, "confidence": round(confidence, 4)},
                add_to_output=True,
            )
            if confidence >= self._config["sure_threshold"]:
                continue
            unclear = confidence < self._config["fallback_threshold"]
            check = {
                INTENT_NAME_KEY: FALLBACK_INTENT if unclear else CHECK_INTENT,
                PREDICTED_CONFIDENCE_KEY: confidence,
            }
            message.set(INTENT, check, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [check, *(message.get(INTENT_RANKING_KEY) or [])],
                add_to_output=True,
            )
        return messages
