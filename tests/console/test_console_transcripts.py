"""The supervisors' conversations pages, over tracker rows written by the project's own
tracker store into the console's database: the day's list, filters, search, one
transcript; a withheld message is never shown nor found."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from console_support import NOW, PAYLOAD

from store.activity import close_conversation, touch
from store.db import session_for
from tests.transcript_events import (
    SECRET,
    SLOTS,
    TrackerEvents,
    answer,
    citizen,
    opening,
    served_conversation,
)

DAY = "2026-12-01"  # NOW's Bogotá day
SECRET_WORDS = ("IDIOTA", "idiota", "zanahoria", "3001234567")


@pytest.fixture
def conversations(database_url, agents):
    """c-served (ana served it; it holds SECRET, withheld) at 09:00 Bogotá, c-quiet at
    10:00 (ended for inactivity; its citizen wrote markup), c-yesterday the day before."""
    events = TrackerEvents(database_url, SLOTS)
    try:
        with session_for(database_url) as session:
            served_conversation(session, events, agents["ana"], NOW)
            quiet = NOW + timedelta(hours=1)
            events.add("c-quiet", *opening(quiet), *citizen(PAYLOAD, quiet),
                       *answer("No entendí su mensaje.", quiet + timedelta(seconds=2)))
            touch(session, "c-quiet", quiet)
            close_conversation(session, "c-quiet", "inactivity", quiet + timedelta(minutes=2))
            events.add("c-yesterday", *citizen("Hola de ayer", NOW - timedelta(days=1)))
    finally:
        events.close()


def text_of(response) -> str:
    """The page's visible text, tags out, spaces collapsed."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def listed(supervisor, query: str = "") -> list[str]:
    """The conversation ids linked from the list page."""
    html = supervisor.client.get(f"/console/conversaciones?day={DAY}{query}").get_data(
        as_text=True)
    return re.findall(r'href="/console/conversaciones/([^"?]+)"', html)


@pytest.mark.parametrize("path", ["/console/conversaciones", "/console/conversaciones/c-served"])
def test_anonymous_agent_and_supervisor(app, console, supervisor, conversations, path):
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/console/login" in anonymous.location
    refused = console.client.get(path)
    assert refused.status_code == 403
    assert "Esta página es solo para supervisores." in text_of(refused)
    assert supervisor.client.get(path).status_code == 200


def test_the_day_list(supervisor, conversations):
    response = supervisor.client.get("/console/conversaciones")  # today by default
    page = text_of(response)
    assert "2 conversaciones el 2026-12-01" in page
    assert listed(supervisor) == ["c-quiet", "c-served"]  # newest first
    # The first message typed (not the button "Sí"); six messages, one of them withheld.
    assert ("09:00–09:08 Ver la conversación Marta Marta 6 Atendida por un funcionario; "
            "Abierta Ana Rodríguez") in page
    assert "10:00–10:00 Ver la conversación Ciudadano" in page
    assert "Terminada por inactividad" in page
    yesterday = supervisor.client.get("/console/conversaciones?day=2026-11-30")
    assert "Hola de ayer" in text_of(yesterday)


def test_markup_is_shown_as_text(supervisor, conversations):
    for path in ("/console/conversaciones", "/console/conversaciones/c-quiet"):
        html = supervisor.client.get(path).get_data(as_text=True)
        assert PAYLOAD not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("&outcome=served", ["c-served"]),
        ("&outcome=inactivity", ["c-quiet"]),
        ("&outcome=open", ["c-served"]),
        ("&outcome=expired", []),
        ("&agent=1", ["c-served"]),  # ana
        ("&agent=2", []),  # luis
        ("&q=predial", ["c-served"]),
        ("&q=IMPUESTO%20PRED%C3%8DAL", ["c-served"]),  # "IMPUESTO PREDÍAL"
        ("&q=enlace+del+recibo", ["c-served"]),  # an agent's message
        ("&q=script", ["c-quiet"]),
        ("&q=zanahoria", []),  # only in the withheld message
        ("&q=idiota", []),
        ("&q=3001234567", []),
        ("&q=EXTERNAL%3A", []),
        ("&q=predial&outcome=inactivity", []),
    ],
)
def test_filters_and_search(supervisor, conversations, query, found):
    assert listed(supervisor, query) == found


