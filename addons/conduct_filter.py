"""Chat-rule check, the only authority on the chat rules (protocol 4.2, P9, P10).

Offensive words and commercial cues come from word lists that editors maintain
(`data/lexicons/`, each file says how it is read):

- `offensive.txt`: whole words or phrases, also when disguised: letters repeated
  ("idiotaaa"), spelled out or dotted ("h.p", "i d i o t a"), digits for letters
  ("1d10t4"); never inside another word ("disputa", "computador");
- `insults_addressed.txt` after a phrase of `insult_frames.txt` ("son unos vagos")
  or alone in a clause ("vagos, trabajen"); `insults_alone.txt` alone in a clause;
- `commercial.txt`: cue phrases of ads, sales pitches and campaigns ("a + b": both);
- links to sites outside the allowed domains (config and `allowed_link_domains.txt`);
- a phone number next to an advertising cue (`commercial_phone_cues.txt`), unless
  the citizen gives it as their own (`own_contact.txt`);
- `exceptions.txt`: phrases of ordinary messages taken out before all of the above.

A match overrides the classifier's intent with full confidence (no fallback
follows), so an insult wrapped around a real question is caught. Without a match
the classifier may not decide alone: a top intent `offensive` or `commercial` is
demoted to the next intent of its ranking, with that intent's own confidence, so
a citizen is only ever warned for an explicit match. One exception, for the sales
pitches, campaigns and insults no list can foresee in full: a `commercial` top
intent at least as sure as `classifier_threshold` stands when the message also has
a hint of `commercial_hints.txt` (words citizens use too, such as "precio" or
"candidato"), a link or a phone number; an `offensive` one, when the message has a
word of the insult lists outside the frames those lists need ("inútiles",
"ladrones"): the classifier and a hint agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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
FALLBACK_INTENT = "nlu_fallback"
_LINK = re.compile(
    r"(?:https?://|www\.)([^\s/]+)"
    r"|\b([a-z0-9-]+\.(?:com|net|co|org|info|biz|shop|store|xyz|ly)(?:\.[a-z]{2})?)\b"
    r"|\b((?:wa|t)\.me|linktr\.ee)\b"  # chat and link-list services of ads
)
_WORD = re.compile(r"[a-z0-9ñ]+")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+?57[\s-]?)?\(?(?:3\d{2}|60[1-8])\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?¡¿()\"\n]+|\s-+\s")
_HAS_LETTER = re.compile(r"[a-z]")
_HAS_DISGUISE = re.compile(r"[0-9@$]")
_MASK = "~"
# A word with letters hidden by signs ("p*ta", "hijue#uta"): each run is 1-3 letters.
_CENSORED = re.compile(r"^[a-z]*(?:[*#_]+[a-z]*)+$")
_CENSOR_RUN = re.compile(r"[*#_]+")
# Signs inside a word that split it ("idio.ta", "malpa-rido"), taken out.
_INNER_SIGNS = re.compile(r"(?<=[a-z])[.\-_'/|]+(?=[a-z])")
# Digits and signs written for letters ("1d10t4"); 1 is read as i and as l.
_LEET = (str.maketrans("013457@$", "oieastas"), str.maketrans("013457@$", "oleastas"))
# Grammar words that may stand next to an insult in a clause of insults alone.
_FILLERS = frozenset(
    "y e o unos unas un una ustedes usted son tan muy todos todas que mas par de manada "
    "partida bola banda monton puros puras".split()
)
_OPTIONAL_LISTS = (
    "insults_addressed.txt", "insults_alone.txt", "insult_frames.txt",
    "commercial_phone_cues.txt", "own_contact.txt", "exceptions.txt", "commercial_hints.txt",
)


def plain(text: str) -> str:
    """Lower case without accents (ñ becomes n); repeated letters are kept."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The words of plain text."""
    return _WORD.findall(text)


