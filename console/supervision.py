"""Supervision: supervisors manage the console's accounts (supervisors only).

- `GET /console/supervision/` every account (username, name, roles, active,
  available now, conversations served now), the form that creates one and the
  audit log (the latest 50 actions).
- `POST /console/supervision/cuentas` creates an account (password typed twice).
- `GET /console/supervision/cuentas/<id>` one account: its conversations now, its
  roles, a new password, deactivation or reactivation, its own audit records.
- `POST …/cuentas/<id>/roles`, `…/clave`, `…/desactivar`, `…/reactivar`.

Every action records one audit record in the same transaction as the change
(store/agents.py, store/audit.py); the command line (`python -m console`) records
its actions with no actor. A supervisor can neither deactivate their own account
nor take away their own supervisor role, so an active supervisor always remains.

Deactivating an agent who is serving citizens returns those conversations to the
queue in their place in line (`store.handoffs.return_to_queue`: nothing is lost)
and tells each conversation's bot (`EXTERNAL_handoff_returned`); when Rasa cannot
be told, the supervisor sees a warning and the chats stay in the queue anyway.
The deactivated agent's session ends at their next request: console/auth.py loads
an inactive account as nobody.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from console.accounts import (
    ROLE_LABELS,
    AccountError,
    check_roles,
    create_account,
    reset_account_password,
)
from console.auth import require_role
from console.presenters import citizen_label, local_clock
from console.returns import return_agent_chats
from console.scripts import BOGOTA
from console.web import db, now, problem, services
from store.agents import (
    ROLES,
    SUPERVISOR,
    get_agent,
    list_agents,
    serving_counts,
    set_active,
    set_roles,
)
from store.audit import details, recent_records, records_about
from store.handoffs import handoffs_of_agent
from store.models import Agent, AuditRecord
from store.presence import is_available

blueprint = Blueprint("supervision", __name__, url_prefix="/console")
blueprint.before_request(require_role(SUPERVISOR))
log = logging.getLogger(__name__)

AUDIT_SHOWN = 50
NOT_FOUND = "Esta cuenta no existe."
MISSING_NAME = "Indique el nombre completo del funcionario."
MISMATCH = "Las contraseñas no coinciden. Escríbala dos veces igual."
CREATED = "Cuenta creada: {username} ({name})."
PASSWORD_SET = "La contraseña de {username} quedó cambiada. Comuníquesela por un medio seguro."
OWN_DEACTIVATION = "No puede desactivar su propia cuenta. Pídaselo a otro supervisor."
OWN_SUPERVISION = "No puede quitarse a sí mismo el rol de supervisión."
DEACTIVATED = "La cuenta de {username} quedó desactivada. Su sesión termina en su próxima acción."
ALREADY_INACTIVE = "La cuenta de {username} ya estaba desactivada."
RETURNED = {
    1: "La conversación que atendía volvió a la cola, en el mismo lugar.",
    "many": "Las {count} conversaciones que atendía volvieron a la cola, en el mismo lugar.",
}
NOT_TOLD = {
    1: "No fue posible avisarle al asistente de la conversación devuelta a la cola. "
       "Sigue en la cola: el ciudadano tendrá noticias con la próxima actualización.",
    "many": "No fue posible avisarle al asistente de {count} conversaciones devueltas a la "
            "cola. Siguen en la cola: cada ciudadano tendrá noticias con la próxima "
            "actualización.",
}
REACTIVATED = "La cuenta de {username} quedó activa de nuevo."
ALREADY_ACTIVE = "La cuenta de {username} ya estaba activa."
ROLES_SET = "Los roles de {username} quedaron así: {roles}."
ROLES_UNCHANGED = "Los roles de {username} no cambiaron."
ACTION_LABELS = {
    "created": "Creó la cuenta",
    "deactivated": "Desactivó la cuenta",
    "reactivated": "Reactivó la cuenta",
    "password_reset": "Cambió la contraseña",
    "roles_changed": "Cambió los roles",
}
COMMAND_LINE = "Línea de comandos"


def roles_label(roles: str) -> str:
    """The roles in words: "Atención del chat, Supervisión"."""
    return ", ".join(ROLE_LABELS.get(role, role) for role in (roles or "").split())


def _counted(messages: dict, count: int) -> str:
    """The singular or the plural message for `count`."""
    return messages[1] if count == 1 else messages["many"].format(count=count)


def _when(moment) -> str:
    return f"{moment.astimezone(BOGOTA):%Y-%m-%d %H:%M}"


def _account_view(agent: Agent, serving: dict[int, int]) -> dict:
    window = timedelta(seconds=services().settings.agent_presence_seconds)
    return {
        "id": agent.id,
        "username": agent.username,
        "display_name": agent.display_name,
        "roles": set((agent.roles or "").split()),
        "roles_label": roles_label(agent.roles),
        "active": agent.active,
        "available": is_available(agent, now(), window),
        "serving": serving.get(agent.id, 0),
        "is_me": agent.id == current_user.id,
        "url": url_for("supervision.account", agent_id=agent.id),
    }


def _record_view(record: AuditRecord, names: dict[int, Agent]) -> dict:
    """One audit record in words (never a password: none is recorded)."""
    actor = names.get(record.actor_id)
    target = names.get(record.target_id)
    detail = details(record)
    words = []
    if "roles" in detail:
        words.append(f"roles: {roles_label(detail['roles'])}")
    if detail.get("was"):
        words.append(f"antes: {roles_label(detail['was'])}")
    return {
        "at": _when(record.at),
        "actor": actor.display_name if actor else COMMAND_LINE,
        "action": ACTION_LABELS.get(record.action, record.action),
        "target": f"{target.display_name} ({target.username})" if target else "",
        "detail": "; ".join(words),
    }


def _index_page(form: dict | None = None, status: int = 200):
    session = db()
    agents = list_agents(session)
    serving = serving_counts(session)
    names = {agent.id: agent for agent in agents}
    return render_template(
        "supervision.html",
        accounts=[_account_view(agent, serving) for agent in agents],
        records=[_record_view(r, names) for r in recent_records(session, AUDIT_SHOWN)],
        form=form or {"username": "", "display_name": "", "roles": {"agent"}},
        roles=[(role, ROLE_LABELS[role]) for role in ROLES],
        audit_shown=AUDIT_SHOWN,
    ), status


@blueprint.get("/supervision/")
def index():
    """The accounts, the creation form and the audit log."""
    return _index_page()


def _passwords() -> str:
    """The new password typed twice; AccountError when the two differ."""
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        raise AccountError(MISMATCH)
    return password


@blueprint.post("/supervision/cuentas")
def create():
    """Creates an account with the roles ticked; the form comes back with what was typed
    (never the password) when something is wrong."""
    form = {
        "username": request.form.get("username", "")[:64],
        "display_name": request.form.get("display_name", "")[:128],
        "roles": set(request.form.getlist("roles")),
    }
    try:
        password = _passwords()
        agent = create_account(
            db(), request.form.get("username", ""), request.form.get("display_name", ""),
            password, now(), request.form.getlist("roles"), actor_id=current_user.id,
            missing_name=MISSING_NAME,
        )
    except AccountError as error:
        flash(str(error), "error")
        return _index_page(form, 400)
    flash(CREATED.format(username=agent.username, name=agent.display_name), "info")
    return redirect(url_for("supervision.index"))


def _target(agent_id: int) -> tuple[Agent | None, object | None]:
    agent = get_agent(db(), agent_id)
    if agent is None:
        return None, problem(404, NOT_FOUND)
    return agent, None


def _back(agent: Agent):
    return redirect(url_for("supervision.account", agent_id=agent.id))


@blueprint.get("/supervision/cuentas/<int:agent_id>")
def account(agent_id: int):
    """One account with its forms, the conversations it serves now and its audit records."""
    agent, error = _target(agent_id)
    if error is not None:
        return error
    session = db()
    serving = handoffs_of_agent(session, agent.id)
    names = {a.id: a for a in list_agents(session)}
    return render_template(
        "supervision_account.html",
        item=_account_view(agent, {agent.id: len(serving)}),
        serving=[{"citizen": citizen_label(h), "since": local_clock(h.taken_at),
                  "url": url_for("handoffs.chat", handoff_id=h.id)} for h in serving],
        roles=[(role, ROLE_LABELS[role]) for role in ROLES],
        records=[_record_view(r, names) for r in records_about(session, agent.id)],
    )


@blueprint.post("/supervision/cuentas/<int:agent_id>/roles")
def change_roles(agent_id: int):
    """Replaces the account's roles (at least one; not the supervisor's own supervision)."""
    agent, error = _target(agent_id)
    if error is not None:
        return error
    wanted = request.form.getlist("roles")
    try:
        roles = check_roles(wanted)
    except AccountError as problem_found:
        flash(str(problem_found), "error")
        return _back(agent)
    if agent.id == current_user.id and SUPERVISOR not in roles.split():
        flash(OWN_SUPERVISION, "error")
        return _back(agent)
    if set_roles(db(), agent, roles, actor_id=current_user.id, at=now()):
        flash(ROLES_SET.format(username=agent.username, roles=roles_label(roles)), "info")
    else:
        flash(ROLES_UNCHANGED.format(username=agent.username), "info")
    return _back(agent)


@blueprint.post("/supervision/cuentas/<int:agent_id>/clave")
def reset(agent_id: int):
    """Sets the new password the supervisor typed twice."""
    agent, error = _target(agent_id)
    if error is not None:
        return error
    try:
        reset_account_password(db(), agent, _passwords(), now(), actor_id=current_user.id)
    except AccountError as problem_found:
        flash(str(problem_found), "error")
        return _back(agent)
    flash(PASSWORD_SET.format(username=agent.username), "info")
    return _back(agent)


@blueprint.post("/supervision/cuentas/<int:agent_id>/desactivar")
def deactivate(agent_id: int):
    """Deactivates the account; the conversations it served go back to the queue."""
    agent, error = _target(agent_id)
    if error is not None:
        return error
    if agent.id == current_user.id:
        flash(OWN_DEACTIVATION, "error")
        return _back(agent)
    session, moment = db(), now()
    changed = set_active(session, agent, False, actor_id=current_user.id, at=moment)
    message = DEACTIVATED if changed else ALREADY_INACTIVE
    flash(message.format(username=agent.username), "info")
    # Also after a double click: whatever the account still serves goes back.
    returned, not_told = return_agent_chats(agent.id)
    if returned:
        flash(_counted(RETURNED, returned), "info")
    if not_told:
        flash(_counted(NOT_TOLD, not_told), "warning")
    return _back(agent)


@blueprint.post("/supervision/cuentas/<int:agent_id>/reactivar")
def reactivate(agent_id: int):
    """Makes the account usable again (same username, roles and password)."""
    agent, error = _target(agent_id)
    if error is not None:
        return error
    changed = set_active(db(), agent, True, actor_id=current_user.id, at=now())
    message = REACTIVATED if changed else ALREADY_ACTIVE
    flash(message.format(username=agent.username), "info")
    return _back(agent)