def test_a_withheld_message_is_never_shown(supervisor, conversations):
    pages = [supervisor.client.get(path).get_data(as_text=True) for path in (
        "/console/conversaciones", f"/console/conversaciones?day={DAY}&q=predial",
        "/console/conversaciones/c-served")]
    for html in pages:
        assert not any(word in html for word in SECRET_WORDS), SECRET
    assert pages[2].count("mensaje retirado por las reglas del chat") == 1
    searched = text_of(supervisor.client.get(f"/console/conversaciones?day={DAY}&q=idiota"))
    assert "0 conversaciones" in searched
    assert "No hay conversaciones con esos criterios." in searched


def test_the_transcript(supervisor, conversations):
    response = supervisor.client.get("/console/conversaciones/c-served")
    page = text_of(response)
    assert "Conversación con Marta" in page
    messages = page.split("Mensajes", 1)[1]
    expected = [
        "2026-12-01",
        "Asistente virtual 09:00:00 Buenos días. ¿Acepta el tratamiento de sus datos?",
        "Marta 09:01:00 Sí",
        "Asistente virtual 09:01:00 Gracias. ¿Cuál es su nombre?",
        "Marta 09:02:00 Marta",
        "Asistente virtual 09:02:00 Con gusto, Marta.",
        "Marta 09:03:00 ¿Cómo pago el impuesto PREDIAL?",
        "Asistente virtual 09:03:00 Puede pagarlo en línea.",
        "Marta 09:04:00 mensaje retirado por las reglas del chat",
        "Asistente virtual 09:04:00 Le recordamos las reglas del chat.",
        "Marta 09:05:00 Quiero hablar con un funcionario",
        "Asistente virtual 09:05:00 Por favor espere un momento.",
        "Asistente virtual 09:06:00 Le atiende Ana Rodríguez.",
        "Ana Rodríguez 09:07:00 Buenos días, con gusto le ayudo.",
        "Marta 09:08:00 /EXTERNAL_handoff_closed",
        "Ana Rodríguez 09:09:00 Pendiente de entrega Le envío el enlace del recibo.",
    ]
    assert messages.strip().startswith(" ".join(expected))
    assert "/greet" not in page and "EXTERNAL: " not in page
    assert page.count("Buenos días, con gusto le ayudo.") == 1  # not again as the bot's
    assert "Cerrada: Resuelta" in page and "2026-12-01 09:06" in page


def test_the_transcript_says_how_the_chat_ended(supervisor, conversations):
    page = text_of(supervisor.client.get("/console/conversaciones/c-quiet"))
    assert "Terminó por inactividad" in page
    assert "Volver a las conversaciones del día" in page


@pytest.mark.parametrize("path", ["/console/conversaciones/nadie",
                                  "/console/conversaciones/c%2Fserved",
                                  "/console/conversaciones/" + "x" * 300])
def test_unknown_conversations_are_404(supervisor, conversations, path):
    response = supervisor.client.get(path)
    assert response.status_code == 404
    assert "Esta conversación no existe o ya fue borrada." in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("day=ayer", "Revise la fecha: use el formato 2026-12-01."),
        ("day=2026-13-01", "Revise la fecha"),
        ("outcome=ganada", "Elija uno de los resultados de la lista."),
        ("agent=abc", "El funcionario elegido no existe."),
        ("agent=999", "El funcionario elegido no existe."),
        ("q=" + "a" * 201, "La búsqueda admite hasta 200 caracteres."),
        ("page=0", "La página pedida no existe."),
        ("page=dos", "La página pedida no existe."),
        ("page=" + "9" * 30, "La página pedida no existe."),
    ],
)
def test_bad_filters_are_explained(supervisor, conversations, query, message):
    response = supervisor.client.get(f"/console/conversaciones?{query}")
    assert response.status_code == 400
    assert message in text_of(response)


def test_pages(supervisor, database_url, agents):
    events = TrackerEvents(database_url, SLOTS)
    try:
        for number in range(55):
            events.add(f"c{number:02d}", *citizen("Hola", NOW + timedelta(seconds=number)))
    finally:
        events.close()
    first = supervisor.client.get(f"/console/conversaciones?day={DAY}")
    html = first.get_data(as_text=True)
    assert len(listed(supervisor)) == 50 and "Página 1 de 2" in text_of(first)
    next_url = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    second = supervisor.client.get(next_url)
    ids = re.findall(r'href="/console/conversaciones/([^"?]+)"', second.get_data(as_text=True))
    assert ids == ["c04", "c03", "c02", "c01", "c00"]
    assert 'rel="prev"' in second.get_data(as_text=True)
    empty = supervisor.client.get(f"/console/conversaciones?day={DAY}&page=9")
    assert empty.status_code == 200 and "No hay conversaciones" in text_of(empty)
