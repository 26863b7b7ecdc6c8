"""Reports (A5) in the console: the page with its charts, the CSV exports, and the figures
per agent that only supervisors see."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from console_support import NOW, PAYLOAD, seed_handoff

from store.activity import close_conversation, touch
from store.agents import get_agent, set_active
from store.db import session_for
from store.handoffs import close_handoff, request_handoff, take_handoff
from store.metrics import (
    CONVERSATION_STARTED,
    FALLBACK,
    FAQ_ANSWERED,
    PQRD_ESCALATION,
    SATISFACTION,
    record_event,
)

BOGOTA = timezone(timedelta(hours=-5))
DAY1 = datetime(2026, 12, 1, 9, tzinfo=BOGOTA)
DAY2 = DAY1 + timedelta(days=1)
PERIOD = "from=2026-12-01&to=2026-12-02"


@pytest.fixture
def seeded(database_url, agents):
    """Day 1: 3 conversations, 2 hand-offs served after 60 and 120 s; day 2: one of each."""
    with session_for(database_url) as session:
        for n, moment in enumerate([DAY1, DAY1, DAY1, DAY2]):
            record_event(session, f"c{n}", CONVERSATION_STARTED, moment)
        record_event(session, "c0", FAQ_ANSWERED, DAY1, value="faq/sisben")
        record_event(session, "c1", FAQ_ANSWERED, DAY1, value="faq/sisben")
        record_event(session, "c2", FAQ_ANSWERED, DAY2, value="faq/impuesto_predial")
        record_event(session, "c0", SATISFACTION, DAY1, value="yes")
        record_event(session, "c1", SATISFACTION, DAY2, value="no")
        record_event(session, "c2", PQRD_ESCALATION, DAY2)
        record_event(session, "c3", FALLBACK, DAY2, text="=HYPERLINK(\"http://x\")")
        record_event(session, "c3", FALLBACK, DAY2, text=PAYLOAD)
        touch(session, "c3", DAY2)
        close_conversation(session, "c3", "inactivity", DAY2 + timedelta(minutes=2))
    for n, (moment, wait) in enumerate([(DAY1, 60), (DAY1, 120), (DAY2, 30)]):
        handoff_id = seed_handoff(database_url, f"h{n}", at=moment)
        with session_for(database_url) as session:
            take_handoff(session, handoff_id, agents["ana"], moment + timedelta(seconds=wait))
    return database_url


def parse_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_reports_page_shows_figures_and_charts(console, seeded):
    response = console.client.get(f"/console/reports?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for chart in ("chart-activity", "chart-waits", "chart-satisfaction", "chart-topics"):
        assert f'<svg class="chart" id="{chart}"' in html
    assert html.count('class="chart__bar chart--conversations"') == 3  # legend + 2 days
    assert "<script" not in html.split("<body>")[1]  # charts need no script (strict CSP)
    topics = html.split('id="topics-table"')[1]
    assert topics.index("La encuesta, la clasificación o la actualización del SISBÉN") < \
        topics.index("El pago o la consulta del impuesto predial")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and PAYLOAD not in html
    assert "1 min 30 s" in html  # day 1 median of 60 and 120 s
    assert "Informes" in html and 'aria-current="page"' in html


def test_default_period_is_the_last_two_weeks(console, seeded):
    html = console.client.get("/console/reports").get_data(as_text=True)
    today = NOW.astimezone(BOGOTA).date()
    assert f'value="{today - timedelta(days=13)}"' in html and f'value="{today}"' in html


def test_bad_period_is_explained(console):
    response = console.client.get("/console/reports?from=2026-12-05&to=2026-12-01")
    assert response.status_code == 400
    assert "Revise el periodo" in response.get_data(as_text=True)
    assert console.client.get("/console/reports.csv?from=ayer").status_code == 400


def test_csv_has_one_row_per_day(console, seeded):
    response = console.client.get(f"/console/reports.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = parse_csv(response)
    assert header[0] == "Fecha" and "Espera mediana (s)" in header
    assert [row[0] for row in rows] == ["2026-12-01", "2026-12-02"]
    day1 = dict(zip(header, rows[0], strict=True))
    day2 = dict(zip(header, rows[1], strict=True))
    assert day1["Conversaciones"] == "3" and day2["Conversaciones"] == "1"
    assert day1["Transferencias solicitadas"] == "2" and day1["Transferencias atendidas"] == "2"
    assert day1["Espera mediana (s)"] == "90" and day1["Espera p90 (s)"] == "114"
    assert day2["Espera mediana (s)"] == "30"
    assert (day1["Satisfacción: sí"], day2["Satisfacción: no"]) == ("1", "1")
    assert day2["Remisiones a PQRD"] == "1" and day2["Terminadas por inactividad"] == "1"
    assert day2["Mensajes no entendidos"] == "2"


def test_unanswered_csv_is_safe_for_spreadsheets(console, seeded):
    header, *rows = parse_csv(console.client.get(f"/console/reports/unanswered.csv?{PERIOD}"))
    assert header == ["Mensaje", "Veces", "Última vez"]
    texts = sorted(row[0] for row in rows)
    assert texts == sorted([PAYLOAD, "'=HYPERLINK(\"http://x\")"])
    assert all(row[1] == "1" and row[2].startswith("2026-12-02") for row in rows)


def test_reports_need_login(app):
    client = app.test_client()
    assert client.get("/console/reports").status_code == 302
    assert client.get(f"/console/reports.csv?{PERIOD}").status_code == 302


# ---------------------------------------------------------------- per agent (supervisors)


@pytest.fixture
def served_by_agents(database_url, agents):
    """Day 1: ana served two chats (closed after 2 and 6 minutes, "sí" after the first),
    luis one (closed after 3 minutes, "no")."""
    with session_for(database_url) as session:
        for conversation, agent, minutes, answer in [
            ("a1", "ana", 2, "yes"), ("a2", "ana", 6, None), ("l1", "luis", 3, "no")
        ]:
            handoff = request_handoff(session, conversation, None, None, [], DAY1)
            taken = DAY1 + timedelta(minutes=1)
            take_handoff(session, handoff.id, agents[agent], taken)
            closed = taken + timedelta(minutes=minutes)
            close_handoff(session, handoff.id, "resolved", closed)
            if answer:
                record_event(session, conversation, SATISFACTION, closed, value=answer)
    return database_url


def test_supervisors_see_figures_per_agent(supervisor, served_by_agents):
    html = supervisor.client.get(f"/console/reports?{PERIOD}").get_data(as_text=True)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr data-username="[^"]+">(.*?)</tr>', html, re.S)]
    assert rows == [
        "Ana Rodríguez 2 4 min 00 s 1 0",  # median of 2 and 6 minutes
        "Luis Gómez 1 3 min 00 s 0 1",
        "Sofía Castro 0 — 0 0",  # serves citizens too, nobody this period
    ]


def test_agents_do_not_see_figures_per_agent(console, served_by_agents):
    html = console.client.get(f"/console/reports?{PERIOD}").get_data(as_text=True)
    assert 'id="agents-table"' not in html and "Por funcionario" not in html
    response = console.client.get(f"/console/reports/agents.csv?{PERIOD}")
    assert response.status_code == 403
    assert "Esta página es solo para supervisores." in response.get_data(as_text=True)


def test_figures_per_agent_as_csv(supervisor, served_by_agents, agents, database_url):
    with session_for(database_url) as session:
        set_active(session, get_agent(session, agents["luis"]), False, actor_id=None, at=DAY2)
    response = supervisor.client.get(f"/console/reports/agents.csv?{PERIOD}")
    assert response.status_code == 200 and "attachment" in response.headers[
        "Content-Disposition"]
    assert parse_csv(response) == [
        ["Funcionario", "Usuario", "Transferencias atendidas", "Tiempo de atención mediano (s)",
         "Satisfacción: sí", "Satisfacción: no"],
        ["Ana Rodríguez", "ana", "2", "240", "1", "0"],
        ["Luis Gómez (cuenta desactivada)", "luis", "1", "180", "0", "1"],
        ["Sofía Castro", "sofia", "0", "", "0", "0"],
    ]
    assert supervisor.client.get("/console/reports/agents.csv?from=ayer").status_code == 400
