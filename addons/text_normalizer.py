"""Spelling normalisation of Spanish chat text before featurisation.

Rewrites each token's lemma (which the count-vector featurizers read) and leaves
the text untouched, so entity offsets and values keep the citizen's spelling.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.component import ConfigOnlyComponent

TOKENS_KEY = f"{TEXT}_tokens"

# Chat abbreviations seen in Colombian Spanish, mapped to the full word.
DEFAULT_ABBREVIATIONS: dict[str, str] = {
    "q": "que",
    "k": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "x": "por",
    "xa": "para",
    "pa": "para",
    "d": "de",
    "tb": "tambien",
    "tmb": "tambien",
    "tbn": "tambien",
    "xfa": "por favor",
    "xfavor": "por favor",
    "porfa": "por favor",
    "porfis": "por favor",
    "pls": "por favor",
    "dnd": "donde",
    "info": "informacion",
    "tel": "telefono",
    "cel": "celular",
    "sr": "senor",
    "sra": "senora",
    "msj": "mensaje",
    "bn": "bien",
    "gracis": "gracias",
    "grax": "gracias",
    "ola": "hola",
    "hla": "hola",
    "ps": "pues",
    "pz": "pues",
    "toy": "estoy",
}

_REPEATS = re.compile(r"(\w)\1{2,}")


def fold(text: str) -> str:
    """Lower-case, strip accents (ñ becomes n) and collapse letters repeated 3+ times."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1", stripped)


def normalize_word(word: str, abbreviations: dict[str, str]) -> str:
    """The normalised form of one token."""
    folded = fold(word)
    return abbreviations.get(folded, folded)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class TextNormalizer(ConfigOnlyComponent):
    """Sets every text token's lemma to its normalised spelling."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Extra abbreviations (config key `abbreviations`) extend the defaults."""
        return {"abbreviations": {}}

    def __init__(self, config: dict[str, Any]) -> None:
        """Builds the abbreviation table from the defaults and the config."""
        super().__init__(config)
        self._abbreviations = {
            **DEFAULT_ABBREVIATIONS,
            **{fold(k): v for k, v in (config.get("abbreviations") or {}).items()},
        }


    def _normalize(self, message: Message) -> None:
        for token in message.get(TOKENS_KEY) or []:
            token.lemma = normalize_word(token.text, self._abbreviations)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalises the tokens of every training example."""
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalises the tokens of incoming messages."""
        for message in messages:
            self._normalize(message)
        return messages
