"""P13: "¿A qué hora atienden?"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import say_office_hours
from actions.base import TenjoAction


class ActionTellOfficeHours(TenjoAction):
    """The schedule, whether an agent is available now, and the next opening."""

    def name(self) -> str:
        """Action name."""
        return "action_tell_office_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sends the office-hours messages."""
        say_office_hours(dispatcher, self.settings, self.agent_available_now())
        return []
