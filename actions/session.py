"""Start of a session: the slots the responses need (greeting time, links, schedule)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import TenjoAction
from actions.office_hours import describe_schedule, part_of_day
from store.metrics import CONVERSATION_STARTED, record_event_safely


class ActionSessionStart(TenjoAction):
    """Starts a session and fills the slots that depend on settings and the clock."""

    def name(self) -> str:
        """Overrides Rasa's default `action_session_start`."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """SessionStarted, the slots, then listen (the greeting is a rule: P1)."""
        settings = self.settings
        record_event_safely(settings.database_url, tracker.sender_id, CONVERSATION_STARTED,
                            self.now())
        return [
            SessionStarted(),
            SlotSet("part_of_day", part_of_day(settings.clock())),
            SlotSet("pqrd_url", settings.pqrd_url),
            SlotSet("survey_url", settings.survey_url),
            SlotSet("schedule_text", describe_schedule(settings.schedule)),
            ActionExecuted("action_listen"),
        ]
