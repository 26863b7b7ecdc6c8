"""The live queue (A2): citizens waiting for an agent, and the agent's own conversations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from console.auth import require_login
from console.presenters import handoff_json, waiting_json
from console.web import db, now, services
from store.handoffs import handoffs_of_agent, waiting_queue

blueprint = Blueprint("queue", __name__, url_prefix="/console")
blueprint.before_request(require_login)


def queue_state() -> dict[str, Any]:
    """The waiting hand-offs (with their transcripts) and those the agent serves."""
    session, texts, moment = db(), services().texts, now()
    mine = handoffs_of_agent(session, current_user.id)
    return {
        "waiting": [waiting_json(session, h, texts, moment) for h in waiting_queue(session)],
        "mine": [handoff_json(h, texts, moment) for h in mine],
    }


@blueprint.get("/")
def index():
    """The queue page; static/queue.js keeps it up to date."""
    return render_template("queue.html", state=queue_state())


@blueprint.get("/api/queue")
def api_queue():
    """The queue as JSON, polled by the page."""
    return jsonify(queue_state())