def load_lines(path: Path) -> list[str]:
    """The entries of a list: one per line, `#` starts a comment; none without the file."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [entry for line in lines if (entry := line.split("#", 1)[0].strip())]


def load_terms(path: Path) -> list[str]:
    """Terms of a word list in folded spelling, as words separated by spaces."""
    terms = (" ".join(_WORD.findall(fold(line))) for line in load_lines(path))
    return [t for t in terms if t]


def load_rules(path: Path) -> list[tuple[str, ...]]:
    """Rules of a cue list: a phrase, or phrases joined by " + " that must all appear."""
    rules = (tuple(" ".join(_WORD.findall(fold(p))) for p in line.split(" + "))
             for line in load_lines(path))
    return [rule for rule in rules if all(rule)]


def elastic(term: str) -> str:
    """Regex of a folded term that also matches its letters repeated ("idiotaaa").

    A doubled letter stays at least double: "perra" does not match "pera".
    """
    return "".join(
        re.escape(run.group(1)) + ("+" if len(run.group(0)) == 1 else f"{{{len(run.group(0))},}}")
        if run.group(1).isalpha() else re.escape(run.group(0))
        for run in re.finditer(r"(.)\1*", term)
    )


def alternation(terms: list[str]) -> str:
    """One regex group matching any of the terms (longest first), letters elastic."""
    return "(" + "|".join(elastic(t) for t in sorted(set(terms), key=len, reverse=True)) + ")"


class TermMatcher:
    """Finds whole words or phrases of a word list in text of space-separated words."""

    def __init__(self, terms: list[str]) -> None:
        """Compiles one pattern for all terms."""
        self._terms = sorted(set(terms), key=len, reverse=True)
        self._pattern = re.compile(rf"\b{alternation(self._terms)}\b") if terms else None

    def find(self, words: str) -> str | None:
        """The first term found, as listed ("idiotaaa" gives "idiota"), or None."""
        match = self._pattern.search(words) if self._pattern else None
        return self.listed(match.group(1)) if match else None

    def listed(self, found: str) -> str:
        """The listed term that matched the text `found`."""
        return next((t for t in self._terms if re.fullmatch(elastic(t), found)), found)

    def find_censored(self, token: str) -> str | None:
        """The one-word term that a word with hidden letters ("p*ta") stands for, or None."""
        token = token.strip("*#_.,;:!?¡¿()\"'")
        if sum(ch.isalpha() for ch in token) < 2 or not _CENSORED.match(token):
            return None
        pattern = re.compile(
            _CENSOR_RUN.sub("[a-z]{1,3}", re.sub(r"[a-z]+", lambda m: elastic(m.group(0)), token)))
        return next((t for t in self._terms if " " not in t and pattern.fullmatch(t)), None)

    def mask(self, words: str) -> str:
        """The text with every term found replaced by a mark that matches nothing."""
        return self._pattern.sub(_MASK, words) if self._pattern else words


class FramedMatcher:
    """A frame phrase right before an insult word: "son unos vagos"."""

    def __init__(self, frames: list[str], insults: list[str]) -> None:
        """Compiles one pattern: any frame, a space, any insult."""
        self._frames, self._insults = TermMatcher(frames), TermMatcher(insults)
        self._pattern = (re.compile(rf"\b{alternation(frames)} {alternation(insults)}\b")
                         if frames and insults else None)

    def find(self, words: str) -> str | None:
        """The frame and insult found, as listed, or None."""
        match = self._pattern.search(words) if self._pattern else None
        if not match:
            return None
        return f"{self._frames.listed(match.group(1))} {self._insults.listed(match.group(2))}"


class RuleMatcher:
    """Finds the first rule of a cue list all of whose phrases are in the text."""

    def __init__(self, rules: list[tuple[str, ...]]) -> None:
        """Single phrases in one pattern; rules of several phrases checked one by one."""
        self._single = TermMatcher([r[0] for r in rules if len(r) == 1])
        self._combined = [(r, [TermMatcher([p]) for p in r]) for r in rules if len(r) > 1]

    def find(self, words: str) -> str | None:
        """The rule found ("a + b" for a combined one), or None."""
        found = self._single.find(words)
        if found:
            return found
        for rule, matchers in self._combined:
            if all(m.find(words) for m in matchers):
                return " + ".join(rule)
        return None


def join_spelled(words: list[str]) -> list[str]:
    """Runs of two or more one-letter words joined: "h p" and "h.p" become "hp"."""
    joined: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        joined.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if word:
            joined.append(word)
    return joined


def disguise_forms(text: str) -> list[str]:
    """The plain text's words as written, spelled-out letters joined, signs inside words
    taken out, digits read as letters."""
    base = _EMAIL.sub(" ", plain(text))
    forms = [" ".join(words_of(base)), " ".join(join_spelled(words_of(base))),
             " ".join(_INNER_SIGNS.sub("", token) for token in base.split())]
    for table in _LEET:
        decoded = " ".join(
            token.translate(table) if _HAS_LETTER.search(token) and _HAS_DISGUISE.search(token)
            else token
            for token in base.split()
        )
        forms.append(" ".join(join_spelled(words_of(decoded))))
    return list(dict.fromkeys(forms))


def clauses(text: str) -> list[str]:
    """The folded words of each clause (text between punctuation marks)."""
    parts = _CLAUSE_BREAK.split(_EMAIL.sub(" ", text))
    return [words for part in parts if (words := " ".join(_WORD.findall(fold(part))))]


def foreign_link(text: str, allowed_domains: list[str]) -> str | None:
    """A link in the text to a site outside the allowed domains, or None."""
    for match in _LINK.finditer(_EMAIL.sub(" ", text.lower())):
        host = next(g for g in match.groups() if g).removeprefix("www.")
        if not any(host == d or host.endswith("." + d) for d in allowed_domains):
            return host
    return None


@dataclass(frozen=True)
class Lexicons:
    """The word lists of a lexicon folder, compiled."""

    offensive: TermMatcher
    insult_words: frozenset[str]
    addressed_insult: FramedMatcher
    commercial: RuleMatcher
    phone_cues: TermMatcher
    own_contact: TermMatcher
    exceptions: TermMatcher
    commercial_hints: TermMatcher
    allowed_domains: tuple[str, ...]

    @classmethod
    def load(cls, folder: Path, allowed_domains: list[str]) -> Lexicons:
        """Reads the folder; only `offensive.txt` and `commercial.txt` are required."""
        optional = {name: load_terms(folder / name) for name in _OPTIONAL_LISTS}
        addressed = optional["insults_addressed.txt"]
        domains = folder / "allowed_link_domains.txt"
        return cls(
            offensive=TermMatcher(load_terms(folder / "offensive.txt")),
            insult_words=frozenset(addressed + optional["insults_alone.txt"]),
            addressed_insult=FramedMatcher(optional["insult_frames.txt"], addressed),
            commercial=RuleMatcher(load_rules(folder / "commercial.txt")),
            phone_cues=TermMatcher(optional["commercial_phone_cues.txt"]),
            own_contact=TermMatcher(optional["own_contact.txt"]),
            exceptions=TermMatcher(optional["exceptions.txt"]),
            commercial_hints=TermMatcher(optional["commercial_hints.txt"]),
            allowed_domains=tuple(
                dict.fromkeys([*allowed_domains, *map(str.lower, load_lines(domains))])),
        )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ConductFilter(ConfigOnlyComponent, IntentClassifier):
    """Decides `offensive` and `commercial` from the word lists, whatever the classifier said."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after an intent classifier."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Word-list folder (relative to the working directory), allowed link domains,
        and how sure the classifier must be for its `commercial` to stand with a hint."""
        return {
            "lexicon_dir": "data/lexicons",
            "offensive_intent": "offensive",
            "commercial_intent": "commercial",
            "allowed_link_domains": ["gov.co"],
            "classifier_threshold": 0.9,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Loads the word lists named by the config."""
        super().__init__(config)
        self._lists = Lexicons.load(
            Path(config["lexicon_dir"]), list(config.get("allowed_link_domains") or []))

    @property
    def rule_intents(self) -> tuple[str, str]:
        """The intents only this filter may give."""
        return self._config["offensive_intent"], self._config["commercial_intent"]

    def offensive_reason(self, text: str) -> str | None:
        """What makes the text offensive, or None."""
        lists = self._lists
        for form in disguise_forms(text):
            words = lists.exceptions.mask(form)
            term = lists.offensive.find(words)
            if term:
                return f"word:{term}"
            term = lists.addressed_insult.find(words)
            if term:
                return f"insult:{term}"
        for token in plain(text).split():
            term = lists.offensive.find_censored(token)
            if term:
                return f"word:{term}"
        return self._insult_alone(text)

    def _insult_alone(self, text: str) -> str | None:
        """An insult that is a clause by itself ("vagos, trabajen"), or None."""
        insult_words = self._lists.insult_words
        for clause in clauses(text):
            words = self._lists.exceptions.mask(clause).split()
            insults = [w for w in words if w in insult_words]
            if insults and all(w in insult_words or w in _FILLERS for w in words):
                return f"insult:{insults[0]}"
        return None

    def _commercial_words(self, text: str) -> str:
        """The plain words of the text, e-mail addresses and exceptions taken out."""
        return self._lists.exceptions.mask(" ".join(words_of(_EMAIL.sub(" ", plain(text)))))

    def _others_phone(self, text: str, words: str) -> bool:
        """A phone number that the citizen does not give as their own (`own_contact.txt`)."""
        return bool(_PHONE.search(text)) and not self._lists.own_contact.find(words)

    def commercial_reason(self, text: str) -> str | None:
        """What makes the text commercial, or None."""
        lists = self._lists
        words = self._commercial_words(text)
        cue = lists.commercial.find(words)
        if cue:
            return f"cue:{cue}"
        host = foreign_link(text, list(lists.allowed_domains))
        if host:
            return f"link:{host}"
        if self._others_phone(text, words):
            cue = lists.phone_cues.find(words)
            if cue:
                return f"phone:{cue}"
        return None

    def check(self, text: str) -> tuple[str, str] | None:
        """(intent, reason) when the text breaks a chat rule, else None."""
        reason = self.offensive_reason(text)
        if reason:
            return self._config["offensive_intent"], reason
        reason = self.commercial_reason(text)
        if reason:
            return self._config["commercial_intent"], reason
        return None

    def commercial_hint(self, text: str) -> str | None:
        """A hint of commercial intent (`commercial_hints.txt`, a link, a phone), or None."""
        words = self._commercial_words(text)
        hint = self._lists.commercial_hints.find(words)
        if hint:
            return hint
        if _LINK.search(plain(text)):
            return "link"
        if self._others_phone(text, words):
            return "phone"
        return None

    def insult_hint(self, text: str) -> str | None:
        """A word of `insults_addressed.txt` or `insults_alone.txt` anywhere in the text
        ("inútiles", "ladrones"), whatever frames it, or None."""
        words = self._lists.exceptions.mask(" ".join(words_of(plain(text)))).split()
        return next((word for word in words if word in self._lists.insult_words), None)

    def classifier_verdict(self, message: Message) -> tuple[str, str, float] | None:
        """(intent, reason, confidence) when a sure `commercial` or `offensive` of the
        classifier and a hint of it agree, else None."""
        top = message.get(INTENT) or {}
        name = top.get(INTENT_NAME_KEY)
        confidence = float(top.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if confidence < float(self._config["classifier_threshold"]):
            return None
        text = message.get(TEXT) or ""
        if name == self._config["commercial_intent"]:
            hint = self.commercial_hint(text)
        elif name == self._config["offensive_intent"]:
            hint = self.insult_hint(text)
        else:
            return None
        return (name, f"classifier+hint:{hint}", confidence) if hint else None

    def _override(self, message: Message, intent_name: str, reason: str,
                  confidence: float = 1.0) -> None:
        """Sets the rule's intent (full confidence for a list's match) and records why."""
        intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: confidence}
        # The classifier's other guesses stay, at most half as confident, so
        # that a later FallbackClassifier does not find the override ambiguous.
        ranking = [
            {**r, PREDICTED_CONFIDENCE_KEY: 0.5 * float(r.get(PREDICTED_CONFIDENCE_KEY) or 0)}
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) not in (*self.rule_intents, FALLBACK_INTENT)
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        message.set(CONDUCT_KEY, {"rule": intent_name, "reason": reason}, add_to_output=True)

    def _demote(self, message: Message) -> None:
        """Takes the rule intents out of the classifier's guesses.

        When one was the top intent, the next guess becomes the intent with its own
        confidence (none left: no intent), for the FallbackClassifier to judge.
        """
        ranking = message.get(INTENT_RANKING_KEY) or []
        kept = [r for r in ranking if r.get(INTENT_NAME_KEY) not in self.rule_intents]
        top = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if top in self.rule_intents:
            intent = dict(kept[0]) if kept else {INTENT_NAME_KEY: None,
                                                 PREDICTED_CONFIDENCE_KEY: 0.0}
            message.set(INTENT, intent, add_to_output=True)
        if len(kept) != len(ranking):
            message.set(INTENT_RANKING_KEY, kept, add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        """Marks messages that break a chat rule; demotes the classifier's guesses of one."""
        for message in messages:
            verdict = self.check(message.get(TEXT) or "") or self.classifier_verdict(message)
            if verdict is None:
                self._demote(message)
            else:
                self._override(message, *verdict)
        return messages
