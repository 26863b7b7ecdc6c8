"""P14: the hand-off to an agent, from the bot's side.

The store is the source of truth: the console changes a hand-off there, then
wakes the bot with an `EXTERNAL_…` intent through Rasa's HTTP API. Each action
here checks the store before acting, so a citizen who types
`/EXTERNAL_handoff_closed` can neither pose as an agent nor end a hand-off.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import NEXT_STEP, TenjoAction
from actions.conversation import is_external, pending_question, transcript
from actions.office_hours import describe_next_opening, describe_schedule
from actions.preview import preview_editor
from store.activity import touch
from store.db import session_for
from store.followups import promised_email
from store.handoffs import (
    CLOSED,
    EXPIRED,
    TAKEN,
    WAITING,
    add_message,
    latest_handoff,
    open_handoff,
    queue_position,
    record_position_told,
    request_handoff,
    take_undelivered_agent_messages,
)

HANDOFF = "handoff"
# An editor's preview (actions/preview.py) queues nobody: a note says what would happen.
PREVIEW_NO_HANDOFF = "utter_preview_no_handoff"
# Outcomes after which the citizen is asked whether the answer was satisfactory.
SERVED_OUTCOMES = ("resolved", "referred_pqrd", "follow_up", "unresolved")


def _at(timestamp: float, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc) if timestamp else fallback


def _latest_text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


class HandoffAction(TenjoAction):
    """Common ground: the store session and the handling of typed `/EXTERNAL_…` messages."""

    def store(self):
        """A store session (use it as a context manager)."""
        return session_for(self.settings.database_url)

    def restart_silence(self, tracker: Tracker) -> None:
        """The bot speaks again after the hand-off: the inactivity rule counts from now."""
        with self.store() as session:
            touch(session, tracker.sender_id, self.wall_now(), create=False)

    def place_in_line(self, tracker: Tracker) -> tuple[int, bool] | None:
        """(place in line, whether it changed since last told), recorded as told; None
        when the store shows no waiting hand-off for the conversation."""
        with self.store() as session:
            handoff = open_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status != WAITING:
                return None
            position = queue_position(session, handoff)
            changed = position != handoff.position_told
            if changed:
                record_position_told(session, handoff.id, position)
            return position, changed

    def resume_after_agent(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """The hand-off is over: the silence counts from now and the bot resumes (P11)."""
        self.restart_silence(tracker)
        dispatcher.utter_message(response="utter_handoff_ended")
        return [SlotSet(HANDOFF, None), SlotSet(NEXT_STEP, "ask_satisfaction")]

    def relay_typed_text(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """A message typed by the citizen that imitates an API event: kept for the agent.

        With a hand-off open it goes to the agent as the citizen's words (nothing said
        is lost); otherwise the bot asks for detail, as for any unclear message.
        """
        with self.store() as session:
            handoff = open_handoff(session, tracker.sender_id)
            if handoff is not None:
                add_message(session, handoff.id, "citizen", _latest_text(tracker), self.now())
                return [SlotSet(NEXT_STEP, "listen")]
        dispatcher.utter_message(response="utter_ask_detail")
        return [SlotSet(NEXT_STEP, "listen")]


class ActionRequestHuman(HandoffAction):
    """With an agent available (R1), queues the citizen; otherwise says why nobody can
    attend now (the schedule, or nobody available in staffed hours).

    Both end with the offer of an answer by e-mail (P15). In an editor's preview nobody
    is queued: a note says that a real conversation would be offered an agent here.
    """

    def name(self) -> str:
        """Action name."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Queues and tells the place in line, or tells when agents attend."""
        if not self.agent_available_now():
            if self.staffed_now():
                # R1: staffed hours, but no agent has the console open (or all are away).
                dispatcher.utter_message(response="utter_no_agent_available")
            else:
                schedule = self.settings.schedule
                dispatcher.utter_message(
                    response="utter_agents_offline",
                    schedule=describe_schedule(schedule),
                    next_opening=describe_next_opening(self.now(), schedule),
                )
            dispatcher.utter_message(response="utter_pqrd_alternative")
            dispatcher.utter_message(response="utter_offer_follow_up_later")
            return [SlotSet(NEXT_STEP, "offer_follow_up")]
        if preview_editor(tracker.sender_id) is not None:
            # No hand-off reaches the agents from a preview; the dialogue goes on as when
            # nobody can attend (the offer of an e-mail, which a preview does not record).
            dispatcher.utter_message(response=PREVIEW_NO_HANDOFF)
            dispatcher.utter_message(response="utter_offer_follow_up_later")
            return [SlotSet(NEXT_STEP, "offer_follow_up")]
        dispatcher.utter_message(response="utter_please_wait")
        now = self.now()
        lines = [(author, text, _at(when, now)) for author, text, when in transcript(tracker)]
        label = (pending_question(tracker) or (None, True))[0]
        with self.store() as session:
            handoff = request_handoff(
                session, tracker.sender_id, tracker.get_slot("nombre"), label, lines, now
            )
            position = queue_position(session, handoff)
            if position:
                record_position_told(session, handoff.id, position)
        if position:
            dispatcher.utter_message(response="utter_queued", position=position)
        dispatcher.utter_message(response="utter_offer_follow_up_waiting")
        return [SlotSet(HANDOFF, "waiting"), SlotSet(NEXT_STEP, "offer_follow_up")]


class ActionRelayToAgent(HandoffAction):
    """While handed off, the citizen's message goes to the agent and the bot stays quiet."""

    def name(self) -> str:
        """Action name."""
        return "action_relay_to_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Stores the message for the agent; if the hand-off ended meanwhile, resumes."""
        text = _latest_text(tracker)
        with self.store() as session:
            handoff = open_handoff(session, tracker.sender_id)
            if handoff is not None:
                if text:
                    add_message(session, handoff.id, "citizen", text, self.now())
                return []
        # The store says the hand-off ended but the bot was not told: resume the protocol.
        return self.resume_after_agent(dispatcher, tracker)


