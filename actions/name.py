"""P2: the citizen's name, taken from "me llamo …", "soy …" or a bare name."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import actions_since_start, pending_question, question_label
from addons.word_shape import looks_like_mash

MAX_NAME_PROMPTS = 2
PARTICLES = {"de", "del", "la", "las", "los", "y"}
_INTRO = re.compile(
    r"^(?:(?:hola|buenos|buenas|buen|dias|dia|tardes|noches)\b[\s,.;:]*)*"
    r"(?:(?:mi nombre es|me llamo|me llaman|le habla|les habla|habla|soy|con|es)\s+)?",
)
_WORD = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)?$")
# Intents whose wording may be a bare name; a question gives a name only as an entity.
WORDING_INTENTS = {"inform_name", "greet", "nlu_fallback", "out_of_scope"}
# Answers to the name prompt that are not a name and call for no apology: asked again.
NO_APOLOGY_INTENTS = {"greet", "thank", "affirm"}
# Words that show a message is not (only) a name; folded spelling.
NOT_NAME_WORDS = {
    "hola", "buenas", "buenos", "dias", "tardes", "noches", "si", "no", "ok", "listo",
    "gracias", "bien", "mal", "que", "como", "donde", "cuando", "cual", "quien", "por",
    "para", "porque", "quiero", "necesito", "tengo", "necesita", "puedo", "favor",
    "alcaldia", "tenjo", "predial", "impuesto", "certificado", "sisben", "licencia",
    "senor", "senora", "senorita", "usted", "ustedes", "yo", "el", "ella", "un", "una",
    "mi", "su", "nombre", "llamo", "prefiero", "decir", "anonimo", "ninguno", "nada",
    "ayuda", "informacion", "pregunta", "consulta", "robot", "chat", "funcionario",
    "persona", "asesor", "hablar", "saber", "pagar", "sacar", "hacer", "tramite",
    "claro", "vale", "aqui", "estoy", "bueno", "vecino", "ciudadano",
    # commands typed by hand ("/restart" reaches the bot as "restart")
    "restart", "reiniciar", "start", "inicio", "menu", "help", "stop", "salir", "greet",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _title(word: str) -> str:
    return word.lower() if word.lower() in PARTICLES else word[:1].upper() + word[1:].lower()


def clean_name(candidate: str) -> str | None:
    """The name written properly, or None when the words cannot be a name."""
    words = candidate.strip(" .,;:").split()
    if not 1 <= len(words) <= 5:
        return None
    if words[0].lower() in PARTICLES or words[-1].lower() in PARTICLES:
        return None
    for word in words:
        if not _WORD.match(word) or len(word) > 20:
            return None
        folded = _fold(word)
        if word.lower() not in PARTICLES and folded in NOT_NAME_WORDS:
            return None
        if looks_like_mash(folded):  # "asdkjh", "qwer": keyboard mash is not a name
            return None
    if len(words) == 1 and len(words[0]) < 2:
        return None
    return " ".join(_title(w) for w in words)


def extract_name(
    text: str, entities: list[dict[str, Any]], from_wording: bool = True
) -> str | None:
    """The citizen's name from the `nombre` entity or (`from_wording`) the message's words."""
    if "?" in text or "¿" in text:
        return None
    for entity in entities:
        if entity.get("entity") == "nombre" and isinstance(entity.get("value"), str):
            name = clean_name(entity["value"])
            if name:
                return name
    if not from_wording:
        return None
    stripped = _INTRO.sub("", _fold(text).strip(), count=1)
    # Keep the citizen's own spelling (accents) for the words that remain.
    original_words = text.strip(" .,;:").split()
    remaining = stripped.strip(" .,;:").split()
    if not remaining:
        return None
    return clean_name(" ".join(original_words[-len(remaining) :]))


class ActionCaptureName(TenjoAction):
    """Takes the name (or its refusal) and moves on, answering a question left pending."""

    def name(self) -> str:
        """Action name."""
        return "action_capture_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sets `nombre` and the next step: ask again, answer the pending question, or ask."""
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        events: list[dict[str, Any]] = []
        name = None
        if intent not in ("refuse_name", "deny", "affirm"):
            name = extract_name(message.get("text") or "", message.get("entities") or [],
                                from_wording=intent in WORDING_INTENTS)
        if name:
            events.append(SlotSet("nombre", name))
            dispatcher.utter_message(response="utter_nice_to_meet_you", nombre=name)
        elif intent in ("refuse_name", "deny"):
            dispatcher.utter_message(response="utter_name_refused")
        elif question_label(message) is None and (
            actions_since_start(tracker).count("utter_ask_name") < MAX_NAME_PROMPTS
        ):
            if intent not in NO_APOLOGY_INTENTS:
                dispatcher.utter_message(response="utter_name_not_understood")
            return [*events, SlotSet(NEXT_STEP, "ask_name")]
        step = "answer_pending" if pending_question(tracker) else "how_can_help"
        return [*events, SlotSet(NEXT_STEP, step)]
