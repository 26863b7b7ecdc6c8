"""Spelling normalisation of Spanish chat text before featurisation.

Rewrites each token's lemma (which the count-vector featurizers read) and leaves
the text untouched, so entity offsets and values keep the citizen's spelling.
Steps: lower case without accents, letters repeated 3+ times collapsed, chat
abbreviations expanded, e-mail addresses and links replaced by a placeholder,
and (config `phonetic`) a phonetic spelling of Spanish, so that "sertificado",
"certificado" and "zertifikado" or "sisven" and "sisben" share their features.
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
    "xk": "porque",
    "ke": "que",
    "ud": "usted",
    "uds": "ustedes",
    "bno": "bueno",
    "nd": "nada",
    "kiero": "quiero",
    "qiero": "quiero",
    "nesesito": "necesito",
    "nececito": "necesito",
    "alcadia": "alcaldia",
    "cm": "como",
    "wenas": "buenas",
    "wenos": "buenos",
}

EMAIL_PLACEHOLDER = "__correo__"
LINK_PLACEHOLDER = "__enlace__"
_EMAIL = re.compile(r"^[\w.%+-]+@[\w-]+(\.[\w-]+)+[.,;:]?$")
_LINK = re.compile(r"^(?:https?://|www\.)\S+$")

_REPEATS = re.compile(r"(\w)\1{2,}")


def fold(text: str) -> str:
    """Lower-case, strip accents (ñ becomes n) and collapse letters repeated 3+ times."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1", stripped)


_PHONETIC_RULES = [
    (re.compile(r"ch"), "\x00"),  # keep "ch" apart from "c" and "h"
    (re.compile(r"qu(?=[ei])"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"g(?=[ei])"), "j"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"ll"), "y"),
    (re.compile(r"h"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile("\x00"), "ch"),
]


def phonetic(word: str) -> str:
    """A phonetic spelling of a folded Spanish word (seseo, b/v, silent h, ll/y)."""
    if not word.isalpha():
        return word
    for pattern, replacement in _PHONETIC_RULES:
        word = pattern.sub(replacement, word)
    return word or "h"


def normalize_word(
    word: str, abbreviations: dict[str, str], *, use_phonetic: bool = False
) -> str:
    """The normalised form of one token."""
    if _EMAIL.match(word):
        return EMAIL_PLACEHOLDER
    if _LINK.match(word.lower()):
        return LINK_PLACEHOLDER
    folded = fold(word)
    normal = abbreviations.get(folded, folded)
    if use_phonetic:
        return " ".join(phonetic(part) for part in normal.split())
    return normal


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class TextNormalizer(ConfigOnlyComponent):
    """Sets every text token's lemma to its normalised spelling."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Extra abbreviations (`abbreviations`) extend the defaults; `phonetic` spelling."""
        return {"abbreviations": {}, "phonetic": False}

    def __init__(self, config: dict[str, Any]) -> None:
        """Builds the abbreviation table from the defaults and the config."""
        super().__init__(config)
        self._abbreviations = {
            **DEFAULT_ABBREVIATIONS,
            **{fold(k): v for k, v in (config.get("abbreviations") or {}).items()},
        }
        self._phonetic = bool(config.get("phonetic"))


    def _normalize(self, message: Message) -> None:
        for token in message.get(TOKENS_KEY) or []:
            token.lemma = normalize_word(
                token.text, self._abbreviations, use_phonetic=self._phonetic
            )

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
