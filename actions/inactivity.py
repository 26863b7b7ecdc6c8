"""P3: "¿Se encuentra en línea?" after a silence, and the end of the chat after more,
also while an agent serves the citizen (the agent reads both in the transcript).

The web app's sweep decides when (timers in the store, see store/activity.py) and
wakes the bot through Rasa's HTTP API; these actions check the store, so a typed
`/EXTERNAL_inactivity_close` ends nothing.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import LISTEN, is_external, session_events
from store.activity import activity_of
from store.db import session_for
from store.handoffs import TAKEN, add_message, end_open_handoff, open_handoff

# What the agent reads in the transcript when the inactivity rule acts on a served chat.
AGENT_NOTE_PROMPT = "El asistente preguntó al ciudadano si se encuentra en línea (inactividad)."
AGENT_NOTE_CLOSED = (
    "El ciudadano no respondió y el asistente cerró el chat por inactividad. "
    "Si dejó un correo, la consulta quedó en Seguimientos."
)

# The questions the bot can ask again once the citizen confirms being there.
RESUMABLE = {
    "utter_ask_satisfaction": "ask_satisfaction",
    "utter_ask_more_questions": "ask_more_questions",
    "utter_ask_name": "ask_name",
}
PROMPT_ACTION = "action_inactivity_prompt"


def step_before_prompt(tracker: Tracker) -> str:
    """The question pending when the prompt was sent, as a `next_step` value."""
    seen_prompt = False
    for event in reversed(session_events(tracker)):
        if event.get("event") != "action" or event.get("name") == LISTEN:
            continue
        name = event.get("name")
        if name == PROMPT_ACTION:
            seen_prompt = True
            continue
        if seen_prompt:
            return RESUMABLE.get(name, "how_can_help")
    return "how_can_help"


class InactivityAction(TenjoAction):
    """Common ground: the store's record of the conversation's activity."""

    def note_for_agent(self, tracker: Tracker, text: str, close: bool = False) -> bool:
        """With an agent serving the citizen, the agent reads what happened; `close`
        ends the hand-off as interrupted (store/handoffs.py: a follow-up when the citizen
        left an address with consent)."""
        with session_for(self.settings.database_url) as session:
            handoff = open_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status != TAKEN:
                return False
            add_message(session, handoff.id, "bot", text, self.now())
            if close:
                end_open_handoff(session, tracker.sender_id, "interrupted", self.now())
            return True

    def activity(self, tracker: Tracker):
        """(prompted, closed for inactivity) as the store says."""
        with session_for(self.settings.database_url) as session:
            row = activity_of(session, tracker.sender_id)
            if row is None:
                return False, False
            return row.prompted_at is not None, row.close_reason == "inactivity"


class ActionInactivityPrompt(InactivityAction):
    """Asks whether the citizen is still there."""

    def name(self) -> str:
        """Action name."""
        return PROMPT_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Only when sent by the sweep and still due (the citizen did not write meanwhile)."""
        prompted, closed = self.activity(tracker)
        if is_external(tracker.latest_message or {}) and prompted and not closed:
            dispatcher.utter_message(response="utter_inactivity_prompt")
            self.note_for_agent(tracker, AGENT_NOTE_PROMPT)
        return [SlotSet(NEXT_STEP, "listen")]


class ActionResumeAfterPrompt(TenjoAction):
    """The citizen answered the prompt: the pending question is asked again."""

    def name(self) -> str:
        """Action name."""
        return "action_resume_after_prompt"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Thanks and goes back to where the conversation was."""
        dispatcher.utter_message(response="utter_thanks_for_confirming")
        return [SlotSet(NEXT_STEP, step_before_prompt(tracker))]


class ActionInactivityClose(InactivityAction):
    """Ends the chat after the whole silence (recorded by the sweep in the store)."""

    def name(self) -> str:
        """Action name."""
        return "action_inactivity_close"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The short closing message, the widget told, and the conversation paused."""
        _, closed = self.activity(tracker)
        if not (is_external(tracker.latest_message or {}) and closed):
            return [SlotSet(NEXT_STEP, "listen")]
        served = self.note_for_agent(tracker, AGENT_NOTE_CLOSED, close=True)
        dispatcher.utter_message(response="utter_inactivity_closed")
        dispatcher.utter_message(json_message={"chat_closed": {"reason": "inactivity"}})
        handoff_over = [SlotSet("handoff", None)] if served else []
        return [SlotSet(NEXT_STEP, "listen"), *handoff_over, ConversationPaused()]
