"""P15: an answer by e-mail when the conversation is cut or nobody can attend now.

Offer → personal-data notice (Ley 1581 de 2012) and an explicit question for
consent → the address. Without a "sí" to the consent question nothing is stored; in an
editor's preview conversation nothing is stored at all.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import citizen_question, intent_of, session_events
from actions.preview import preview_editor
from store.db import session_for
from store.followups import record_follow_up
from store.handoffs import open_handoff

HANDOFF = "handoff"
# An editor's preview (actions/preview.py) stores no address: a note says so.
PREVIEW_NO_FOLLOW_UP = "utter_preview_no_follow_up"


def _intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def email_in(message: dict[str, Any]) -> str | None:
    """The e-mail address (entity `correo`) in a parsed message, if any."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "correo" and "@" in str(entity.get("value") or ""):
            return str(entity["value"]).strip()
    return None


def email_since_offer(tracker: Tracker) -> str | None:
    """An address the citizen wrote after the offer, before or with the consent."""
    found = None
    for event in reversed(session_events(tracker)):
        if event.get("event") == "action" and event.get("name") in (
            "action_request_human", "action_handoff_expired"
        ):
            break
        if event.get("event") == "user" and intent_of(event) != "deny":
            found = found or email_in(event.get("parse_data") or {})
    return found


class ActionFollowUpContact(TenjoAction):
    """Runs the offer, consent and address steps according to `next_step`."""

    def name(self) -> str:
        """Action name."""
        return "action_follow_up_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """One step of the dialogue; stores the address only after consent."""
        step, intent = tracker.get_slot(NEXT_STEP), _intent(tracker)
        if step == "offer_follow_up":
            if intent == "deny":
                return self._declined(dispatcher, tracker, "utter_follow_up_declined")
            return self._ask_consent(dispatcher)
        if step == "ask_consent":
            if intent == "affirm":
                email = email_since_offer(tracker)
                if email:
                    return self._save(dispatcher, tracker, email)
                dispatcher.utter_message(response="utter_ask_email")
                return [SlotSet(NEXT_STEP, "ask_email")]
            if intent == "deny":
                return self._declined(dispatcher, tracker, "utter_follow_up_declined")
            dispatcher.utter_message(response="utter_consent_needed")
            return self._ask_consent(dispatcher, notice=False)
        if step == "ask_email":
            email = email_in(tracker.latest_message or {})
            if email:
                return self._save(dispatcher, tracker, email)
            if intent == "deny":
                return self._declined(dispatcher, tracker, "utter_follow_up_declined")
            dispatcher.utter_message(response="utter_email_not_understood")
            return [SlotSet(NEXT_STEP, "ask_email")]
        return [SlotSet(NEXT_STEP, "listen")]

    def _ask_consent(self, dispatcher: CollectingDispatcher, notice: bool = True) -> list:
        if notice:
            dispatcher.utter_message(response="utter_data_notice")
        dispatcher.utter_message(response="utter_ask_consent")
        return [SlotSet(NEXT_STEP, "ask_consent")]

    def _after(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """While waiting for an agent the bot goes quiet again; otherwise, other questions."""
        if tracker.get_slot(HANDOFF) in ("waiting", "taken"):
            dispatcher.utter_message(response="utter_keep_waiting")
            return [SlotSet(NEXT_STEP, "listen")]
        return [SlotSet(NEXT_STEP, "ask_more_questions")]

    def _declined(self, dispatcher: CollectingDispatcher, tracker: Tracker, response: str) -> list:
        dispatcher.utter_message(response=response)
        return self._after(dispatcher, tracker)

    def _save(self, dispatcher: CollectingDispatcher, tracker: Tracker, email: str) -> list:
        if preview_editor(tracker.sender_id) is not None:
            dispatcher.utter_message(response=PREVIEW_NO_FOLLOW_UP)
            return self._after(dispatcher, tracker)
        now = self.now()
        with session_for(self.settings.database_url) as session:
            handoff = open_handoff(session, tracker.sender_id)
            record_follow_up(
                session,
                tracker.sender_id,
                email,
                consent_at=now,
                question=citizen_question(tracker),
                citizen_name=tracker.get_slot("nombre"),
                at=now,
                handoff_id=handoff.id if handoff is not None else None,
            )
        if handoff is not None:
            dispatcher.utter_message(response="utter_follow_up_on_hold", email=email)
        else:
            dispatcher.utter_message(response="utter_follow_up_recorded", email=email)
        return self._after(dispatcher, tracker)
