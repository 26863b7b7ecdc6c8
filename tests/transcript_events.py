"""Conversations for the transcript tests, written to Rasa's `events` table by the
project's tracker store (rasa_runtime.tracker_store, window off: stock Rasa's save), as
the Rasa server writes them: what the citizen typed, what the conduct filter withheld,
the web app's `EXTERNAL_…` pushes, the bot's answers and its delivery of an agent's
reply."""

from __future__ import annotations

from datetime import datetime, timedelta

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import TextSlot

from store.handoffs import add_message, close_handoff, request_handoff, take_handoff
from tests.tracker_events import TrackerEvents

__all__ = ["SECRET", "SLOTS", "TrackerEvents", "agent_reply_delivered", "answer", "citizen",
           "external", "greeting_trigger", "name_given", "opening", "served_conversation",
           "withheld"]

# The domain's slot that holds the citizen's name (TrackerEvents(url, SLOTS)).
SLOTS = (TextSlot("nombre", mappings=[]),)
# The text of a withheld message: it must never come out of the store.
SECRET = "Eres un IDIOTA, llame al 3001234567 zanahoria"


def opening(at: datetime) -> list[Event]:
    """A new session, as Rasa starts it."""
    moment = at.timestamp()
    return [ActionExecuted("action_session_start", timestamp=moment),
            SessionStarted(timestamp=moment), ActionExecuted("action_listen", timestamp=moment)]


def greeting_trigger(at: datetime) -> list[Event]:
    """The widget's hidden opening message and the bot's greeting with two buttons."""
    moment = at.timestamp()
    return [
        UserUttered("/greet", intent={"name": "greet", "confidence": 1.0}, timestamp=moment),
        ActionExecuted("utter_greet", timestamp=moment + 0.1),
        BotUttered("Buenos días. ¿Acepta el tratamiento de sus datos?", timestamp=moment + 0.2,
                   data={"buttons": [{"title": "Sí", "payload": "/affirm"},
                                     {"title": "No", "payload": "/deny"}]}),
        ActionExecuted("action_listen", timestamp=moment + 0.3),
    ]


def citizen(text: str, at: datetime, intent: str = "faq") -> list[Event]:
    """A message the citizen typed (the bot's answer is a separate call)."""
    return [UserUttered(text, intent={"name": intent, "confidence": 0.9},
                        timestamp=at.timestamp())]


def withheld(text: str, at: datetime, rule: str = "offensive") -> list[Event]:
    """A message the conduct filter caught (addons/conduct_filter.py sets the intent and
    the `conduct` key) and the bot's warning."""
    moment = at.timestamp()
    message = UserUttered(
        text, intent={"name": rule, "confidence": 1.0},
        parse_data={"intent": {"name": rule, "confidence": 1.0}, "entities": [],
                    "text": text, "conduct": {"rule": rule, "reason": "word:x"}},
        timestamp=moment,
    )
    return [message, ActionExecuted("action_moderate", timestamp=moment + 0.1),
            BotUttered("Le recordamos las reglas del chat.", timestamp=moment + 0.2),
            ActionExecuted("action_listen", timestamp=moment + 0.3)]


def answer(text: str, at: datetime, action: str = "action_answer_faq") -> list[Event]:
    """The bot's answer to the last message, then it listens."""
    moment = at.timestamp()
    return [ActionExecuted(action, timestamp=moment), BotUttered(text, timestamp=moment + 0.1),
            ActionExecuted("action_listen", timestamp=moment + 0.2)]


def name_given(name: str, at: datetime) -> list[Event]:
    """The citizen's name in the slot `nombre`."""
    return [SlotSet("nombre", name, timestamp=at.timestamp())]


def external(intent: str, at: datetime) -> list[Event]:
    """A push of the web app through Rasa's HTTP API (`trigger_intent`)."""
    pushed = UserUttered.create_external(intent)
    pushed.timestamp = at.timestamp()
    return [pushed]


def agent_reply_delivered(text: str, at: datetime) -> list[Event]:
    """`EXTERNAL_agent_message` and the bot passing the agent's reply to the citizen."""
    moment = at.timestamp()
    return [*external("EXTERNAL_agent_message", at),
            ActionExecuted("action_deliver_agent_message", timestamp=moment + 0.1),
            BotUttered(text, timestamp=moment + 0.2),
            ActionExecuted("action_listen", timestamp=moment + 0.3)]


def served_conversation(session, tracker_events: TrackerEvents, agent_id: int, start: datetime,
                        conversation: str = "c-served"):
    """From `start`, one minute a step: the greeting, "Sí" on a button, the name Marta, a
    question with accents, a withheld insult (`SECRET`), a hand-off the agent takes, an
    agent reply delivered, a typed `/EXTERNAL_…`, a reply not yet delivered, the close.
    Returns the hand-off."""

    def minute(n: int) -> datetime:
        return start + timedelta(minutes=n)

    tracker_events.add(conversation, *opening(minute(0)), *greeting_trigger(minute(0)))
    tracker_events.add(conversation, *citizen("/affirm", minute(1), "affirm"),
                       *answer("Gracias. ¿Cuál es su nombre?", minute(1), "utter_ask_name"))
    tracker_events.add(conversation, *citizen("Marta", minute(2), "inform_name"),
                       *name_given("Marta", minute(2)),
                       *answer("Con gusto, Marta.", minute(2), "utter_thanks_name"))
    tracker_events.add(conversation, *citizen("¿Cómo pago el impuesto PREDIAL?", minute(3)),
                       *answer("Puede pagarlo en línea.", minute(3)))
    tracker_events.add(conversation, *withheld(SECRET, minute(4)))
    tracker_events.add(conversation, *citizen("Quiero hablar con un funcionario", minute(5),
                                              "request_human"),
                       *answer("Por favor espere un momento.", minute(5),
                               "action_request_human"))
    handoff = request_handoff(session, conversation, "Marta", "faq/impuesto_predial",
                              [("citizen", "Quiero hablar con un funcionario", minute(5))],
                              minute(5))
    take_handoff(session, handoff.id, agent_id, minute(6))
    tracker_events.add(conversation, *external("EXTERNAL_handoff_taken", minute(6)),
                       *answer("Le atiende Ana Rodríguez.", minute(6), "action_handoff_taken"))
    delivered = add_message(session, handoff.id, "agent", "Buenos días, con gusto le ayudo.",
                            minute(7), agent_id)
    delivered.delivered_at = minute(7)
    session.commit()
    tracker_events.add(conversation, *agent_reply_delivered("Buenos días, con gusto le ayudo.",
                                                            minute(7)))
    tracker_events.add(conversation, *citizen("/EXTERNAL_handoff_closed", minute(8), "greet"))
    add_message(session, handoff.id, "agent", "Le envío el enlace del recibo.", minute(9),
                agent_id)
    close_handoff(session, handoff.id, "resolved", minute(10))
    return handoff
