"""The go-live checklist in the console (issue 18): the same list as `make readiness`."""

from __future__ import annotations

from flask import Blueprint, render_template

from console.auth import require_role
from console.settings import ConsoleSettings
from console.web import services
from content.readiness import checklist, summary

blueprint = Blueprint("readiness", __name__, url_prefix="/console")
blueprint.before_request(require_role("supervisor", "editor"))


def settings_environment(settings: ConsoleSettings) -> dict[str, str]:
    """The variables the checklist reads, as this web app was configured."""
    return {
        "TENJO_ENV": settings.environment,
        "CONSOLE_SECRET_KEY": settings.secret_key,
        "RASA_TOKEN": settings.rasa_token,
        "CHAT_TOKEN_SECRET": settings.chat_token_secret,
        "CONSOLE_SECURE_COOKIES": "true" if settings.secure_cookies else "false",
        "METRICS_TOKEN": settings.metrics_token,
        "SMTP_HOST": settings.smtp_host,
        "DATABASE_URL": settings.database_url,
        "CHAT_ALLOWED_ORIGINS": ",".join(settings.chat_allowed_origins),
        "PQRD_URL": settings.pqrd_url,
        "SURVEY_URL": settings.survey_url,
        "DATA_POLICY_URL": settings.data_policy_url,
    }


@blueprint.get("/readiness")
def index():
    """The checklist: pending facts and the topics they weaken, links, settings."""
    settings = services().settings
    items = checklist(settings.facts_path, settings.domain_path,
                      settings_environment(settings), probe=services().probe_link)
    return render_template("readiness.html", items=items, counts=summary(items))
