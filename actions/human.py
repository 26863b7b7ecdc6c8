"""Request for a person (P13/P14): outside staffed hours, the schedule and the PQRD form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import TenjoAction
from actions.office_hours import describe_next_opening, describe_schedule


class ActionRequestHuman(TenjoAction):
    """Tells when agents attend and offers the PQRD form.

    The live hand-off to an agent during staffed hours needs the agents' console
    (issue 3); until then the bot says plainly that it cannot transfer the chat.
    """

    def name(self) -> str:
        """Action name."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Outside hours: schedule and next opening; always: the PQRD form."""
        schedule = self.settings.schedule
        if self.staffed_now():
            dispatcher.utter_message(response="utter_agents_unavailable")
        else:
            dispatcher.utter_message(
                response="utter_agents_offline",
                schedule=describe_schedule(schedule),
                next_opening=describe_next_opening(self.now(), schedule),
            )
        dispatcher.utter_message(response="utter_pqrd_alternative")
        return []
