"""Agents' presence and the hand-off alerts (R1, R2).

Every console page of a logged-in agent runs static/presence.js, whose worker
(static/presence-worker.js; a worker's timers keep running in a background tab)
reports here every PRESENCE_REPORT_SECONDS. The answer carries the waiting
hand-offs, from which the page sets its title, plays a sound and shows a browser
notification for each new one. "Ausente" is the agent's own switch.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from console.auth import require_login
from console.presenters import handoff_json
from console.web import db, now, problem, services, wants_json
from store.agents import get_agent
from store.clock import system_clock
from store.handoffs import waiting_queue
from store.presence import is_available, report_presence, set_away

blueprint = Blueprint("presence", __name__, url_prefix="/console")
blueprint.before_request(require_login)

# The worker reports this often; an agent counts as available for AGENT_PRESENCE_SECONDS.
PRESENCE_REPORT_SECONDS = 15
AWAY_ON = "Usted figura como ausente: el asistente no le transfiere ciudadanos."
AWAY_OFF = "Usted figura como disponible para atender ciudadanos."


def presence_state() -> dict:
    """The agent's availability and the waiting hand-offs (oldest first)."""
    session = db()
    agent = get_agent(session, current_user.id)
    window = timedelta(seconds=services().settings.agent_presence_seconds)
    texts, moment = services().texts, now()
    waiting = [
        {key: value for key, value in handoff_json(h, texts, moment).items()
         if key in ("id", "citizen_name", "topic_words", "url")}
        for h in waiting_queue(session)
    ]
    return {
        "serves_citizens": current_user.has_role("agent"),
        "away": bool(agent.away),
        "available": is_available(agent, system_clock(), window),
        "waiting": waiting,
        "report_seconds": PRESENCE_REPORT_SECONDS,
    }


@blueprint.post("/api/presence")
def report():
    """A console page is open: the agent is present (presence is measured in wall time)."""
    report_presence(db(), current_user.id, system_clock())
    return jsonify(presence_state())


@blueprint.post("/presence/away")
def away():
    """Sets or clears "ausente" (`away` = "1" or "0"); back to the page it came from."""
    data = request.get_json(silent=True) if request.is_json else request.form
    value = str((data or {}).get("away", ""))
    if value not in ("0", "1", "true", "false"):
        return problem(400, "Indique si queda ausente (1) o disponible (0).")
    set_away(db(), current_user.id, value in ("1", "true"))
    if wants_json():
        return jsonify(presence_state())
    flash(AWAY_ON if value in ("1", "true") else AWAY_OFF, "info")
    return redirect(_back())


def _back() -> str:
    """The console page the form was posted from, or the queue."""
    referrer = urlparse(request.referrer or "")
    same_host = referrer.netloc in ("", request.host)
    if same_host and referrer.path.startswith("/console/") and "/login" not in referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("queue.index")


def template_state() -> dict:
    """For base.html: whether the logged-in agent is away, and the report interval."""
    if not current_user.is_authenticated:
        return {}
    agent = get_agent(db(), current_user.id)
    return {"agent_away": bool(agent and agent.away),
            "presence_report_seconds": PRESENCE_REPORT_SECONDS}
