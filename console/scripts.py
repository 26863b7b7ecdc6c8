"""Texts the console takes from domain.yml: protocol scripts (A3) and topic names (A2)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

log = logging.getLogger(__name__)

BOGOTA = ZoneInfo("America/Bogota")
NO_TOPIC = "Sin tema identificado"

# (key, label shown on the button, response in domain.yml); the greeting is chosen by time.
SCRIPTS = (
    ("how_can_help", "¿En qué le puedo ayudar?", "utter_how_can_help"),
    ("ask_detail", "Pedir más detalle (P4)", "utter_ask_detail"),
    ("inactivity", "¿Se encuentra en línea? (P3)", "utter_inactivity_prompt"),
    ("please_wait", "Espera (P6)", "utter_please_wait"),
    ("escalate_pqrd", "Remitir a PQRD (P8)", "utter_escalate_pqrd"),
    ("conduct_warning", "Advertencia de lenguaje (P9)", "utter_conduct_warning"),
    ("ask_satisfaction", "Pregunta de satisfacción (P11)", "utter_ask_satisfaction"),
    ("farewell", "Despedida y encuesta (P12)", "utter_farewell"),
)
PARTS_OF_DAY = ("morning", "afternoon", "evening")


@dataclass(frozen=True)
class Script:
    """One canned reply: a key for the page, its button label and the text."""

    key: str
    label: str
    text: str


def part_of_day(moment: datetime) -> str:
    """morning (before 12:00), afternoon (before 18:00) or evening, in Bogotá time."""
    hour = moment.astimezone(BOGOTA).hour
    if hour < 12:
        return "morning"
    return "afternoon" if hour < 18 else "evening"


def _first_text(variants: Any, name: str) -> str:
    for variant in variants or ():
        if isinstance(variant, dict) and variant.get("text") and not variant.get("condition"):
            return str(variant["text"])
    raise ValueError(f"domain.yml: the response {name} has no unconditional text")


def _greetings(variants: Any) -> dict[str, str]:
    greetings = {}
    for variant in variants or ():
        for condition in (variant or {}).get("condition") or ():
            if condition.get("name") == "part_of_day" and condition.get("value") in PARTS_OF_DAY:
                greetings[condition["value"]] = str(variant["text"])
    missing = [part for part in PARTS_OF_DAY if part not in greetings]
    if missing:
        raise ValueError(f"domain.yml: utter_greet has no variant for part_of_day {missing}")
    return greetings


@dataclass(frozen=True)
class DomainTexts:
    """The scripts (URLs filled in) and topic names, read from domain.yml."""

    greetings: dict[str, str]
    scripts: tuple[Script, ...]
    topics: dict[str, str]

    @classmethod
    def load(cls, path: Path, pqrd_url: str, survey_url: str) -> DomainTexts:
        """Reads the domain; ValueError when a script the console offers is missing."""
        with open(path, encoding="utf-8") as stream:
            responses = (yaml.safe_load(stream) or {}).get("responses") or {}

        def fill(text: str) -> str:
            return text.replace("{pqrd_url}", pqrd_url).replace("{survey_url}", survey_url)

        scripts = []
        for key, label, name in SCRIPTS:
            if name not in responses:
                raise ValueError(f"domain.yml: the response {name} is missing")
            scripts.append(Script(key, label, fill(_first_text(responses[name], name))))
        topics = {
            name.removeprefix("utter_topic_"): _first_text(variants, name)
            for name, variants in responses.items()
            if name.startswith("utter_topic_")
        }
        greetings = _greetings(responses.get("utter_greet"))
        greetings = {part: fill(text) for part, text in greetings.items()}
        return cls(greetings, tuple(scripts), topics)

    def greeting(self, moment: datetime) -> Script:
        """The P1 greeting for the time of day of `moment` in Bogotá."""
        return Script("greeting", "Saludo (P1)", self.greetings[part_of_day(moment)])

    def scripts_at(self, moment: datetime) -> list[Script]:
        """Every canned reply, the greeting first."""
        return [self.greeting(moment), *self.scripts]

    def topic_words(self, label: str | None) -> str:
        """The topic of a label (e.g. faq/sisben) in plain words, capitalised."""
        words = self.topics.get((label or "").replace("/", "_"))
        if not words:
            return NO_TOPIC
        return words[0].upper() + words[1:]


def _file_version(path: Path) -> tuple[int, int, int] | None:
    """(st_mtime_ns, st_size, st_ino) of the file; None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class DomainTextsSource:
    """The DomainTexts of domain.yml, reloaded when the file changes (mtime, size or inode).

    The first load raises like DomainTexts.load; a later failed reload keeps the previous
    texts and logs one error per file version.
    """

    def __init__(self, path: Path, pqrd_url: str, survey_url: str) -> None:
        self.path = Path(path)
        self.pqrd_url = pqrd_url
        self.survey_url = survey_url
        self._lock = threading.Lock()
        self._version = _file_version(self.path)
        self._texts = DomainTexts.load(self.path, pqrd_url, survey_url)

    def current(self) -> DomainTexts:
        """The texts of the file as it is now, or the last ones that loaded."""
        with self._lock:
            version = _file_version(self.path)
            if version != self._version:
                self._version = version  # tried once per version, good or bad
                try:
                    self._texts = DomainTexts.load(self.path, self.pqrd_url, self.survey_url)
                except Exception as error:  # a bad file must never break the console
                    log.error("domain.yml could not be reloaded, keeping the previous texts: "
                              "%s: %s", type(error).__name__, error)
                else:
                    log.info("domain.yml reloaded (%s)", self.path)
            return self._texts
