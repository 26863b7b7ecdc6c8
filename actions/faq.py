"""FAQ answers (retrieval intent `faq`), sent in blocks."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import current_facts, say_faq
from actions.base import TenjoAction
from actions.conversation import question_label
from store.metrics import FAQ_ANSWERED, record_event_safely


class ActionAnswerFaq(TenjoAction):
    """Sends the answer of the FAQ topic the response selector chose."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The topic's blocks; without a topic, the request for detail (P4)."""
        found = question_label(tracker.latest_message or {})
        facts = current_facts(self.settings.facts_path)
        if not found or not say_faq(dispatcher, domain, tracker, found[0], facts):
            dispatcher.utter_message(response="utter_ask_detail")
            return []
        record_event_safely(self.settings.database_url, tracker.sender_id, FAQ_ANSWERED,
                            self.now(), value=found[0])
        return []
