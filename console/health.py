"""`GET /healthz`: 200 when the database answers, 503 otherwise (no login)."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from console.web import services
from store.db import engine_for

blueprint = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@blueprint.get("/healthz")
def healthz():
    """Runs `SELECT 1` on the database."""
    try:
        with engine_for(services().settings.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not healthy"
        log.warning("health check failed: %s", type(error).__name__)
        return jsonify({"status": "error"}), 503
    return jsonify({"status": "ok"})
