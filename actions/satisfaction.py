"""P11 and P12: satisfaction, other questions, and the farewell only when confirmed."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import previous_action
from actions.preview import preview_editor
from actions.understanding import offer_other_ways
from store.activity import close_conversation
from store.db import session_for
from store.followups import promised_email
from store.handoffs import end_open_handoff
from store.metrics import SATISFACTION, record_event_safely


class ActionHandleUnsatisfied(TenjoAction):
    """Not satisfied: apologises, asks for detail, offers PQRD and (when available) an agent."""

    def name(self) -> str:
        """Action name."""
        return "action_handle_unsatisfied"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sends the apology, the request for detail and the offers."""
        record_event_safely(self.settings.database_url, tracker.sender_id, SATISFACTION,
                            self.now(), value="no")
        dispatcher.utter_message(response="utter_unsatisfied")
        dispatcher.utter_message(response="utter_ask_detail")
        offer_other_ways(dispatcher, self.agent_available_now())
        return []


class ActionRecordSatisfied(TenjoAction):
    """P11 answered yes: recorded for the reports (A5); says nothing."""

    def name(self) -> str:
        """Action name."""
        return "action_record_satisfied"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Records the answer; the rule then asks for other questions."""
        record_event_safely(self.settings.database_url, tracker.sender_id, SATISFACTION,
                            self.now(), value="yes")
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
        if tracker.get_slot("handoff") == "waiting":
            return self._leave_queue(dispatcher, tracker)
        if previous_action(tracker) == "utter_ask_satisfaction":
            dispatcher.utter_message(response="utter_before_goodbye")
            return [SlotSet(NEXT_STEP, "ask_satisfaction")]
        if intent == "thank":
            dispatcher.utter_message(response="utter_you_are_welcome")
            return [SlotSet(NEXT_STEP, "ask_more_questions")]
        return [SlotSet(NEXT_STEP, "farewell")]

    def _leave_queue(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """A goodbye while waiting for an agent: out of the queue, e-mail kept if consented."""
        with session_for(self.settings.database_url) as session:
            handoff = end_open_handoff(session, tracker.sender_id, "abandoned", self.now())
            email = handoff and promised_email(session, tracker.sender_id, handoff.id)
        dispatcher.utter_message(response="utter_left_queue")
        if email:
            dispatcher.utter_message(response="utter_follow_up_promised", email=email)
        return [SlotSet("handoff", None), SlotSet(NEXT_STEP, "farewell")]


class ActionSayFarewell(TenjoAction):
    """P12: the farewell with the survey; no inactivity prompt follows it."""

    def name(self) -> str:
        """Action name."""
        return "action_say_farewell"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Says goodbye and records the chat as ended (it opens again if the citizen writes)."""
        dispatcher.utter_message(response="utter_farewell")
        if preview_editor(tracker.sender_id) is not None:  # not one of the Alcaldía's chats
            return []
        with session_for(self.settings.database_url) as session:
            close_conversation(session, tracker.sender_id, "farewell", self.wall_now(),
                               create=False)
        return []
