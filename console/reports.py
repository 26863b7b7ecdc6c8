"""Service reports (A5): figures per Bogotá day for a period, with charts, and as CSV.

Supervisors also see the figures per agent (served, median handling time,
satisfaction) on the page and as a second CSV (`/console/reports/agents.csv`).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from console.auth import NO_ROLE, require_login
from console.charts import Series, grouped_bars, horizontal_bars
from console.scripts import BOGOTA
from console.web import db, now, problem, services
from store.agents import SUPERVISOR
from store.reports import MAX_DAYS, AgentFigures, DayFigures, Report, agent_figures, build_report

blueprint = Blueprint("reports", __name__, url_prefix="/console")
blueprint.before_request(require_login)

DEFAULT_DAYS = 14
# (figure, column title); the waiting times are in seconds.
COLUMNS = (
    ("conversations", "Conversaciones"),
    ("handoffs_requested", "Transferencias solicitadas"),
    ("handoffs_served", "Transferencias atendidas"),
    ("handoffs_expired", "Transferencias vencidas"),
    ("handoffs_abandoned", "Abandonadas antes de ser atendidas"),
    ("wait_median_seconds", "Espera mediana"),
    ("wait_p90_seconds", "Espera p90"),
    ("pqrd_escalations", "Remisiones a PQRD"),
    ("ended_conduct", "Terminadas por conducta"),
    ("ended_inactivity", "Terminadas por inactividad"),
    ("satisfied_yes", "Satisfacción: sí"),
    ("satisfied_no", "Satisfacción: no"),
    ("unanswered", "Mensajes no entendidos"),
)
WAITS = ("wait_median_seconds", "wait_p90_seconds")
BAD_PERIOD = (
    "Revise el periodo: use fechas como 2026-12-01, la inicial antes de la final "
    f"y como máximo {MAX_DAYS} días."
)
# Characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PeriodError(ValueError):
    """The period asked for is not valid."""


def requested_period() -> tuple[date, date]:
    """`from` and `to` of the query string (Bogotá days); by default the last 14 days."""
    today = now().astimezone(BOGOTA).date()
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    try:
        end = date.fromisoformat(raw_to) if raw_to else today
        start = date.fromisoformat(raw_from) if raw_from else end - timedelta(DEFAULT_DAYS - 1)
    except ValueError as error:
        raise PeriodError(BAD_PERIOD) from error
    if end < start or (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(BAD_PERIOD)
    return start, end


def short_day(day: date) -> str:
    """'01/12'."""
    return f"{day:%d/%m}"


def charts(report: Report) -> dict:
    """The report's SVG charts."""
    texts = services().texts
    days = [short_day(figures.day) for figures in report.days]

    def values(name: str) -> list[float]:
        return [getattr(figures, name) or 0 for figures in report.days]

    totals = report.totals
    return {
        "activity": grouped_bars(
            "chart-activity", "Conversaciones y transferencias por día",
            "Por cada día del periodo: conversaciones, transferencias a un funcionario "
            "solicitadas y atendidas.",
            days,
            [Series("Conversaciones", "chart--conversations", values("conversations")),
             Series("Transferencias solicitadas", "chart--requested",
                    values("handoffs_requested")),
             Series("Atendidas", "chart--served", values("handoffs_served"))],
        ),
        "waits": grouped_bars(
            "chart-waits", "Tiempo de espera por día, en segundos",
            "Mediana y percentil 90 de la espera hasta que un funcionario atendió.",
            days,
            [Series("Mediana", "chart--median", [round(v) for v in values(WAITS[0])]),
             Series("Percentil 90", "chart--p90", [round(v) for v in values(WAITS[1])])],
        ),
        "satisfaction": horizontal_bars(
            "chart-satisfaction", "¿Es satisfactoria la respuesta?",
            "Respuestas de los ciudadanos a la pregunta de satisfacción en el periodo.",
            [("Sí", totals.satisfied_yes, "chart--yes"),
             ("No", totals.satisfied_no, "chart--no")],
        ),
        "topics": horizontal_bars(
            "chart-topics", "Temas más consultados",
            "Preguntas frecuentes respondidas por el asistente, de la más a la menos consultada.",
            [(texts.topic_words(label), times, "chart--topic")
             for label, times in report.top_topics],
        ),
    }


@blueprint.get("/reports")
def index():
    """The period form, the charts, the per-day table with totals, unanswered messages."""
    error = None
    try:
        start, end = requested_period()
    except PeriodError as problem_found:
        error = str(problem_found)
        end = now().astimezone(BOGOTA).date()
        start = end - timedelta(DEFAULT_DAYS - 1)
    report = build_report(db(), start, end)
    texts = services().texts
    per_agent = (agent_figures(db(), start, end) if current_user.has_role(SUPERVISOR)
                 else None)
    return render_template(
        "reports.html",
        per_agent=per_agent,
        report=report,
        error=error,
        columns=COLUMNS,
        waits=WAITS,
        charts=charts(report),
        topics=[(texts.topic_words(label), label, times) for label, times in report.top_topics],
        unanswered=[(text, times, _local(last)) for text, times, last in report.unanswered],
    ), 400 if error else 200


def _local(moment) -> str:
    return f"{moment.astimezone(BOGOTA):%Y-%m-%d %H:%M}"


def _cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return Response(
        "\ufeff" + buffer.getvalue(),  # the BOM lets Excel read the accents as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_period():
    try:
        start, end = requested_period()
    except PeriodError as error:
        return None, problem(400, str(error))
    return (start, end), None


@blueprint.get("/reports.csv")
def export_csv():
    """One row per day: the date, then every figure (waiting times in whole seconds)."""
    period, error = _csv_period()
    if error is not None:
        return error
    report = build_report(db(), *period)
    header = ["Fecha"] + [
        f"{title} (s)" if name in WAITS else title for name, title in COLUMNS
    ]
    rows = [header] + [_row(figures) for figures in report.days]
    return _csv(rows, f"informe-chat-{period[0]}-a-{period[1]}.csv")


def _row(figures: DayFigures) -> list:
    return [figures.day.isoformat()] + [getattr(figures, name) for name, _ in COLUMNS]


@blueprint.get("/reports/unanswered.csv")
def export_unanswered():
    """The messages the assistant did not understand: text, times, last time (Bogotá)."""
    period, error = _csv_period()
    if error is not None:
        return error
    report = build_report(db(), *period, unanswered_limit=1000)
    rows = [["Mensaje", "Veces", "Última vez"]] + [
        [text, times, _local(last)]
        for text, times, last in report.unanswered
    ]
    return _csv(rows, f"mensajes-no-entendidos-{period[0]}-a-{period[1]}.csv")


AGENT_HEADER = ["Funcionario", "Usuario", "Transferencias atendidas",
                "Tiempo de atención mediano (s)", "Satisfacción: sí", "Satisfacción: no"]


def _agent_row(row: AgentFigures) -> list:
    name = row.name if row.active else f"{row.name} (cuenta desactivada)"
    return [name, row.username, row.served, row.handling_median_seconds,
            row.satisfied_yes, row.satisfied_no]


@blueprint.get("/reports/agents.csv")
def export_agents():
    """Supervisors only: one row per agent (handling time in whole seconds)."""
    if not current_user.has_role(SUPERVISOR):
        return problem(403, NO_ROLE[SUPERVISOR])
    period, error = _csv_period()
    if error is not None:
        return error
    rows = [AGENT_HEADER] + [_agent_row(row) for row in agent_figures(db(), *period)]
    return _csv(rows, f"informe-por-funcionario-{period[0]}-a-{period[1]}.csv")
