"""Login and logout of agents (A1): Flask-Login sessions over the store's accounts.

Logins are throttled: after `login_max_failures` failures within
`login_window_seconds` for one username, or from one client address, further
attempts get 429 until the window has passed, even with the right password.
The failures are kept in the database (store/logins.py), so every web-app
process sees them.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from channels.client_limits import client_address as address_behind_proxies
from console.accounts import authenticate
from console.returns import return_agent_chats
from console.web import db, now, problem, services, wants_json
from store.agents import get_agent
from store.logins import clear_failures, record_failure, throttled_until
from store.presence import leave

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__, url_prefix="/console")

LOGIN_FAILED = "Usuario o contraseña incorrectos, o cuenta inactiva."
TOO_MANY_FAILURES = (
    "Por seguridad, el ingreso está bloqueado temporalmente por demasiados intentos "
    "fallidos. Intente de nuevo en {wait}."
)
SESSION_ENDED = "Su sesión terminó. Inicie sesión de nuevo."
RETURNED_AT_LOGOUT = (
    "Las conversaciones que usted atendía ({count}) volvieron a la cola de atención."
)
NO_ROLE_ANY = "No tiene permiso para ver esta página."
NO_ROLE = {
    "agent": "Esta página es para los funcionarios que atienden el chat.",
    "supervisor": "Esta página es solo para supervisores.",
    "editor": "Esta página es solo para editores de contenido.",
}


@dataclass
class AgentUser(UserMixin):
    """The logged-in agent, as Flask-Login sees it."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...] = ("agent",)

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, role: str) -> bool:
        """True when the account has `role` (agent, supervisor, editor)."""
        return role in self.roles

    @classmethod
    def of(cls, agent) -> AgentUser:
        """The user of a store account."""
        return cls(agent.id, agent.username, agent.display_name, tuple((agent.roles or "").split()))


def _load_user(user_id: str) -> AgentUser | None:
    if not user_id.isdigit():
        return None
    agent = get_agent(db(), int(user_id))
    if agent is None or not agent.active:
        return None
    return AgentUser.of(agent)


def _unauthorized():
    if wants_json():
        return jsonify({"error": SESSION_ENDED}), 401
    if request.method != "GET":
        flash(SESSION_ENDED, "warning")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def install(app: Flask) -> None:
    """Sets up Flask-Login on the app and registers the blueprint."""
    manager = LoginManager()
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    manager.init_app(app)
    app.register_blueprint(blueprint)


def require_login():
    """`before_request` of the protected blueprints: no agent, no access."""
    if not current_user.is_authenticated:
        return _unauthorized()
    return None


def require_role(*roles: str):
    """A `before_request` for blueprints of some roles: login first, then 403 unless the
    account has one of `roles`."""

    def check():
        refusal = require_login()
        if refusal is not None:
            return refusal
        if not any(current_user.has_role(role) for role in roles):
            return problem(403, NO_ROLE[roles[0]] if len(roles) == 1 else NO_ROLE_ANY)
        return None

    return check


def home_page() -> str:
    """Where an account lands: the queue for agents, else its own part of the console."""
    if current_user.has_role("agent"):
        return url_for("queue.index")
    if current_user.has_role("editor"):
        return url_for("editor.index")
    if current_user.has_role("supervisor"):
        return url_for("supervision.index")
    return url_for("reports.index")


def client_address(trusted_proxies: int) -> str:
    """This request's client IP address: the peer's, or the one the trusted proxies
    forwarded."""
    return address_behind_proxies(request.remote_addr or "unknown",
                                  request.headers.get("X-Forwarded-For", ""), trusted_proxies)


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minuto" if minutes == 1 else f"{minutes} minutos"


def _too_many_failures(username: str, wait: timedelta):
    seconds = max(1, math.ceil(wait.total_seconds()))
    flash(TOO_MANY_FAILURES.format(wait=_minutes(seconds)), "error")
    page = render_template("login.html", username=username)
    return page, 429, {"Retry-After": str(seconds)}


def _safe_next(target: str | None) -> str | None:
    """`next` when it is a console page of this site; None otherwise."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        if "\\" not in target and "/login" not in target:
            return target
    return None


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on success, a fresh permanent session."""
    if current_user.is_authenticated:
        return redirect(home_page())
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        password = request.form.get("password", "")[:1024]
        settings = services().settings
        window = timedelta(seconds=settings.login_window_seconds)
        address = client_address(settings.trusted_proxies)
        at = now()
        until = throttled_until(
            db(), username, address, at, settings.login_max_failures, window
        )
        if until is not None:
            log.warning("login refused (throttled): username %r from %s", username, address)
            return _too_many_failures(username, until - at)
        agent = authenticate(db(), username, password)
        if agent is not None:
            clear_failures(db(), username, at, window)
            target = _safe_next(request.args.get("next"))
            session.clear()
            session.permanent = True
            login_user(AgentUser.of(agent))
            return redirect(target or home_page())
        record_failure(db(), username, address, at, window)
        flash(LOGIN_FAILED, "error")
        return render_template("login.html", username=username), 401
    return render_template("login.html", username=username)


@blueprint.post("/logout")
def logout():
    """Ends the session; the agent is no longer available for hand-offs, and the chats
    they were serving go back to the queue (nobody is left waiting for them)."""
    returned = 0
    if current_user.is_authenticated:
        leave(db(), current_user.id)
        returned, _ = return_agent_chats(current_user.id)
    logout_user()
    session.clear()
    flash("Su sesión se cerró correctamente.", "info")
    if returned:
        flash(RETURNED_AT_LOGOUT.format(count=returned), "info")
    return redirect(url_for("auth.login"))
