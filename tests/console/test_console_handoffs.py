"""A3: take a conversation, chat, canned scripts, close with an outcome."""

from __future__ import annotations

import re

import pytest
from console_support import PAYLOAD, PQRD_URL, SURVEY_URL, seed_handoff

from store.db import session_for
from store.handoffs import get_handoff, messages_after

NOT_DELIVERED = (
    "El mensaje quedó guardado pero no se pudo entregar; se entregará con el siguiente."
)


@pytest.fixture
def handoff_id(database_url) -> int:
    return seed_handoff(database_url, "conv-42", "Ana María", "faq/impuesto_predial")


@pytest.fixture
def taken(console, relay, handoff_id) -> int:
    """The hand-off, taken by ana; the relay's record emptied."""
    assert console.take(handoff_id).status_code == 200
    relay.calls.clear()
    return handoff_id


def stored(database_url, handoff_id):
    with session_for(database_url) as session:
        handoff = get_handoff(session, handoff_id)
        return handoff.status, handoff.agent_id, handoff.outcome, [
            (m.author, m.text, m.agent_id) for m in messages_after(session, handoff_id)
        ]


def test_take_assigns_the_agent_and_tells_the_bot(console, relay, agents, handoff_id, database_url):
    response = console.take(handoff_id)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": handoff_id, "status": "taken", "url": f"/console/handoffs/{handoff_id}",
        "warning": None,
    }
    assert relay.calls == [("conv-42", "EXTERNAL_handoff_taken", {"agent_name": "Ana Rodríguez"})]
    status, agent_id, _, _ = stored(database_url, handoff_id)
    assert (status, agent_id) == ("taken", agents["ana"])


