"""Conversations (supervisors only): a Bogotá day's conversations and one transcript.

- `GET /console/conversaciones?day=YYYY-MM-DD&outcome=…&agent=<id>&q=…&page=N` the
  day's conversations (today by default), newest first, 50 a page: how the chat
  ended or what became of its hand-off, the agents who served it, the citizen's
  name and first message. `q` searches that day's messages, without regard to case
  or accents; a message withheld for breaking the chat rules is never searched.
- `GET /console/conversaciones/<id>` every message of the conversation in order,
  with Bogotá times and the agents' names; a withheld message shows only that it
  was withheld, never its text (store/transcripts.py decides which ones).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for

from console.auth import require_role
from console.presenters import BOT_LABEL, status_label
from console.scripts import BOGOTA
from console.web import db, now, problem
from store.agents import SUPERVISOR, list_agents
from store.metrics import SATISFACTION, events_of
from store.transcripts import (
    OUTCOMES,
    Line,
    Listing,
    activity_of,
    citizen_name,
    handoffs_of,
    list_conversations,
    transcript,
)

blueprint = Blueprint("transcripts", __name__, url_prefix="/console")
blueprint.before_request(require_role(SUPERVISOR))

MAX_QUERY = 200
WITHHELD = "mensaje retirado por las reglas del chat"
CITIZEN = "Ciudadano"
NOT_FOUND = "Esta conversación no existe o ya fue borrada."
BAD_DAY = "Revise la fecha: use el formato 2026-12-01."
BAD_OUTCOME = "Elija uno de los resultados de la lista."
BAD_AGENT = "El funcionario elegido no existe."
LONG_QUERY = f"La búsqueda admite hasta {MAX_QUERY} caracteres."
BAD_PAGE = "La página pedida no existe."
FILTER_LABELS = {
    "farewell": "Terminada con la despedida",
    "inactivity": "Terminada por inactividad",
    "conduct": "Terminada por incumplir las reglas del chat",
    "served": "Atendida por un funcionario",
    "expired": "Transferencia vencida: nadie la atendió a tiempo",
    "abandoned": "El ciudadano salió antes de ser atendido",
    "open": "Abierta",
}
CLOSE_LABELS = {
    "farewell": "Terminó con la despedida",
    "inactivity": "Terminó por inactividad",
    "conduct": "Terminó por incumplir las reglas del chat",
}
SATISFACTION_LABELS = {"yes": "Sí", "no": "No"}


class FilterError(ValueError):
    """A filter of the query string is not valid; the message says why, in Spanish."""


def _filters(agent_ids: set[int]) -> dict:
    """The day, outcome, agent, text and page asked for; FilterError when one is wrong."""
    args = request.args
    raw_day = args.get("day", "").strip()
    try:
        day = date.fromisoformat(raw_day) if raw_day else now().astimezone(BOGOTA).date()
    except ValueError as error:
        raise FilterError(BAD_DAY) from error
    outcome = args.get("outcome", "").strip() or None
    if outcome is not None and outcome not in OUTCOMES:
        raise FilterError(BAD_OUTCOME)
    raw_agent = args.get("agent", "").strip()
    if raw_agent and not (raw_agent.isdigit() and int(raw_agent) in agent_ids):
        raise FilterError(BAD_AGENT)
    query = args.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise FilterError(LONG_QUERY)
    raw_page = args.get("page", "1").strip() or "1"
    if not raw_page.isdigit() or not 0 < int(raw_page) < 100_000:
        raise FilterError(BAD_PAGE)
    return {"day": day, "outcome": outcome, "agent": int(raw_agent) if raw_agent else None,
            "q": query, "page": int(raw_page)}


def _clock(moment) -> str:
    return f"{moment.astimezone(BOGOTA):%H:%M}"


def _page_url(filters: dict, page: int) -> str:
    params = {"day": filters["day"].isoformat(), "page": page}
    params.update({key: filters[key] for key in ("outcome", "agent", "q") if filters[key]})
    return url_for("transcripts.index", **params)


@blueprint.get("/conversaciones")
def index():
    """The filter form and one page of the day's conversations."""
    session = db()
    agents = list_agents(session)
    names = {agent.id: agent.display_name for agent in agents}
    error = None
    try:
        filters = _filters(set(names))
        listing = list_conversations(session, filters["day"], filters["outcome"],
                                     filters["agent"], filters["q"], filters["page"])
    except FilterError as problem_found:
        error = str(problem_found)
        filters = {"day": now().astimezone(BOGOTA).date(), "outcome": None, "agent": None,
                   "q": "", "page": 1}
        listing = Listing([], 0, 1, 1)
    rows = [{
        "url": url_for("transcripts.view", conversation_id=item.conversation_id),
        "conversation_id": item.conversation_id,
        "hours": f"{_clock(item.first_at)}–{_clock(item.last_at)}",
        "citizen": item.citizen_name or CITIZEN,
        "messages": item.citizen_messages,
        "preview": item.preview,
        "outcomes": [FILTER_LABELS[outcome] for outcome in item.outcomes],
        "agents": [names.get(agent_id, "Funcionario") for agent_id in item.agent_ids],
    } for item in listing.items]
    return render_template(
        "transcripts.html",
        error=error,
        filters=filters,
        listing=listing,
        rows=rows,
        outcomes=[(outcome, FILTER_LABELS[outcome]) for outcome in OUTCOMES],
        agents=[(agent.id, agent.display_name + ("" if agent.active else " (desactivada)"))
                for agent in agents],
        previous_url=_page_url(filters, listing.page - 1) if listing.page > 1 else None,
        next_url=_page_url(filters, listing.page + 1) if listing.page < listing.pages else None,
        max_query=MAX_QUERY,
    ), 400 if error else 200


