"""Reading the conversation so far: pure functions over a rasa-sdk tracker's events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker

# Intents whose message asks for information the bot can answer.
QUESTION_INTENTS = {"faq", "ask_hours", "complex_request", "request_human"}
# Actions after which a question counts as answered (or as handed on).
ANSWER_ACTIONS = {
    "action_answer_faq",
    "action_tell_office_hours",
    "utter_escalate_pqrd",
    "action_escalate_pqrd",
    "action_answer_pending",
    "action_request_human",
    "action_confirm_understanding",
}
CONDUCT_INTENTS = {"offensive", "commercial"}
CHECK_INTENT = "check_understanding"
CLARIFY_ACTION = "action_clarify"
LISTEN = "action_listen"


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current session (after the last `session_started`)."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index + 1 :]
    return events


def intent_of(event: dict[str, Any]) -> str | None:
    """The intent name of a user event."""
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def user_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the citizen's messages."""
    return [e for e in events if e.get("event") == "user"]


def question_label(parse_data: dict[str, Any]) -> tuple[str, bool] | None:
    """(full label, certain) when the message is a question, else None.

    `faq` gives `faq/<topic>` from the response selector; `check_understanding`
    gives the uncertain label that the understanding check kept.
    """
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == CHECK_INTENT:
        label = (parse_data.get("understanding") or {}).get("label")
        return (label, False) if label else None
    if intent == "faq":
        selected = (parse_data.get("response_selector") or {}).get("faq") or {}
        key = (selected.get("response") or {}).get("intent_response_key")
        return (key, True) if key else None
    if intent in QUESTION_INTENTS:
        return intent, True
    return None


def previous_action(tracker: Tracker) -> str | None:
    """The last bot action before the citizen's latest message."""
    events = session_events(tracker)
    seen_user = False
    for event in reversed(events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != LISTEN:
            return event.get("name")
    return None


def actions_since_start(tracker: Tracker) -> list[str]:
    """Names of the actions run in this session, oldest first."""
    return [e.get("name") for e in session_events(tracker) if e.get("event") == "action"]


def pending_question(tracker: Tracker) -> tuple[str, bool] | None:
    """The latest question since the last answer: (label, certain), or None."""
    for event in reversed(session_events(tracker)):
        if event.get("event") == "action" and event.get("name") in ANSWER_ACTIONS:
            return None
        if event.get("event") == "user":
            found = question_label(event.get("parse_data") or {})
            if found:
                return found
    return None


def conduct_violations(tracker: Tracker) -> int:
    """How many of the citizen's messages in this session broke a chat rule."""
    return sum(1 for e in user_events(session_events(tracker)) if intent_of(e) in CONDUCT_INTENTS)


def consecutive_unclear(tracker: Tracker) -> int:
    """How many of the citizen's latest messages in a row the bot asked detail for (P4).

    The latest message counts (the bot is asking for detail now); an earlier one counts
    when the bot's first answer to it was `action_clarify`: an `nlu_fallback`, a "no" to
    the paraphrase, or a message that no rule fits in its state.
    """
    answers: list[str | None] = []
    for event in session_events(tracker):
        if event.get("event") == "user":
            answers.append(None)
        elif (
            event.get("event") == "action"
            and event.get("name") != LISTEN
            and answers
            and answers[-1] is None
        ):
            answers[-1] = event.get("name")
    if not answers:
        return 0
    count = 1
    for answered_by in reversed(answers[:-1]):
        if answered_by != CLARIFY_ACTION:
            break
        count += 1
    return count


# The text Rasa gives to an event sent through its HTTP API (`trigger_intent`).
EXTERNAL_TEXT_PREFIX = "EXTERNAL: "
# Citizen messages that carry no substance for an agent's answer.
SMALL_TALK_INTENTS = {
    "greet", "goodbye", "affirm", "deny", "thank", "inform_name", "refuse_name",
    "inform_contact", "bot_challenge", "ask_rules",
}


def is_external(message: dict[str, Any]) -> bool:
    """Whether the message came through Rasa's HTTP API, not typed by the citizen.

    A citizen can type `/EXTERNAL_x{…}` and Rasa takes it as that intent, but its
    text stays as typed; only the API gives the text `EXTERNAL: <intent>`.
    """
    intent = (message.get("intent") or {}).get("name") or ""
    return bool(intent) and message.get("text") == EXTERNAL_TEXT_PREFIX + intent


def is_withheld(event: dict[str, Any]) -> bool:
    """A citizen message that broke a chat rule: never shown to agents (P10)."""
    return intent_of(event) in CONDUCT_INTENTS


def transcript(tracker: Tracker) -> list[tuple[str, str, float]]:
    """(author, text, timestamp) of the session's messages, without withheld or API ones."""
    lines = []
    for event in session_events(tracker):
        text = (event.get("text") or "").strip()
        if not text:
            continue
        if event.get("event") == "user":
            parse_data = event.get("parse_data") or {}
            if is_withheld(event) or is_external({**parse_data, "text": event.get("text")}):
                continue
            lines.append(("citizen", text, float(event.get("timestamp") or 0)))
        elif event.get("event") == "bot":
            lines.append(("bot", text, float(event.get("timestamp") or 0)))
    return lines


def citizen_question(tracker: Tracker) -> str:
    """What the citizen asked in this session, for an answer by e-mail (P15)."""
    asked = []
    for event in user_events(session_events(tracker)):
        text = (event.get("text") or "").strip()
        parse_data = event.get("parse_data") or {}
        if not text or is_withheld(event) or is_external({**parse_data, "text": text}):
            continue
        if intent_of(event) in SMALL_TALK_INTENTS:
            continue
        asked.append(text)
    return "\n".join(asked)