def test_take_from_the_form_redirects_to_the_chat(console, relay, handoff_id):
    token = console.token("/console/")
    response = console.client.post(
        f"/console/handoffs/{handoff_id}/take", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/handoffs/{handoff_id}"
    assert relay.intents() == ["EXTERNAL_handoff_taken"]


def test_second_agent_gets_409_and_no_second_trigger(console, other_console, relay, handoff_id,
                                                     agents, database_url):
    assert console.take(handoff_id).status_code == 200
    response = other_console.take(handoff_id)
    assert response.status_code == 409
    assert response.get_json()["error"] == "Otro funcionario ya atiende esta conversación."
    assert relay.intents() == ["EXTERNAL_handoff_taken"]
    assert stored(database_url, handoff_id)[1] == agents["ana"]


def test_second_agent_taking_from_the_form_gets_the_message(console, other_console, handoff_id):
    assert console.take(handoff_id).status_code == 200
    token = other_console.token("/console/")
    response = other_console.client.post(
        f"/console/handoffs/{handoff_id}/take", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Otro funcionario ya atiende esta conversación." in response.get_data(as_text=True)


def test_take_still_stands_when_rasa_is_down(console, relay, handoff_id, database_url):
    relay.failing = True
    response = console.take(handoff_id)
    assert response.status_code == 200
    assert "no fue posible avisarle" in response.get_json()["warning"]
    assert stored(database_url, handoff_id)[0] == "taken"


def test_take_unknown_handoff_is_404(console):
    response = console.take(999)
    assert response.status_code == 404
    assert response.get_json()["error"] == "Esta conversación no existe."


def test_reply_is_stored_and_relayed_with_its_id(console, relay, taken, agents, database_url):
    response = console.reply(taken, "  Buenos días, con gusto le ayudo.\n")
    assert response.status_code == 201
    message = response.get_json()["message"]
    assert message["author"] == "agent"
    assert message["text"] == "Buenos días, con gusto le ayudo."
    assert message["author_label"] == "Ana Rodríguez"
    assert message["delivered"] is False
    assert relay.calls == [("conv-42", "EXTERNAL_agent_message", {"message_id": message["id"]})]
    assert stored(database_url, taken)[3][-1] == (
        "agent", "Buenos días, con gusto le ayudo.", agents["ana"]
    )


def test_reply_from_a_plain_form_is_accepted(console, relay, taken, database_url):
    token = console.token(f"/console/handoffs/{taken}")
    response = console.client.post(
        f"/console/handoffs/{taken}/messages", data={"text": "Hola", "csrf_token": token}
    )
    assert response.status_code == 302
    assert stored(database_url, taken)[3][-1][1] == "Hola"
    assert relay.intents() == ["EXTERNAL_agent_message"]


def test_reply_by_another_agent_is_forbidden(other_console, relay, taken, database_url):
    before = stored(database_url, taken)[3]
    response = other_console.reply(taken, "Yo respondo")
    assert response.status_code == 403
    assert "Solo el funcionario" in response.get_json()["error"]
    assert stored(database_url, taken)[3] == before
    assert relay.calls == []


def test_reply_to_a_waiting_handoff_is_forbidden(console, handoff_id):
    assert console.reply(handoff_id, "Hola").status_code == 403


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_reply_is_refused_politely(console, relay, taken, database_url, text):
    before = stored(database_url, taken)[3]
    response = console.reply(taken, text)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Escriba un mensaje antes de enviarlo."
    assert stored(database_url, taken)[3] == before
    assert relay.calls == []


def test_reply_over_2000_characters_is_refused(console, relay, taken):
    assert console.reply(taken, "a" * 2000).status_code == 201
    response = console.reply(taken, "a" * 2001)
    assert response.status_code == 400
    assert "2000 caracteres" in response.get_json()["error"]
    assert relay.intents() == ["EXTERNAL_agent_message"]


def test_a_100_kb_reply_is_413_in_spanish_not_a_crash(console, relay, taken):
    response = console.reply(taken, "a" * 100_000)
    assert response.status_code == 413
    assert "demasiado grande" in response.get_data(as_text=True)
    assert relay.calls == []


def test_reply_when_rasa_is_down_is_kept_and_answers_502(console, relay, taken, database_url):
    relay.failing = True
    response = console.reply(taken, "¿Sigue ahí?")
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == NOT_DELIVERED
    assert body["message"]["text"] == "¿Sigue ahí?"
    assert stored(database_url, taken)[3][-1][1] == "¿Sigue ahí?"


def test_close_with_outcome_closes_and_tells_the_bot(console, relay, taken, database_url):
    response = console.close(taken, "referred_pqrd")
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "referred_pqrd"
    assert relay.calls == [("conv-42", "EXTERNAL_handoff_closed", {})]
    status, _, outcome, _ = stored(database_url, taken)
    assert (status, outcome) == ("closed", "referred_pqrd")
    assert console.reply(taken, "Otra cosa").status_code == 409


def test_close_from_the_form_returns_to_the_queue(console, relay, taken, database_url):
    token = console.token(f"/console/handoffs/{taken}")
    response = console.client.post(
        f"/console/handoffs/{taken}/close", data={"outcome": "resolved", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Conversación cerrada." in response.get_data(as_text=True)
    assert stored(database_url, taken)[2] == "resolved"


@pytest.mark.parametrize("outcome", ["", "expired", "abandoned", "whatever"])
def test_close_with_an_invalid_outcome_is_refused(console, relay, taken, database_url, outcome):
    response = console.close(taken, outcome)
    assert response.status_code == 400
    assert stored(database_url, taken)[0] == "taken"
    assert relay.calls == []


def test_close_by_another_agent_is_forbidden(other_console, relay, taken, database_url):
    assert other_console.close(taken, "resolved").status_code == 403
    assert stored(database_url, taken)[0] == "taken"
    assert relay.calls == []


def test_messages_api_returns_new_messages_and_the_status(console, taken):
    first = console.client.get(f"/console/api/handoffs/{taken}/messages").get_json()
    assert first["handoff"]["status"] == "taken"
    assert first["is_owner"] is True
    assert [m["author"] for m in first["messages"]] == ["citizen", "bot"]
    last_id = first["messages"][-1]["id"]
    sent = console.reply(taken, "Le ayudo").get_json()["message"]
    later = console.client.get(
        f"/console/api/handoffs/{taken}/messages?after={last_id}"
    ).get_json()
    assert [m["id"] for m in later["messages"]] == [sent["id"]]
    assert set(later["messages"][0]) >= {"id", "author", "text", "created_at", "delivered"}
    console.close(taken, "resolved")
    closed = console.client.get(
        f"/console/api/handoffs/{taken}/messages?after={sent['id']}"
    ).get_json()
    assert closed["messages"] == []
    assert closed["handoff"]["status"] == "closed"
    assert closed["handoff"]["status_label"] == "Cerrada: Resuelta"
    assert console.client.get(
        f"/console/api/handoffs/{taken}/messages?after=abc"
    ).status_code == 400


def test_chat_page_escapes_the_citizens_html(console, database_url):
    handoff_id = seed_handoff(database_url, "conv-xss", "Ana", None,
                              [("citizen", PAYLOAD), ("bot", "Un momento.")])
    console.take(handoff_id)
    response = console.client.get(f"/console/handoffs/{handoff_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    body = console.client.get(f"/console/api/handoffs/{handoff_id}/messages").get_json()
    assert body["messages"][0]["text"] == PAYLOAD
    assert response.headers["Content-Type"].startswith("text/html")


def test_chat_page_offers_the_protocol_scripts_with_filled_urls(console, taken):
    page = console.client.get(f"/console/handoffs/{taken}").get_data(as_text=True)
    texts = dict(re.findall(r'data-script="([a-z_]+)"\s+data-text="([^"]*)"', page))
    assert set(texts) == {"greeting", "how_can_help", "ask_detail", "inactivity", "please_wait",
                          "escalate_pqrd", "conduct_warning", "ask_satisfaction", "farewell"}
    assert texts["greeting"].startswith("Buenos días, cordial saludo")  # 09:00 in Bogotá
    assert texts["please_wait"] == (
        "Por favor espere un momento, en instantes le enviaré la información que usted necesita."
    )
    assert PQRD_URL in texts["escalate_pqrd"] and "{pqrd_url}" not in texts["escalate_pqrd"]
    assert SURVEY_URL in texts["farewell"] and "{survey_url}" not in texts["farewell"]
    assert texts["ask_satisfaction"] == "¿Es satisfactoria la respuesta?"
    assert texts["how_can_help"] == "¿En qué le puedo ayudar?"
    assert texts["ask_detail"] == "¿Puede precisarme con más detalle su solicitud?"
    assert texts["inactivity"] == (
        "¿Se encuentra en línea? Por favor confírmenos para poder atender su consulta.")
    assert "no usar un lenguaje ofensivo" in texts["conduct_warning"]
    for label in ("Resuelta", "Remitida a PQRD", "Requiere seguimiento por correo",
                  "Sin resolver"):
        assert label in page


@pytest.mark.parametrize(
    ("hour_utc", "expected"),
    [(16, "Buenos días"), (17, "Buenas tardes"), (22, "Buenas tardes"), (23, "Buenas noches"),
     (4, "Buenas noches"), (5, "Buenos días")],
)
def test_greeting_follows_the_time_of_day_in_bogota(console, taken, clock, hour_utc, expected):
    clock.now = clock.now.replace(hour=hour_utc)
    body = console.client.get(f"/console/api/handoffs/{taken}/messages").get_json()
    assert body["greeting"].startswith(expected + ", cordial saludo")


def test_unknown_pages_get_a_short_spanish_answer(console):
    response = console.client.get("/console/handoffs/12345")
    assert response.status_code == 404
    assert "Esta conversación no existe." in response.get_data(as_text=True)
    response = console.client.get("/console/no-existe")
    assert response.status_code == 404
    assert "La página que busca no existe." in response.get_data(as_text=True)


def test_unexpected_errors_show_no_traceback(console, app, relay, taken):
    def broken(*_args):
        raise RuntimeError("secret internals")

    relay.trigger = broken  # not a RelayError: a bug
    response = console.reply(taken, "Hola")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text
    assert "error inesperado" in response.get_json()["error"]
