"""Login and logout of agents (A1): Flask-Login sessions over the store's accounts."""

from __future__ import annotations

from dataclasses import dataclass

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

from console.accounts import authenticate
from console.web import db, wants_json
from store.agents import get_agent

blueprint = Blueprint("auth", __name__, url_prefix="/console")

LOGIN_FAILED = "Usuario o contraseña incorrectos, o cuenta inactiva."
SESSION_ENDED = "Su sesión terminó. Inicie sesión de nuevo."


@dataclass
class AgentUser(UserMixin):
    """The logged-in agent, as Flask-Login sees it."""

    id: int
    username: str
    display_name: str

    def get_id(self) -> str:
        return str(self.id)


def _load_user(user_id: str) -> AgentUser | None:
    if not user_id.isdigit():
        return None
    agent = get_agent(db(), int(user_id))
    if agent is None or not agent.active:
        return None
    return AgentUser(agent.id, agent.username, agent.display_name)


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


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/console/") and not target.startswith("//"):
        if "\\" not in target and "/login" not in target:
            return target
    return url_for("queue.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """The login form; on success, a fresh permanent session."""
    if current_user.is_authenticated:
        return redirect(url_for("queue.index"))
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        password = request.form.get("password", "")[:1024]
        agent = authenticate(db(), username, password)
        if agent is not None:
            target = _safe_next(request.args.get("next"))
            session.clear()
            session.permanent = True
            login_user(AgentUser(agent.id, agent.username, agent.display_name))
            return redirect(target)
        flash(LOGIN_FAILED, "error")
        return render_template("login.html", username=username), 401
    return render_template("login.html", username=username)


@blueprint.post("/logout")
def logout():
    """Ends the session."""
    logout_user()
    session.clear()
    flash("Su sesión se cerró correctamente.", "info")
    return redirect(url_for("auth.login"))
