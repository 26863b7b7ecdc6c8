"""Hand-offs and messages as the pages and the JSON API show them (Spanish labels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.scripts import BOGOTA, DomainTexts
from store.handoffs import CLOSED, EXPIRED, TAKEN, WAITING
from store.models import Agent, Handoff, HandoffMessage

NO_NAME = "Ciudadano sin nombre"
OUTCOME_LABELS = {
    "resolved": "Resuelta",
    "referred_pqrd": "Remitida a PQRD",
    "follow_up": "Requiere seguimiento por correo",
    "unresolved": "Sin resolver",
    "abandoned": "El ciudadano salió del chat",
    "conduct": "Terminada por incumplir las reglas del chat",
    "expired": "Nadie la atendió a tiempo",
    "interrupted": "El ciudadano dejó de responder y el chat se cerró",
}
BOT_LABEL = "Asistente virtual"


def local_iso(moment: datetime | None) -> str | None:
    """An aware time as ISO 8601 in Bogotá time (the pages show its HH:MM)."""
    return moment.astimezone(BOGOTA).isoformat(timespec="seconds") if moment else None


def local_clock(moment: datetime | None) -> str:
    """HH:MM in Bogotá time."""
    return moment.astimezone(BOGOTA).strftime("%H:%M") if moment else ""


def citizen_label(handoff: Handoff) -> str:
    """The citizen's name, or that they gave none."""
    return handoff.citizen_name or NO_NAME


def status_label(handoff: Handoff) -> str:
    """The hand-off's state in words."""
    if handoff.status == WAITING:
        return "En espera"
    if handoff.status == TAKEN:
        name = handoff.agent.display_name if handoff.agent else "un funcionario"
        return f"Atendida por {name}"
    if handoff.status == CLOSED:
        return f"Cerrada: {OUTCOME_LABELS.get(handoff.outcome, handoff.outcome or 'sin resultado')}"
    if handoff.status == EXPIRED:
        return "Vencida: nadie la atendió a tiempo"
    return handoff.status


def waiting_seconds(handoff: Handoff, now: datetime) -> int:
    """How long the citizen has waited, in whole seconds."""
    return max(0, int((now - handoff.requested_at).total_seconds()))


def agent_names(session: Session, messages: list[HandoffMessage]) -> dict[int, str]:
    """Display names of the agents who wrote `messages`."""
    ids = {m.agent_id for m in messages if m.agent_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(ids)))
    return dict(rows.all())


def message_json(
    message: HandoffMessage, handoff: Handoff, names: dict[int, str]
) -> dict[str, Any]:
    """One transcript message."""
    if message.author == "citizen":
        label = citizen_label(handoff)
    elif message.author == "agent":
        label = names.get(message.agent_id, "Funcionario")
    else:
        label = BOT_LABEL
    return {
        "id": message.id,
        "author": message.author,
        "author_label": label,
        "text": message.text,
        "created_at": local_iso(message.created_at),
        "time": local_clock(message.created_at),
        "delivered": message.author != "agent" or message.delivered_at is not None,
    }


def handoff_json(handoff: Handoff, texts: DomainTexts, now: datetime) -> dict[str, Any]:
    """A hand-off's summary, without its messages."""
    return {
        "id": handoff.id,
        "citizen_name": citizen_label(handoff),
        "topic": handoff.topic,
        "topic_words": texts.topic_words(handoff.topic),
        "status": handoff.status,
        "status_label": status_label(handoff),
        "requested_at": local_iso(handoff.requested_at),
        "taken_at": local_iso(handoff.taken_at),
        "waiting_seconds": waiting_seconds(handoff, now),
        "url": url_for("handoffs.chat", handoff_id=handoff.id),
        "take_url": url_for("handoffs.take", handoff_id=handoff.id),
    }


def waiting_json(
    session: Session, handoff: Handoff, texts: DomainTexts, now: datetime
) -> dict[str, Any]:
    """A waiting hand-off with the conversation so far."""
    messages = list(handoff.messages)
    names = agent_names(session, messages)
    return {
        **handoff_json(handoff, texts, now),
        "messages": [message_json(m, handoff, names) for m in messages],
    }


def duration(seconds: int) -> str:
    """A waiting time in words: "45 s", "3 min 05 s", "1 h 02 min"."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
