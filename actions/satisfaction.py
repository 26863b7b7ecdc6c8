"""P11 and P12: satisfaction, other questions, and the farewell only when confirmed."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import previous_action
from actions.understanding import offer_other_ways


class ActionHandleUnsatisfied(TenjoAction):
    """Not satisfied: apologises, asks for detail, offers PQRD and (staffed) an agent."""

    def name(self) -> str:
        """Action name."""
        return "action_handle_unsatisfied"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sends the apology, the request for detail and the offers."""
        dispatcher.utter_message(response="utter_unsatisfied")
        dispatcher.utter_message(response="utter_ask_detail")
        offer_other_ways(dispatcher, self.staffed_now())
        return []


class ActionHandleClosing(TenjoAction):
    """A goodbye or thanks: never a farewell while the satisfaction question is open."""

    def name(self) -> str:
        """Action name."""
        return "action_handle_closing"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Chooses between asking satisfaction again, other questions, and the farewell."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if previous_action(tracker) == "utter_ask_satisfaction":
            dispatcher.utter_message(response="utter_before_goodbye")
            return [SlotSet(NEXT_STEP, "ask_satisfaction")]
        if intent == "thank":
            dispatcher.utter_message(response="utter_you_are_welcome")
            return [SlotSet(NEXT_STEP, "ask_more_questions")]
        return [SlotSet(NEXT_STEP, "farewell")]
