"""Giving an answer for a full label: FAQ topics in blocks, the office hours, P8, P14."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import TenjoAction
from actions.office_hours import (
    describe_next_opening,
    describe_schedule,
    holiday_name,
    is_open,
    to_bogota,
)
from actions.preview import active_overlay, overlay_facts
from actions.settings import Settings
from content.answers import render_blocks
from content.facts import Fact, FactSheetCache
from store.metrics import PQRD_ESCALATION, record_event_safely

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A turn sends at most this many messages (issue 17; tools/style_lint.py keeps every FAQ
# answer within it, with the satisfaction question that follows).
MAX_TURN_MESSAGES = 4


def response_text(domain: dict[str, Any], name: str) -> str | None:
    """The text of the first variation of a response in the domain, if any."""
    variations = (domain.get("responses") or {}).get(name) or []
    return variations[0].get("text") if variations else None


def fill_slots(text: str, slots: dict[str, Any]) -> str:
    """Replaces `{slot}` placeholders with slot values; unknown ones stay as written."""
    return _PLACEHOLDER.sub(
        lambda m: str(slots[m.group(1)]) if slots.get(m.group(1)) is not None else m.group(0),
        text,
    )


_fact_sheets: dict[Path, FactSheetCache] = {}


def current_facts(path: Path) -> dict[str, Fact]:
    """The fact sheet at `path` as it is now (reread when the file changed); in an
    editor's preview conversation, with that editor's fact drafts (actions/preview.py)."""
    cache = _fact_sheets.get(path)
    if cache is None:
        cache = _fact_sheets[path] = FactSheetCache(path)
    overlay = active_overlay()
    return cache.facts() if overlay is None else overlay_facts(cache.facts(), overlay)


def messages_this_turn(tracker: Tracker) -> int:
    """The bot messages already sent since the citizen's latest message."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            count += 1
    return count


def fit(parts: list[str], room: int) -> list[str]:
    """The blocks in at most `room` messages (at least one): the last ones joined by a
    line break (a blank line would not do: Rasa's channels send each part of a text
    between blank lines as a message of its own)."""
    room = max(room, 1)
    if len(parts) <= room:
        return parts
    return [*parts[: room - 1], "\n".join(parts[room - 1 :])]


def topic_words(domain: dict[str, Any], label: str) -> str | None:
    """The plain words for a label, from the response `utter_topic_<label>`."""
    return response_text(domain, "utter_topic_" + label.replace("/", "_"))


def say_faq(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    tracker: Tracker,
    label: str,
    facts: dict[str, Fact],
) -> bool:
    """Sends the answer of `faq/<topic>` block by block; False when nothing can be said.

    The blocks are built from the fact sheet (content/answers.py): a pending fact is left
    out and its block's alternative is said instead.

    After what the turn already said (the "Mucho gusto" of a name given before a pending
    question is answered), the last blocks share a message, so that with the satisfaction
    question the turn stays within `MAX_TURN_MESSAGES`.
    """
    text = response_text(domain, f"utter_{label}")
    said = render_blocks(fill_slots(text, tracker.slots), facts) if text else []
    if not said:
        return False
    room = MAX_TURN_MESSAGES - 1 - messages_this_turn(tracker)
    for block in fit(said, room):
        dispatcher.utter_message(text=block)
    return True


def say_office_hours(
    dispatcher: CollectingDispatcher, settings: Settings, agent_available: bool
) -> None:
    """P13: the schedule, whether an agent is there now (R1), and the next opening."""
    now = settings.clock()
    schedule = settings.schedule
    dispatcher.utter_message(response="utter_office_hours", schedule=describe_schedule(schedule))
    if is_open(now, schedule):
        if agent_available:
            dispatcher.utter_message(response="utter_office_open_now")
        else:
            dispatcher.utter_message(response="utter_office_open_nobody_available")
    else:
        opening = describe_next_opening(now, schedule)
        holiday = holiday_name(to_bogota(now).date(), schedule)
        if holiday:
            dispatcher.utter_message(
                response="utter_office_closed_holiday", holiday=holiday, next_opening=opening
            )
        else:
            dispatcher.utter_message(response="utter_office_closed_now", next_opening=opening)
    dispatcher.utter_message(response="utter_assistant_always_on")


def answer(
    label: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    settings: Settings,
    agent_available: Callable[[], bool],
) -> str:
    """Answers a certain label and returns the next step (see the `next_step` slot);
    `agent_available` is asked only for the office hours (it reads the store)."""
    if label.startswith("faq/") and say_faq(dispatcher, domain, tracker, label,
                                             current_facts(settings.facts_path)):
        return "ask_satisfaction"
    if label == "ask_hours":
        say_office_hours(dispatcher, settings, agent_available())
        return "ask_satisfaction"
    if label == "complex_request":
        dispatcher.utter_message(response="utter_escalate_pqrd")
        return "ask_satisfaction"
    if label == "request_human":
        return "request_human"
    dispatcher.utter_message(response="utter_ask_detail")
    return "listen"


class ActionEscalatePqrd(TenjoAction):
    """P8: a complex request goes to the PQRD form; counted for the reports (A5)."""

    def name(self) -> str:
        """Action name."""
        return "action_escalate_pqrd"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Sends the PQRD script and records the escalation."""
        dispatcher.utter_message(response="utter_escalate_pqrd")
        record_event_safely(self.settings.database_url, tracker.sender_id, PQRD_ESCALATION,
                            self.now())
        return []
