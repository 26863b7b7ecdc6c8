"""P4 and P5: checking what was understood, and asking for detail when it was not."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import answer, topic_words
from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import (
    consecutive_unclear,
    pending_question,
    previous_action,
    question_label,
)
from store.metrics import FALLBACK, FAQ_ANSWERED, PQRD_ESCALATION, record_event_safely

PENDING_LABEL = "pending_label"
# Unclear messages in a row after which the bot stops asking and offers other ways (P4).
UNCLEAR_BEFORE_OFFER = 3


def offer_other_ways(dispatcher: CollectingDispatcher, staffed_now: bool) -> None:
    """The PQRD form and, during staffed hours, an agent."""
    dispatcher.utter_message(response="utter_offer_pqrd")
    if staffed_now:
        dispatcher.utter_message(response="utter_offer_agent")


class ActionConfirmUnderstanding(TenjoAction):
    """P5: "Entiendo que su consulta es sobre …. ¿Es correcto?"."""

    def name(self) -> str:
        """Action name."""
        return "action_confirm_understanding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Paraphrases the uncertain label and remembers it in `pending_label`."""
        found = question_label(tracker.latest_message or {})
        label = found[0] if found else tracker.get_slot(PENDING_LABEL)
        words = topic_words(domain, label) if label else None
        if not words:
            dispatcher.utter_message(response="utter_ask_detail")
            return [SlotSet(PENDING_LABEL, None)]
        dispatcher.utter_message(response="utter_confirm_topic", topic=words)
        return [SlotSet(PENDING_LABEL, label)]


class ActionAnswerPending(TenjoAction):
    """Answers the question left pending (before the name, or confirmed by "sí")."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_pending"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Answers a certain question; an uncertain one goes to the paraphrase first."""
        confirmed = tracker.get_slot(PENDING_LABEL)
        if confirmed and previous_action(tracker) == "action_confirm_understanding":
            label, certain = confirmed, True
        else:
            label, certain = pending_question(tracker) or (None, True)
        if label is None:
            return [SlotSet(PENDING_LABEL, None), SlotSet(NEXT_STEP, "how_can_help")]
        if not certain:
            return [SlotSet(PENDING_LABEL, label), SlotSet(NEXT_STEP, "confirm")]
        step = answer(label, dispatcher, tracker, domain, self.settings)
        url = self.settings.database_url
        if step == "ask_satisfaction" and label.startswith("faq/"):
            record_event_safely(url, tracker.sender_id, FAQ_ANSWERED, self.now(), value=label)
        elif step == "ask_satisfaction" and label == "complex_request":
            record_event_safely(url, tracker.sender_id, PQRD_ESCALATION, self.now())
        return [SlotSet(PENDING_LABEL, None), SlotSet(NEXT_STEP, step)]


class ActionClarify(TenjoAction):
    """P4: asks for detail; after two failed clarifications, offers PQRD and an agent."""

    def name(self) -> str:
        """Action name."""
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Asks for detail, or offers the other ways; an unclear message is kept for editors."""
        latest = tracker.latest_message or {}
        if (latest.get("intent") or {}).get("name") == "nlu_fallback" and latest.get("text"):
            record_event_safely(self.settings.database_url, tracker.sender_id, FALLBACK,
                                self.now(), text=latest["text"])
        if consecutive_unclear(tracker) >= UNCLEAR_BEFORE_OFFER:
            offer_other_ways(dispatcher, self.staffed_now())
        else:
            dispatcher.utter_message(response="utter_ask_detail")
        return [SlotSet(PENDING_LABEL, None)]
