"""One hand-off (A3): take it, chat with the citizen, close it with an outcome."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from console.auth import require_login
from console.presenters import OUTCOME_LABELS, agent_names, handoff_json, message_json
from console.relay import RelayError
from console.web import db, now, problem, services, wants_json
from store.activity import touch
from store.clock import system_clock
from store.handoffs import (
    AGENT_OUTCOMES,
    TAKEN,
    HandoffUnavailable,
    add_message,
    close_handoff,
    get_handoff,
    mark_agent_typing,
    messages_after,
    take_handoff,
)
from store.models import Handoff

blueprint = Blueprint("handoffs", __name__, url_prefix="/console")
blueprint.before_request(require_login)
log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 2000
NOT_FOUND = "Esta conversación no existe."
TAKEN_BY_OTHER = "Otro funcionario ya atiende esta conversación."
NOT_WAITING = "Esta conversación ya no está en espera."
NOT_OWNER = "Solo el funcionario que atiende esta conversación puede responder o cerrarla."
NOT_OPEN = "Esta conversación ya terminó."
EMPTY_REPLY = "Escriba un mensaje antes de enviarlo."
LONG_REPLY = (
    f"El mensaje supera el límite de {MAX_REPLY_CHARS} caracteres. "
    "Por favor divídalo en mensajes más cortos."
)
BAD_OUTCOME = "Seleccione el resultado de la atención antes de cerrar la conversación."
NOT_DELIVERED = (
    "El mensaje quedó guardado pero no se pudo entregar; se entregará con el siguiente."
)
TAKE_NOT_ANNOUNCED = (
    "Usted atiende esta conversación, pero no fue posible avisarle al ciudadano. "
    "Su primer mensaje le llegará cuando el asistente esté disponible."
)
CLOSE_NOT_ANNOUNCED = (
    "La conversación quedó cerrada, pero no fue posible avisarle al ciudadano."
)
CLOSED_OK = (
    "Conversación cerrada. El asistente le preguntará al ciudadano si la respuesta fue "
    "satisfactoria."
)
OUTCOME_CHOICES = [(outcome, OUTCOME_LABELS[outcome]) for outcome in AGENT_OUTCOMES]


def _trigger(handoff: Handoff, intent: str, entities: dict) -> bool:
    """Passes an event to the bot; False (logged) when Rasa could not take it."""
    try:
        services().relay.trigger(handoff.conversation_id, intent, entities)
    except RelayError as error:
        log.warning("%s for hand-off %s not relayed: %s", intent, handoff.id, error)
        return False
    return True


def _field(name: str) -> str:
    """A field of the JSON body or of the form."""
    data = request.get_json(silent=True) if request.is_json else request.form
    value = data.get(name) if isinstance(data, dict) or hasattr(data, "getlist") else None
    return value if isinstance(value, str) else ""


def _own_open_handoff(handoff_id: int) -> tuple[Handoff | None, object | None]:
    """The hand-off if the current agent serves it now; otherwise the error answer."""
    handoff = get_handoff(db(), handoff_id)
    if handoff is None:
        return None, problem(404, NOT_FOUND)
    if handoff.agent_id != current_user.id:
        return None, problem(403, NOT_OWNER)
    if handoff.status != TAKEN:
        return None, problem(409, NOT_OPEN, status=handoff.status)
    return handoff, None


@blueprint.post("/handoffs/<int:handoff_id>/take")
def take(handoff_id: int):
    """Takes a waiting hand-off; 409 when another agent was first."""
    session = db()
    try:
        handoff = take_handoff(session, handoff_id, current_user.id, now())
    except HandoffUnavailable:
        handoff = get_handoff(session, handoff_id)
        if handoff is None:
            return problem(404, NOT_FOUND)
        if handoff.status == TAKEN and handoff.agent_id == current_user.id:
            return _taken_answer(handoff, warning=None)  # a double click
        message = TAKEN_BY_OTHER if handoff.status == TAKEN else NOT_WAITING
        if wants_json():
            return jsonify({"error": message, "status": handoff.status}), 409
        flash(message, "error")
        return redirect(url_for("queue.index"))
    announced = _trigger(
        handoff, "EXTERNAL_handoff_taken", {"agent_name": current_user.display_name}
    )
    return _taken_answer(handoff, warning=None if announced else TAKE_NOT_ANNOUNCED)


def _taken_answer(handoff: Handoff, warning: str | None):
    url = url_for("handoffs.chat", handoff_id=handoff.id)
    if wants_json():
        return jsonify({"id": handoff.id, "status": handoff.status, "url": url, "warning": warning})
    if warning:
        flash(warning, "warning")
    return redirect(url)


@blueprint.get("/handoffs/<int:handoff_id>")
def chat(handoff_id: int):
    """The chat page; static/chat.js polls for new messages."""
    session = db()
    handoff = get_handoff(session, handoff_id)
    if handoff is None:
        return problem(404, NOT_FOUND)
    messages = messages_after(session, handoff.id)
    names = agent_names(session, messages)
    moment = now()
    texts = services().texts
    return render_template(
        "chat.html",
        handoff=handoff_json(handoff, texts, moment),
        messages=[message_json(m, handoff, names) for m in messages],
        is_owner=handoff.agent_id == current_user.id and handoff.status == TAKEN,
        scripts=texts.scripts_at(moment),
        outcomes=OUTCOME_CHOICES,
        max_reply=MAX_REPLY_CHARS,
    )


@blueprint.get("/api/handoffs/<int:handoff_id>/messages")
def api_messages(handoff_id: int):
    """Messages after `after` (an id), with the hand-off's state."""
    after = request.args.get("after", "0")
    if not after.isdigit():
        return problem(400, "El parámetro after debe ser un número.")
    session = db()
    handoff = get_handoff(session, handoff_id)
    if handoff is None:
        return problem(404, NOT_FOUND)
    messages = messages_after(session, handoff.id, int(after))
    names = agent_names(session, messages)
    moment = now()
    return jsonify(
        {
            "handoff": handoff_json(handoff, services().texts, moment),
            "is_owner": handoff.agent_id == current_user.id and handoff.status == TAKEN,
            "greeting": services().texts.greeting(moment).text,
            "messages": [message_json(m, handoff, names) for m in messages],
        }
    )


