"""A linear classifier of the full label, averaged with DIET and the FAQ selector.

DIET and the ResponseSelector learn dense representations from about six thousand
examples; on messages written apart from them (long stories, other words for the same
request) their confidence often falls under the fallback threshold although their
first guess is right. A logistic regression over TF-IDF word and character n-grams of
the normalised tokens errs on other messages than DIET does.
This component trains one over the full labels (`greet`, `faq/catastro`...) and
replaces the intent, its ranking and the FAQ topic by the weighted average of both
models (`diet_weight` for DIET's side). It runs after the FAQ selector and before the
chat rules and the thresholds, which read its output as they read DIET's.

DIET's side of a topic is P(faq) x the selector's P(topic); when the selector did not
run (DIET's first intent was not `faq`), DIET's share of `faq` is spread over the
topics as the linear model spreads its own.

DIET's output is kept as it is when DIET is sure (`keep_threshold`) of one of
`keep_sure_intents`: an explicit request for a person that names a topic ("quiero
hablar con un funcionario por lo del impuesto predial") must stay a sure
`request_human`, and the linear model, reading the topic's words, would make it a
paraphrase check.
"""

from __future__ import annotations

import logging
import pickle
from collections import defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key

from addons.text_normalizer import TOKENS_KEY

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_blend.pkl"
RANKING_LENGTH = 10


def normalized_text(message: Message) -> str:
    """The message's tokens as the text normalizer spelled them (lemma), or its text."""
    tokens = message.get(TOKENS_KEY) or []
    if tokens:
        return " ".join(token.lemma or token.text for token in tokens)
    return (message.get(TEXT) or "").lower()


