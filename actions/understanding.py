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
# P4 (protocol 3.4): the first unclear message in a row gets the clarification, the
# second the other ways (PQRD and, when staffed, an agent), and so on alternately.
UNCLEAR_BEFORE_OFFER = 2
# The bot's question the citizen was answering → the `next_step` whose rule
# (data/rules/understanding.yml) asks it again after the clarification.
REASKED_BY_RULE = {
    "utter_ask_satisfaction": "ask_satisfaction",
    "utter_ask_more_questions": "ask_more_questions",
    "action_confirm_understanding": "confirm",
    "utter_ask_name": "ask_name",
}
# Questions that wait in `next_step` (P15): action_clarify asks them again itself,
# and `next_step` keeps them so that their rules still take the answer.
REASKED_BY_CLARIFY = {
    "offer_follow_up": "utter_offer_follow_up_later",
    "ask_consent": "utter_ask_consent",
    "ask_email": "utter_ask_email",
}
WAITING_OFFER = "utter_offer_follow_up_waiting"


def offer_other_ways(dispatcher: CollectingDispatcher, agent_available: bool) -> None:
    """The PQRD form and, when an agent is available (R1), a person."""
    dispatcher.utter_message(response="utter_offer_pqrd")
    if agent_available:
        dispatcher.utter_message(response="utter_offer_agent")


def pending_prompt_step(tracker: Tracker) -> str:
    """The `next_step` that asks again the question the latest message left unanswered
    (an unclear message, or one that broke the chat rules).

    "listen" when no question was pending, or when the message was a "no" to the
    paraphrase (the paraphrase was wrong: it is not asked again).
    """
    waiting = tracker.get_slot(NEXT_STEP)
    if waiting in REASKED_BY_CLARIFY:
        return waiting
    previous = previous_action(tracker)
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if previous == "action_confirm_understanding" and (
        intent == "deny" or not tracker.get_slot(PENDING_LABEL)
    ):
        return "listen"
    if previous == "utter_ask_name" and tracker.get_slot("nombre"):
        return "listen"
    return REASKED_BY_RULE.get(previous or "", "listen")


def ask_waiting_question(dispatcher: CollectingDispatcher, tracker: Tracker, step: str) -> None:
    """Asks again the e-mail question that waits in `next_step` (P15), when `step` is one."""
    if step in REASKED_BY_CLARIFY:
        queued = step == "offer_follow_up" and tracker.get_slot("handoff") == "waiting"
        dispatcher.utter_message(response=WAITING_OFFER if queued else REASKED_BY_CLARIFY[step])


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
        step = answer(label, dispatcher, tracker, domain, self.settings, self.agent_available_now)
        url = self.settings.database_url
        if step == "ask_satisfaction" and label.startswith("faq/"):
            record_event_safely(url, tracker.sender_id, FAQ_ANSWERED, self.now(), value=label)
        elif step == "ask_satisfaction" and label == "complex_request":
            record_event_safely(url, tracker.sender_id, PQRD_ESCALATION, self.now())
        return [SlotSet(PENDING_LABEL, None), SlotSet(NEXT_STEP, step)]


class ActionClarify(TenjoAction):
    """P4: asks for detail, or offers the other ways; the pending question is asked again."""

    def name(self) -> str:
        """Action name."""
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Asks for detail or offers the other ways; an unclear message is kept for editors.

        Sets `next_step` to the question left pending, which a rule asks again (or
        this action, for the e-mail questions that wait in `next_step`).
        """
        latest = tracker.latest_message or {}
        if (latest.get("intent") or {}).get("name") == "nlu_fallback" and latest.get("text"):
            record_event_safely(self.settings.database_url, tracker.sender_id, FALLBACK,
                                self.now(), text=latest["text"])
        if consecutive_unclear(tracker) % UNCLEAR_BEFORE_OFFER == 0:
            offer_other_ways(dispatcher, self.agent_available_now())
        else:
            dispatcher.utter_message(response="utter_ask_detail")
        step = pending_prompt_step(tracker)
        ask_waiting_question(dispatcher, tracker, step)
        label = tracker.get_slot(PENDING_LABEL) if step == "confirm" else None
        return [SlotSet(PENDING_LABEL, label), SlotSet(NEXT_STEP, step)]