@blueprint.post("/handoffs/<int:handoff_id>/messages")
def reply(handoff_id: int):
    """Stores the agent's reply and asks the bot to deliver it."""
    handoff, error = _own_open_handoff(handoff_id)
    if error is not None:
        return error
    text = _field("text").strip()
    if not text:
        return problem(400, EMPTY_REPLY)
    if len(text) > MAX_REPLY_CHARS:
        return problem(400, LONG_REPLY)
    message = add_message(db(), handoff.id, "agent", text, now(), agent_id=current_user.id)
    # The citizen has something to answer: their silence counts from now (P3).
    touch(db(), handoff.conversation_id, system_clock(), create=False)
    body = message_json(message, handoff, {current_user.id: current_user.display_name})
    delivered = _trigger(handoff, "EXTERNAL_agent_message", {"message_id": message.id})
    if not wants_json():
        if not delivered:
            flash(NOT_DELIVERED, "warning")
        return redirect(url_for("handoffs.chat", handoff_id=handoff.id))
    if not delivered:
        return jsonify({"error": NOT_DELIVERED, "message": body}), 502
    return jsonify({"message": body}), 201


@blueprint.post("/handoffs/<int:handoff_id>/typing")
def typing(handoff_id: int):
    """The agent is typing a reply: the citizen's widget says so for a few seconds."""
    handoff, error = _own_open_handoff(handoff_id)
    if error is not None:
        return error
    mark_agent_typing(db(), handoff.id, current_user.id, now())
    return "", 204


@blueprint.post("/handoffs/<int:handoff_id>/close")
def close(handoff_id: int):
    """Closes the hand-off with an outcome; the bot then asks about satisfaction."""
    handoff, error = _own_open_handoff(handoff_id)
    if error is not None:
        return error
    outcome = _field("outcome")
    if outcome not in AGENT_OUTCOMES:
        return problem(400, BAD_OUTCOME)
    try:
        handoff = close_handoff(db(), handoff.id, outcome, now(), agent_id=current_user.id)
    except HandoffUnavailable:
        return problem(409, NOT_OPEN)
    announced = _trigger(handoff, "EXTERNAL_handoff_closed", {})
    warning = None if announced else CLOSE_NOT_ANNOUNCED
    if wants_json():
        return jsonify({"id": handoff.id, "status": handoff.status, "outcome": outcome,
                        "warning": warning, "url": url_for("queue.index")})
    flash(warning or CLOSED_OK, "warning" if warning else "info")
    return redirect(url_for("queue.index"))
