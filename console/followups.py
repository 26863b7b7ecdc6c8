"""Follow-ups by e-mail (A4, P15): the list, the answer sent by e-mail, marking done.

Nothing is sent without the citizen's recorded consent, checked again in the same
UPDATE that counts the attempt.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from console.auth import require_login
from console.mailer import MailError, build_message, compose, deliver, outbox_mode
from console.presenters import local_clock
from console.scripts import BOGOTA
from console.web import db, now, problem, services
from store.followups import (
    ANSWERED,
    DONE,
    FAILED,
    OPEN_STATUSES,
    ConsentRequired,
    FollowUpUnavailable,
    claim_for_sending,
    closed_follow_ups,
    get_follow_up,
    has_consent,
    mark_answered,
    mark_done,
    mark_failed,
    open_follow_ups,
)
from store.models import FollowUp

blueprint = Blueprint("followups", __name__, url_prefix="/console/followups")
blueprint.before_request(require_login)
log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 6000
MAX_NOTE_CHARS = 1000
ANSWER_PLACEHOLDER = "[Aquí va su respuesta]"
NOT_FOUND = "Este seguimiento no existe."
NOT_OPEN = "Este seguimiento ya fue respondido o cerrado."
CHANGED = (
    "Otro funcionario está enviando o ya envió una respuesta a este seguimiento. "
    "Revise su estado antes de intentarlo de nuevo."
)
NO_CONSENT = (
    "El ciudadano no dio su consentimiento para recibir correos (Ley 1581 de 2012): "
    "no se envió nada. Si le respondió por otro medio, márquelo como resuelto."
)
EMPTY_ANSWER = "Escriba la respuesta antes de enviarla."
LONG_ANSWER = f"La respuesta supera el límite de {MAX_ANSWER_CHARS} caracteres."
EMPTY_NOTE = "Indique cómo se resolvió (por ejemplo, por teléfono) antes de cerrarlo."
SENT = "La respuesta se envió por correo a {email}."
SENT_TO_OUTBOX = (
    "No hay servidor de correo configurado (SMTP_HOST): la respuesta no salió del equipo; "
    "quedó guardada en {path}."
)
FAILED_SEND = "No se pudo enviar el correo. {error} Puede reintentar el envío."
MARKED_DONE = "El seguimiento quedó cerrado sin enviar correo."
STATUS_LABELS = {
    "on_hold": "En espera: el ciudadano aún puede ser atendido en el chat",
    "cancelled": "Cancelado: un funcionario atendió al ciudadano en el chat",
    "pending": "Pendiente",
    FAILED: "El envío falló",
    ANSWERED: "Respondido por correo",
    DONE: "Cerrado sin correo",
}


def _view(follow_up: FollowUp) -> dict:
    """A follow-up as the pages show it."""
    created = follow_up.created_at.astimezone(BOGOTA)
    return {
        "id": follow_up.id,
        "citizen_name": follow_up.citizen_name or "Ciudadano sin nombre",
        "question": follow_up.question or "(sin texto de la pregunta)",
        "email": follow_up.email,
        "created": f"{created:%Y-%m-%d} {local_clock(follow_up.created_at)}",
        "consent": has_consent(follow_up),
        "consent_at": (f"{follow_up.consent_at.astimezone(BOGOTA):%Y-%m-%d %H:%M}"
                       if follow_up.consent_at else ""),
        "status": follow_up.status,
        "status_label": STATUS_LABELS.get(follow_up.status, follow_up.status),
        "attempts": follow_up.attempts,
        "last_error": follow_up.last_error,
        "answer": follow_up.answer or "",
        "open": follow_up.status in OPEN_STATUSES,
        "url": url_for("followups.detail", follow_up_id=follow_up.id),
    }


def _mail_mode() -> dict:
    settings = services().settings
    return {"outbox": outbox_mode(settings), "folder": str(settings.mail_outbox),
            "server": f"{settings.smtp_host}:{settings.smtp_port}"}


@blueprint.get("/")
def index():
    """Pending and failed follow-ups, oldest first, then the latest closed ones."""
    session = db()
    return render_template(
        "followups.html",
        open_items=[_view(f) for f in open_follow_ups(session)],
        closed_items=[_view(f) for f in closed_follow_ups(session)],
        mail=_mail_mode(),
    )


def _compose(follow_up: FollowUp, answer: str):
    return compose(services().texts, answer, follow_up.question, follow_up.citizen_name,
                   follow_up.created_at, now())


@blueprint.get("/<int:follow_up_id>")
def detail(follow_up_id: int):
    """The question, the answer form and the e-mail as the citizen will read it."""
    follow_up = get_follow_up(db(), follow_up_id)
    if follow_up is None:
        return problem(404, NOT_FOUND)
    draft = follow_up.answer if follow_up.status == FAILED else ""
    preview = _compose(follow_up, ANSWER_PLACEHOLDER)
    before, _, after = preview.body.partition(ANSWER_PLACEHOLDER)
    return render_template(
        "followup.html",
        item=_view(follow_up),
        draft=draft or "",
        preview={"subject": preview.subject, "before": before, "after": after},
        placeholder=ANSWER_PLACEHOLDER,
        mail=_mail_mode(),
        max_answer=MAX_ANSWER_CHARS,
        max_note=MAX_NOTE_CHARS,
    )


def _back(follow_up_id: int):
    return redirect(url_for("followups.detail", follow_up_id=follow_up_id))


def _seen_attempts() -> int:
    raw = request.form.get("attempts", "")
    return int(raw) if raw.isdigit() else -1


def _send(follow_up_id: int, answer: str):
    """Claims an attempt, sends, and records the result; answers with a redirect."""
    session = db()
    follow_up = get_follow_up(session, follow_up_id)
    if follow_up is None:
        return problem(404, NOT_FOUND)
    if not has_consent(follow_up):
        flash(NO_CONSENT, "error")
        return _back(follow_up_id)
    if follow_up.status not in OPEN_STATUSES:
        flash(NOT_OPEN, "warning")
        return _back(follow_up_id)
    if not answer:
        flash(EMPTY_ANSWER, "error")
        return _back(follow_up_id)
    if len(answer) > MAX_ANSWER_CHARS:
        flash(LONG_ANSWER, "error")
        return _back(follow_up_id)
    try:
        follow_up = claim_for_sending(session, follow_up_id, _seen_attempts())
    except ConsentRequired:
        flash(NO_CONSENT, "error")
        return _back(follow_up_id)
    except FollowUpUnavailable:
        flash(CHANGED, "warning")
        return _back(follow_up_id)
    settings, moment = services().settings, now()
    message = build_message(settings, follow_up.email, _compose(follow_up, answer), moment)
    try:
        where = deliver(settings, message)
    except MailError as error:
        log.warning("follow-up %s: e-mail not sent: %s", follow_up_id, error)
        mark_failed(session, follow_up_id, answer, current_user.id, str(error))
        flash(FAILED_SEND.format(error=error), "error")
        return _back(follow_up_id)
    mark_answered(session, follow_up_id, answer, current_user.id, moment)
    if outbox_mode(settings):
        flash(SENT_TO_OUTBOX.format(path=where), "warning")
    else:
        flash(SENT.format(email=follow_up.email), "info")
    return redirect(url_for("followups.index"))


@blueprint.post("/<int:follow_up_id>/send")
def send(follow_up_id: int):
    """Sends the agent's answer by e-mail."""
    return _send(follow_up_id, request.form.get("answer", "").strip())


@blueprint.post("/<int:follow_up_id>/retry")
def retry(follow_up_id: int):
    """Sends again the answer whose e-mail failed."""
    follow_up = get_follow_up(db(), follow_up_id)
    if follow_up is None:
        return problem(404, NOT_FOUND)
    if follow_up.status != FAILED:
        flash(NOT_OPEN, "warning")
        return _back(follow_up_id)
    return _send(follow_up_id, (follow_up.answer or "").strip())


@blueprint.post("/<int:follow_up_id>/done")
def done(follow_up_id: int):
    """Closes the follow-up without e-mail, with the agent's note."""
    note = request.form.get("note", "").strip()
    if not note:
        flash(EMPTY_NOTE, "error")
        return _back(follow_up_id)
    try:
        mark_done(db(), follow_up_id, note[:MAX_NOTE_CHARS], current_user.id, now())
    except FollowUpUnavailable:
        if get_follow_up(db(), follow_up_id) is None:
            return problem(404, NOT_FOUND)
        flash(NOT_OPEN, "warning")
        return _back(follow_up_id)
    flash(MARKED_DONE, "info")
    return redirect(url_for("followups.index"))