def diet_distribution(data: dict[str, Any], linear: dict[str, float],
                      retrieval_intent: str) -> dict[str, float]:
    """DIET's and the selector's probabilities spread over full labels."""
    ranking = data.get(INTENT_RANKING_KEY) or []
    intents = {r[INTENT_NAME_KEY]: float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
               for r in ranking if r.get(INTENT_NAME_KEY)}
    prefix = f"{retrieval_intent}/"
    selected = (data.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(retrieval_intent) or {}
    topics = {r[INTENT_RESPONSE_KEY]: float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
              for r in selected.get(RESPONSE_SELECTOR_RANKING_KEY) or []
              if r.get(INTENT_RESPONSE_KEY)}
    if not topics:
        linear_topics = {k: v for k, v in linear.items() if k.startswith(prefix)}
        total = sum(linear_topics.values()) or 1.0
        topics = {k: v / total for k, v in linear_topics.items()}
    faq = intents.pop(retrieval_intent, 0.0)
    spread = {label: faq * share for label, share in topics.items()}
    return {**intents, **spread}


def blend(diet: dict[str, float], linear: dict[str, float],
          diet_weight: float) -> dict[str, float]:
    """The weighted average of two distributions over full labels."""
    labels = set(diet) | set(linear)
    return {label: diet_weight * diet.get(label, 0.0)
            + (1.0 - diet_weight) * linear.get(label, 0.0) for label in labels}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearBlendClassifier(GraphComponent, IntentClassifier):
    """Averages a TF-IDF logistic regression of the full label with DIET's output."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after the tokenizer and the text normalizer."""
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Weights and the linear model's settings."""
        return {
            "diet_weight": 0.5,
            "retrieval_intent": "faq",
            "C": 30.0,
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "char_min_df": 2,
            "keep_sure_intents": [],
            "keep_threshold": 0.55,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, model: Any = None) -> None:
        """Keeps the config and, once trained or loaded, the fitted model."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext
               ) -> LinearBlendClassifier:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage,
             resource: Resource, execution_context: ExecutionContext,
             **kwargs: Any) -> LinearBlendClassifier:
        """The component with the model it persisted (untrained when there is none)."""
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            logger.debug("No linear model stored for '%s'.", resource.name)
            model = None
        return cls(config, model_storage, resource, model)

    def _pipeline(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        words = TfidfVectorizer(ngram_range=tuple(self._config["word_ngrams"]),
                                sublinear_tf=True, token_pattern=r"\S+")
        chars = TfidfVectorizer(analyzer="char_wb",
                                ngram_range=tuple(self._config["char_ngrams"]),
                                sublinear_tf=True, min_df=self._config["char_min_df"])
        return make_pipeline(make_union(words, chars),
                             LogisticRegression(C=self._config["C"], max_iter=5000))

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the linear model on every example with an intent, by full label."""
        texts, labels = [], []
        for example in training_data.intent_examples:
            label = example.get_full_intent()
            if label and example.get(TEXT):
                texts.append(normalized_text(example))
                labels.append(label)
        if len(set(labels)) < 2:
            logger.warning("LinearBlendClassifier needs two labels; it will pass DIET's.")
            self._model = None
        else:
            self._model = self._pipeline().fit(texts, labels)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    def linear_distribution(self, message: Message) -> dict[str, float]:
        """The linear model's probability of each full label."""
        probabilities = self._model.predict_proba([normalized_text(message)])[0]
        return dict(zip(self._model.classes_, map(float, probabilities), strict=True))

    def process(self, messages: list[Message]) -> list[Message]:
        """Replaces the intent, its ranking and the FAQ topic by the blend."""
        if self._model is None:
            return messages
        for message in messages:
            if message.get(TEXT) and message.get(INTENT) and not self._keeps_diet(message):
                self._apply(message, self._blended(message))
        return messages

    def _keeps_diet(self, message: Message) -> bool:
        """Whether DIET is sure of an intent whose output is not to be blended."""
        intent = message.get(INTENT) or {}
        return (intent.get(INTENT_NAME_KEY) in self._config["keep_sure_intents"]
                and float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                >= float(self._config["keep_threshold"]))

    def _blended(self, message: Message) -> dict[str, float]:
        linear = self.linear_distribution(message)
        diet = diet_distribution(message.data, linear, self._config["retrieval_intent"])
        return blend(diet, linear, float(self._config["diet_weight"]))

    def _apply(self, message: Message, labels: dict[str, float]) -> None:
        retrieval = self._config["retrieval_intent"]
        prefix = f"{retrieval}/"
        intents: dict[str, float] = defaultdict(float)
        for label, probability in labels.items():
            intents[retrieval if label.startswith(prefix) else label] += probability
        ranking = sorted(intents.items(), key=lambda item: -item[1])[:RANKING_LENGTH]
        top, top_confidence = ranking[0]
        message.set(INTENT, {INTENT_NAME_KEY: top, PREDICTED_CONFIDENCE_KEY: top_confidence},
                    add_to_output=True)
        message.set(INTENT_RANKING_KEY,
                    [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                     for name, confidence in ranking], add_to_output=True)
        topics = sorted(((label, p) for label, p in labels.items()
                         if label.startswith(prefix)), key=lambda item: -item[1])
        if topics:
            # Every message gets the blended topic, as with Rasa's own ResponseSelector:
            # it is read only when the intent is `faq`, and cross-validation scores the
            # topic of every `faq` example whatever the intent.
            self._set_topic(message, topics[:RANKING_LENGTH])

    def _set_topic(self, message: Message, topics: list[tuple[str, float]]) -> None:
        """The selector's output for the blended topics (joint probabilities)."""
        retrieval = self._config["retrieval_intent"]
        selectors = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
        before = (selectors.get(retrieval) or {}).get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}
        key, confidence = topics[0]
        same_topic = before.get(INTENT_RESPONSE_KEY) == key
        selectors[retrieval] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY:
                    before.get(RESPONSE_SELECTOR_RESPONSES_KEY) or [] if same_topic else [],
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: intent_response_key_to_template_key(key),
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: label} for label, p in topics],
        }
        selectors.setdefault(RESPONSE_SELECTOR_RETRIEVAL_INTENTS, [retrieval])
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selectors, add_to_output=True)