def _line_view(line: Line, citizen: str, names: dict[int, str]) -> dict:
    if line.author == "agent":
        author = names.get(line.agent_id, "Funcionario")
    else:
        author = BOT_LABEL if line.author == "bot" else citizen
    local = line.at.astimezone(BOGOTA)
    return {
        "author": line.author,
        "author_label": author,
        "text": WITHHELD if line.withheld else line.text,
        "withheld": line.withheld,
        "delivered": line.delivered,
        "day": local.date().isoformat(),
        "time": f"{local:%H:%M:%S}",
    }


@blueprint.get("/conversaciones/<path:conversation_id>")
def view(conversation_id: str):
    """The whole conversation, with its hand-offs and how it ended."""
    session = db()
    lines = transcript(session, conversation_id)
    if lines is None:
        return problem(404, NOT_FOUND)
    names = {agent.id: agent.display_name for agent in list_agents(session)}
    handoffs = handoffs_of(session, conversation_id)
    citizen = citizen_name(session, conversation_id)
    activity = activity_of(session, conversation_id)
    answers = [SATISFACTION_LABELS.get(event.value, event.value or "")
               for event in events_of(session, conversation_id) if event.kind == SATISFACTION]
    views = [_line_view(line, citizen or CITIZEN, names) for line in lines]
    first_day = views[0]["day"] if views else now().astimezone(BOGOTA).date().isoformat()
    return render_template(
        "transcript.html",
        conversation_id=conversation_id,
        citizen=citizen or CITIZEN,
        lines=views,
        handoffs=[{
            "status": status_label(h),
            "requested": _when(h.requested_at),
            "taken": _when(h.taken_at),
            "closed": _when(h.closed_at),
        } for h in handoffs],
        ended=CLOSE_LABELS.get(activity.close_reason) if activity and activity.closed_at
        else None,
        satisfaction=answers,
        back_url=url_for("transcripts.index", day=first_day),
    )


def _when(moment) -> str:
    return f"{moment.astimezone(BOGOTA):%Y-%m-%d %H:%M}" if moment else ""
