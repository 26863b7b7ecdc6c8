"""Gibberish is unclear (protocol P4): a message with no word the training data knows.

DIET always names some intent, however little the message says: emoji only
("😀😀"), punctuation only ("???"), markup ("<b></b>") or keyboard mash
("asdkjh qwe zxcvv") came out as `affirm` or `out_of_scope` with high confidence.
This component runs after the classifiers (and after the chat-rule check) and sets
such a message's intent to `nlu_fallback`, so the bot asks for detail.

What it learns: the vocabulary of the training examples, in the normalised spelling
the featurizers read (the token lemmas set by `TextNormalizer`: folded, abbreviations
expanded, phonetic), stored with the model.

A message is left to the classifier when any of these holds:

- it has a meaningful known word: a word of the vocabulary that is not a bare
  number, not a single letter and not one of a few function words (articles,
  prepositions, conjunctions, clitics: "de la" alone says nothing);
- the chat-rule check (`conduct`) flagged it, or an extractor found an e-mail
  address or a phone number in it (a value with an "@" or seven digits: DIET also
  tags pieces of markup as phone numbers);
- its words could be a name (or real words the data lacks): at the name prompt
  citizens answer with their bare name ("Yeison", "ana maría", "Xiomara Ñañez"),
  often one the training data has never seen, and `inform_name` must stay possible
  for them (at the start of a conversation and later, rules take a name only through
  it; at the name prompt `action_capture_name` also reads the words of an
  `nlu_fallback`). So a message of one to five letter-only words (edge punctuation
  and emoji aside), not all function words, each of which looks like a word, is left
  alone, in lower case too (citizens often write their name so). A word looks like a
  word when it has a vowel (`y` included), no run of five consonants or more (the
  test `actions/name.py` applies to names), at most 20 letters, and no four keys in
  a row of the keyboard ("asdf", "qwer", "zxcv", "lkjh"). A `nombre` entity alone is
  not enough: DIET tags unknown words as names.

Otherwise (nothing but emoji, punctuation, markup, numbers, or words that look like
keyboard mash) the message is unclear. So is a request (an intent of `request_intents`:
an FAQ question, the hours, a complex request, a person) made only of function words
and fillers ("ahhh ya pero", "hmm entonces", "y?"): DIET had answered such messages
with an FAQ topic or a request for a person; a request names something. Either way
the intent becomes `nlu_fallback` with confidence 1.0, and the
entities DIET guessed in it are dropped: this is a decision, not a doubt. The
classifier's guesses stay in the ranking at half their confidence (at most 0.5, as
the chat-rule check does), so Rasa's FallbackClassifier after it finds neither a low
confidence nor an ambiguous top two and leaves it; the understanding check leaves
`nlu_fallback` alone. An untrained or empty vocabulary
changes nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import dump_obj_as_json_to_file, read_json_file

from addons.conduct_filter import CONDUCT_KEY
from addons.text_normalizer import fold
from addons.word_shape import looks_like_mash

logger = logging.getLogger(__name__)

TOKENS_KEY = f"{TEXT}_tokens"
FALLBACK_INTENT = "nlu_fallback"
UNCLEAR_KEY = "unknown_words"
VOCABULARY_FILE = "vocabulary.json"

# Words that say nothing on their own (folded spelling).
FUNCTION_WORDS = frozenset(
    "el la los las lo un una unos unas a al de del en con por para sin sobre entre "
    "hasta desde hacia y e o u ni pero se me te le les nos".split()
)
# Discourse words and fillers (folded, repeated letters collapsed: "ahhh" is "ah",
# "esteee" is "este"): with function words, all a request made of them says.
FILLER_WORDS = frozenset(
    "ya pues ps entonces bueno eso esto esa ese este aja ah eh oh uh hm m um "
    "ok okey ay ey oiga oye mire q k que como cual cuales cuando donde cuanto quien".split()
)
_REPEATS = re.compile(r"(.)\1+")
_LAUGH = re.compile(r"^(?:[jh][aeiou])+[jh]?$")
_PARTS = re.compile(r"[^\W_]+")
_EDGE = "\"'.,;:!?¡¿()[]{}«»“”‘’-_*…"
_LETTERS = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*$")
_DIGIT = re.compile(r"\d")


def is_contact_value(value: object) -> bool:
    """An e-mail address or a phone number could be this value: it has an "@" or at
    least seven digits. DIET tags other things too: in `<img src=x onerror=alert(1)>`
    it tagged "onerror=alert(1" as a phone number."""
    text = str(value or "")
    return "@" in text or len(_DIGIT.findall(text)) >= 7


def words_of(lemma: str) -> list[str]:
    """The letter-or-digit runs of a normalised token ("alert(1)" gives alert, 1)."""
    return _PARTS.findall(lemma)


def looks_like_a_word(word: str) -> bool:
    """True for a word that could be a name or a real (if unknown) word, not mash."""
    word = fold(word)
    return bool(_LETTERS.match(word)) and not looks_like_mash(word)


def is_filler(word: str) -> bool:
    """True for a word that names nothing: a function word, a filler, a laugh, a number
    or a single letter."""
    word = fold(word)
    collapsed = _REPEATS.sub(r"\1", word)
    return (len(collapsed) <= 1 or word.isdigit() or word in FUNCTION_WORDS
            or collapsed in FILLER_WORDS or bool(_LAUGH.match(collapsed)))


def names_something(text: str) -> bool:
    """True when a word of the text is not a filler ("ahhh ya pero" names nothing)."""
    return any(not is_filler(word) for word in words_of(fold(text)))


def could_be_a_name(text: str, max_words: int = 5) -> bool:
    """True when the words of the text (emoji and punctuation aside) could be a name."""
    words = [w.strip(_EDGE) for w in text.split()]
    words = [w for w in words if any(ch.isalnum() for ch in w)]
    return (
        1 <= len(words) <= max_words
        and all(looks_like_a_word(w) for w in words)
        and any(fold(w) not in FUNCTION_WORDS for w in words)
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class UnknownWordsClassifier(GraphComponent, IntentClassifier):
    """Sets `nlu_fallback` on messages without a word the training data knows."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Needs tokens; its place after the classifiers is its place in config.yml.

        (Rasa checks the required components of a trainable one in the training graph
        too, where the classifiers do not run before it.)
        """
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Entity types that make a message meaningful; the longest name accepted; the
        intents that ask for something and so must name it."""
        return {"entity_types": ["correo", "telefono"], "max_name_words": 5,
                "request_intents": ["faq", "ask_hours", "complex_request", "request_human"]}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: set[str] | None = None,
    ) -> None:
        """Keeps the config, where to persist, and the vocabulary learned."""
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsClassifier:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsClassifier:
        """The component with the vocabulary stored at training."""
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(read_json_file(directory / VOCABULARY_FILE))
        except (ValueError, FileNotFoundError):
            logger.warning("No vocabulary stored for %s: it leaves every message alone.",
                           cls.__name__)
            vocabulary = set()
        return cls(config, model_storage, resource, vocabulary)

    @staticmethod
    def _token_words(message: Message) -> list[tuple[str, list[str]]]:
        """(folded text, normalised words) of each token of a message."""
        return [
            (fold(token.text), words_of(token.lemma or fold(token.text)))
            for token in message.get(TOKENS_KEY) or []
        ]

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the normalised words of the training examples and stores them."""
        self.vocabulary = {
            word
            for example in training_data.intent_examples
            for _, words in self._token_words(example)
            for word in words
        }
        with self._model_storage.write_to(self._resource) as directory:
            dump_obj_as_json_to_file(directory / VOCABULARY_FILE, sorted(self.vocabulary))
        return self._resource

    def has_known_word(self, message: Message) -> bool:
        """True when a token of the message is a meaningful word of the vocabulary."""
        for folded, words in self._token_words(message):
            if folded in FUNCTION_WORDS:
                continue
            if any(len(w) > 1 and not w.isdigit() and w in self.vocabulary for w in words):
                return True
        return False

    def unclear_reason(self, message: Message) -> str | None:
        """Why the message is unclear: nothing the assistant could read, or a request that
        names nothing; None when it is left to the classifier."""
        if not self.vocabulary or message.get(CONDUCT_KEY):
            return None
        types = set(self._config["entity_types"])
        if any(e.get(ENTITY_ATTRIBUTE_TYPE) in types and is_contact_value(e.get("value"))
               for e in message.get(ENTITIES) or []):
            return None
        text = message.get(TEXT) or ""
        if not self.has_known_word(message) \
                and not could_be_a_name(text, self._config["max_name_words"]):
            return "no known word"
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent in self._config["request_intents"] and not names_something(text):
            return "a request that names nothing"
        return None

    def is_unclear(self, message: Message) -> bool:
        """True when the message is unclear (`unclear_reason`)."""
        return self.unclear_reason(message) is not None

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets `nlu_fallback` (confidence 1.0) on the unclear messages."""
        for message in messages:
            reason = self.unclear_reason(message)
            if reason is None:
                continue
            intent = {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            # The classifier's guesses stay, at most half as confident, so that the
            # FallbackClassifier after this finds the top two far apart.
            ranking = [
                {**r, PREDICTED_CONFIDENCE_KEY: 0.5 * float(r.get(PREDICTED_CONFIDENCE_KEY) or 0)}
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get(INTENT_NAME_KEY) != FALLBACK_INTENT
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
            message.set(UNCLEAR_KEY, {"reason": reason}, add_to_output=True)
            # Nothing was understood, so nothing was found in it either (DIET's tags on
            # mash or markup are guesses: "onerror=alert(1" as a phone number).
            message.set(ENTITIES, [], add_to_output=True)
        return messages
