"""Start of a session: the slots the responses need (greeting time, links, schedule)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import current_facts
from actions.base import DATA_NOTICE_SLOT, TenjoAction
from actions.office_hours import describe_schedule, part_of_day
from content.facts import Fact
from store.metrics import CONVERSATION_STARTED, record_event_safely


def data_policy_link(policy_url: str, facts: dict[str, Fact]) -> str:
    """Where the notice before the name sends the citizen: DATA_POLICY_URL, or while it
    is unset the website of the fact sheet."""
    if policy_url:
        return policy_url
    website = facts.get("tenjo_website")
    return f"el sitio web {website.value}" if website and website.sayable else \
        "el sitio web de la Alcaldía"


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
            SlotSet("data_policy_link", data_policy_link(
                settings.data_policy_url, current_facts(settings.facts_path))),
            SlotSet(DATA_NOTICE_SLOT, True),
            ActionExecuted("action_listen"),
        ]
