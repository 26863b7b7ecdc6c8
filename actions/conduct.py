"""P9 and P10: warning, then ending conversations that break the chat rules."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import conduct_violations, previous_action
from actions.preview import preview_editor
from actions.understanding import ask_waiting_question, pending_prompt_step
from store.activity import close_conversation
from store.db import session_for
from store.handoffs import end_open_handoff
from store.moderation import record_moderation

WARNINGS = {"offensive": "utter_conduct_warning", "commercial": "utter_commercial_warning"}
# Violations in one conversation after which it is ended.
VIOLATIONS_TO_END = 2


class ActionModerateConduct(TenjoAction):
    """Warns once, then asks again the question left pending; at the second violation
    says goodbye and ends the chat (paused)."""

    def name(self) -> str:
        """Action name."""
        return "action_moderate_conduct"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Records the violation (never its text) and warns or ends."""
        message = tracker.latest_message or {}
        rule = (message.get("intent") or {}).get("name") or "offensive"
        reason = (message.get("conduct") or {}).get("reason") or "classifier"
        ended = conduct_violations(tracker) >= VIOLATIONS_TO_END
        settings = self.settings
        if preview_editor(tracker.sender_id) is None:  # an editor's preview records nothing
            with session_for(settings.database_url) as session:
                record_moderation(
                    session,
                    tracker.sender_id,
                    rule,
                    reason,
                    "ended" if ended else "warned",
                    settings.clock(),
                )
                if ended:
                    end_open_handoff(session, tracker.sender_id, "conduct", settings.clock())
                    close_conversation(session, tracker.sender_id, "conduct", self.wall_now())
        if ended:
            dispatcher.utter_message(response="utter_conversation_ended")
            dispatcher.utter_message(json_message={"chat_closed": {"reason": "conduct"}})
            return [SlotSet(NEXT_STEP, "listen"), SlotSet("handoff", None), ConversationPaused()]
        dispatcher.utter_message(response=WARNINGS.get(rule, "utter_conduct_warning"))
        name_awaited = not tracker.get_slot("nombre") and previous_action(tracker) in (
            None,
            "utter_ask_name",
            "utter_greet",
        )
        step = "ask_name" if name_awaited else pending_prompt_step(tracker)
        ask_waiting_question(dispatcher, tracker, step)
        return [SlotSet(NEXT_STEP, step)]
