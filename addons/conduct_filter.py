"""Chat-rule check that does not depend on the classifier alone (protocol 4.2).

Offensive words and commercial cues come from word lists that editors maintain
(`data/lexicons/`); links to other sites count as commercial, and so does a phone
number next to an advertising cue (`commercial_phone_cues.txt`: "informes",
"pedidos", ...). A match overrides the classifier's intent with full confidence
(no fallback follows), so an insult wrapped around a real question is caught.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from addons.component import ConfigOnlyComponent
from addons.text_normalizer import fold

CONDUCT_KEY = "conduct"
_LINK = re.compile(r"(?:https?://|www\.)([^\s/]+)|\b([a-z0-9-]+\.(?:com|net|co|org|info|biz|shop|store|xyz|ly)(?:\.[a-z]{2})?)\b")
_WORD = re.compile(r"[a-z0-9ñ]+")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+?57[\s-]?)?\(?(?:3\d{2}|60[1-8])\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
)
FALLBACK_INTENT = "nlu_fallback"


def load_terms(path: Path) -> list[str]:
    """Terms of a word list: one per line, `#` starts a comment, folded spelling."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            terms.append(" ".join(_WORD.findall(fold(term))))
    return [t for t in terms if t]


class TermMatcher:
    """Finds whole words or phrases of a word list in folded text."""

    def __init__(self, terms: list[str]) -> None:
        """Compiles one pattern for all terms."""
        alternatives = sorted(set(terms), key=len, reverse=True)
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(t) for t in alternatives) + r")\b")
            if alternatives
            else None
        )

    def find(self, folded_words: str) -> str | None:
        """The first term found, or None."""
        if self._pattern is None:
            return None
        match = self._pattern.search(folded_words)
        return match.group(1) if match else None


def foreign_link(text: str, allowed_domains: list[str]) -> str | None:
    """A link in the text to a site outside the allowed domains, or None."""
    for match in _LINK.finditer(_EMAIL.sub(" ", text.lower())):
        host = (match.group(1) or match.group(2)).removeprefix("www.")
        if not any(host == d or host.endswith("." + d) for d in allowed_domains):
            return host
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ConductFilter(ConfigOnlyComponent, IntentClassifier):
    """Overrides the intent with `offensive` or `commercial` on a word-list match."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after an intent classifier."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Word-list folder (relative to the working directory) and allowed link domains."""
        return {
            "lexicon_dir": "data/lexicons",
            "offensive_intent": "offensive",
            "commercial_intent": "commercial",
            "allowed_link_domains": ["gov.co"],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Loads the word lists named by the config."""
        super().__init__(config)
        folder = Path(config["lexicon_dir"])
        self._offensive = TermMatcher(load_terms(folder / "offensive.txt"))
        self._commercial = TermMatcher(load_terms(folder / "commercial.txt"))
        phone_cues = folder / "commercial_phone_cues.txt"
        self._phone_cues = TermMatcher(load_terms(phone_cues) if phone_cues.exists() else [])

    def check(self, text: str) -> tuple[str, str] | None:
        """(intent, reason) when the text breaks a chat rule, else None."""
        words = " ".join(_WORD.findall(fold(text)))
        term = self._offensive.find(words)
        if term:
            return self._config["offensive_intent"], f"word:{term}"
        term = self._commercial.find(words)
        if term:
            return self._config["commercial_intent"], f"cue:{term}"
        host = foreign_link(text, self._config["allowed_link_domains"])
        if host:
            return self._config["commercial_intent"], f"link:{host}"
        if _PHONE.search(text):
            term = self._phone_cues.find(words)
            if term:
                return self._config["commercial_intent"], f"phone:{term}"
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        """Marks messages that break a chat rule."""
        for message in messages:
            verdict = self.check(message.get(TEXT) or "")
            if verdict is None:
                continue
            intent_name, reason = verdict
            intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
            # The classifier's other guesses stay, at most half as confident, so
            # that a later FallbackClassifier does not find the override ambiguous.
            ranking = [
                {**r, PREDICTED_CONFIDENCE_KEY: 0.5 * float(r.get(PREDICTED_CONFIDENCE_KEY) or 0)}
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) not in (intent_name, FALLBACK_INTENT)
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            message.set(CONDUCT_KEY, {"rule": intent_name, "reason": reason}, add_to_output=True)
        return messages