class ActionDeliverAgentMessage(HandoffAction):
    """Passes the agent's undelivered messages to the citizen, each once, in order."""

    def name(self) -> str:
        """Action name."""
        return "action_deliver_agent_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sends the texts the store holds (never the text of the event itself)."""
        if not is_external(tracker.latest_message or {}):
            return self.relay_typed_text(dispatcher, tracker)
        with self.store() as session:
            messages = take_undelivered_agent_messages(session, tracker.sender_id, self.now())
            texts = [message.text for message in messages]
        for text in texts:
            dispatcher.utter_message(text=text)
        return [SlotSet(NEXT_STEP, "listen")]


class ActionHandoffTaken(HandoffAction):
    """Tells the citizen that an agent took the conversation."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_taken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Only when the store says it is taken; the agent's name comes from the store."""
        if not is_external(tracker.latest_message or {}):
            return self.relay_typed_text(dispatcher, tracker)
        with self.store() as session:
            handoff = open_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status != TAKEN:
                return [SlotSet(NEXT_STEP, "listen")]
            agent_name = handoff.agent.display_name if handoff.agent else ""
        if agent_name:
            dispatcher.utter_message(response="utter_handoff_taken", agent_name=agent_name)
        else:
            dispatcher.utter_message(response="utter_handoff_taken_anonymous")
        return [SlotSet(HANDOFF, "taken"), SlotSet(NEXT_STEP, "listen")]


class ActionHandoffClosed(HandoffAction):
    """The agent closed the conversation: the bot resumes with P11."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_closed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Resumes only for a hand-off the store shows closed by its agent."""
        if not is_external(tracker.latest_message or {}):
            return self.relay_typed_text(dispatcher, tracker)
        with self.store() as session:
            handoff = latest_handoff(session, tracker.sender_id)
            closed = (
                handoff is not None
                and handoff.status == CLOSED
                and handoff.outcome in SERVED_OUTCOMES
            )
        if not closed or tracker.get_slot(HANDOFF) is None:
            return [SlotSet(NEXT_STEP, "listen")]
        if handoff.outcome != "follow_up":
            return self.resume_after_agent(dispatcher, tracker)
        # The agent said the answer goes by e-mail (P15): to the address left while
        # waiting (store/handoffs.py made it pending again), or the bot asks for one.
        with self.store() as session:
            email = promised_email(session, tracker.sender_id, handoff.id)
        self.restart_silence(tracker)
        dispatcher.utter_message(response="utter_handoff_ended")
        if email:
            dispatcher.utter_message(response="utter_follow_up_promised", email=email)
            return [SlotSet(HANDOFF, None), SlotSet(NEXT_STEP, "ask_satisfaction")]
        dispatcher.utter_message(response="utter_offer_follow_up_later")
        return [SlotSet(HANDOFF, None), SlotSet(NEXT_STEP, "offer_follow_up")]


class ActionHandoffExpired(HandoffAction):
    """Nobody took the hand-off in time: apology, PQRD, and the e-mail (P15)."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_expired"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Confirms the promised e-mail when the citizen left one, or offers it."""
        if not is_external(tracker.latest_message or {}):
            return self.relay_typed_text(dispatcher, tracker)
        with self.store() as session:
            handoff = latest_handoff(session, tracker.sender_id)
            if handoff is None or handoff.status != EXPIRED or tracker.get_slot(HANDOFF) is None:
                return [SlotSet(NEXT_STEP, "listen")]
            email = promised_email(session, tracker.sender_id, handoff.id)
        self.restart_silence(tracker)
        dispatcher.utter_message(response="utter_handoff_expired")
        dispatcher.utter_message(response="utter_pqrd_alternative")
        if email:
            dispatcher.utter_message(response="utter_follow_up_promised", email=email)
            return [SlotSet(HANDOFF, None), SlotSet(NEXT_STEP, "ask_more_questions")]
        dispatcher.utter_message(response="utter_offer_follow_up_later")
        return [SlotSet(HANDOFF, None), SlotSet(NEXT_STEP, "offer_follow_up")]


class ActionHandoffWaiting(HandoffAction):
    """R2: the citizen still waits; the place in line when it changed, and the wait wording."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_waiting"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Only while the store shows the conversation waiting; otherwise nothing."""
        if not is_external(tracker.latest_message or {}):
            return self.relay_typed_text(dispatcher, tracker)
        place = self.place_in_line(tracker)
        if place is None:
            return [SlotSet(NEXT_STEP, "listen")]
        position, changed = place
        if changed:
            dispatcher.utter_message(response="utter_queue_position", position=position)
        dispatcher.utter_message(response="utter_still_waiting")
        return [SlotSet(NEXT_STEP, "listen")]


class ActionHandoffReturned(HandoffAction):
    """The agent serving the citizen was deactivated: the chat is back in the queue."""

    def name(self) -> str:
        """Action name."""
        return "action_handoff_returned"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Tells the citizen and the new place in line, when the store shows it waiting."""
        if not is_external(tracker.latest_message or {}):
            return self.relay_typed_text(dispatcher, tracker)
        place = self.place_in_line(tracker)
        if place is None:
            return [SlotSet(NEXT_STEP, "listen")]
        position, _ = place
        dispatcher.utter_message(response="utter_handoff_returned")
        dispatcher.utter_message(response="utter_queue_position", position=position)
        return [SlotSet(HANDOFF, "waiting"), SlotSet(NEXT_STEP, "listen")]
