"""Whole conversations against the real Rasa server and action server (REST and socket.io).

These check the exact words of the protocol's scripts, which `rasa test` cannot see.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import socketio

from content.facts import update_fact
from store.db import session_for
from store.moderation import moderation_records
from tests.protocol_texts import DATA_NOTICE

pytestmark = pytest.mark.stack

GREETING_MORNING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
ASK_NAME = "¿Me puede indicar su nombre, por favor?"
HOW_CAN_HELP = "¿En qué le puedo ayudar?"
SATISFACTION = "¿Es satisfactoria la respuesta?"
MORE_QUESTIONS = "¿Tiene alguna otra consulta?"
FAREWELL = (
    "Gracias por su consulta. Le invitamos a cerrar esta conversación contestando la siguiente "
    "encuesta: http://186.28.255.236/encuesta/, la cual no demora más de dos minutos; ya que "
    "estamos interesados en conocer si el servicio recibido por parte del Centro Integral De "
    "Servicios Administrativos De Tenjo CISAT, fue prestado con amabilidad, calidad, oportunidad "
    "e idoneidad, con el fin de implementar las mejoras a las que haya lugar."
)
PQRD_SCRIPT = (
    "Le ofrezco disculpas, pero para responder su consulta, se necesita tiempo adicional. Le "
    "invito a presentar su inquietud a través de nuestra página web y en el menor tiempo posible "
    "recibirá respuesta. Por favor ingrese a este enlace:\n"
    "http://www.tenjo-cundinamarca.gov.co/Ciudadanos/Paginas/PQRD-Identificacion.aspx"
)
WARNING = (
    "Para poder brindarle orientación, le pedimos el favor de no usar un lenguaje ofensivo. De lo "
    "contrario nos veremos en la necesidad de dar por terminada esta conversación."
)


def test_happy_path_greeting_name_answer_satisfaction_farewell(live, sender):
    assert live.texts(sender, "hola buenos dias") == [GREETING_MORNING, DATA_NOTICE, ASK_NAME]
    assert live.texts(sender, "me llamo Ana María") == ["Mucho gusto, Ana María.", HOW_CAN_HELP]
    answer = live.texts(sender, "como pago el impuesto predial de mi casa")
    assert answer[0].startswith("Sobre el impuesto predial")
    assert len(answer) >= 3 and answer[-1] == SATISFACTION
    assert live.texts(sender, "si") == [MORE_QUESTIONS]
    assert live.texts(sender, "no") == [FAREWELL]


def test_question_first_is_answered_after_the_name(live, sender):
    assert live.texts(sender, "buenas, como saco el certificado de residencia") == [
        GREETING_MORNING, DATA_NOTICE, ASK_NAME]
    reply = live.texts(sender, "pedro")
    assert reply[0] == "Mucho gusto, Pedro."
    assert reply[1].startswith("Sobre el certificado de residencia")
    assert reply[-1] == SATISFACTION


ASK_DETAIL = "¿Puede precisarme con más detalle su solicitud?"


def test_unclear_messages_follow_protocol_3_4_and_the_question_is_asked_again(live, sender):
    """Issue 17: an unclear message while "¿Es satisfactoria la respuesta?" was pending got
    the clarification ten times in one turn, and the next message no answer."""
    live.texts(sender, "hola")
    live.texts(sender, "soy Ana")
    assert live.texts(sender, "como pago el impuesto predial de mi casa")[-1] == SATISFACTION
    assert live.texts(sender, "ñlkj qwpo") == [ASK_DETAIL, SATISFACTION]
    second = live.texts(sender, "<img src=x onerror=alert(1)>")  # staffed: a person too
    assert second[0].startswith("Para atender mejor su solicitud, le invito a presentarla")
    assert second[1].startswith("En este momento también puede pedir que le atienda")
    assert second[2:] == [SATISFACTION]
    assert live.texts(sender, "ñlkj qwpo") == [ASK_DETAIL, SATISFACTION]
    reply = live.texts(sender, "a que hora atienden")
    assert reply[0].startswith("Los funcionarios del CISAT atienden este chat")
    assert reply[-1] == SATISFACTION


def test_greeting_follows_the_bogota_clock(live, sender):
    with live.clock_at("2026-12-01T23:30:00+00:00"):  # 18:30 in Bogotá
        assert live.texts(sender, "hola")[0].startswith("Buenas noches, cordial saludo")


def test_complex_request_goes_to_the_pqrd_form(live, sender):
    live.texts(sender, "hola")
    live.texts(sender, "prefiero no decirlo")
    reply = live.texts(
        sender, "quiero poner una queja contra un funcionario que me trato mal en la ventanilla"
    )
    assert reply == [PQRD_SCRIPT, SATISFACTION]


def test_offensive_language_is_warned_then_the_chat_ends(live, sender):
    live.texts(sender, "hola")
    assert live.texts(sender, "par de inutiles hijueputas") == [WARNING, ASK_NAME]
    ended = live.say(sender, "malparidos")
    assert ended[0]["text"].startswith("Como no se respetaron las reglas del chat")
    assert {"chat_closed": {"reason": "conduct"}} in [m.get("custom") for m in ended]
    assert live.say(sender, "como pago el predial") == []
    with session_for(live.database_url) as session:
        outcomes = [(r.rule, r.outcome) for r in moderation_records(session, sender)]
    assert outcomes == [("offensive", "warned"), ("offensive", "ended")]


def test_office_hours_on_a_holiday(live, sender):
    live.texts(sender, "hola")
    live.texts(sender, "soy Marta")
    with live.clock_at("2026-12-08T10:00:00-05:00"):
        reply = live.texts(sender, "a que hora atienden en el chat")
    assert reply[0].startswith("Los funcionarios del CISAT atienden este chat de lunes a viernes")
    assert "festivo" in reply[1]
    assert reply[1].endswith("mañana, miércoles 9 de diciembre, a las 8:00 a. m.")
    assert reply[-1] == SATISFACTION


def test_bot_challenge_and_chat_rules(live, sender):
    live.texts(sender, "hola")
    live.texts(sender, "soy Luis")
    assert live.texts(sender, "usted es un robot?")[0].startswith(
        "Soy el asistente virtual de la Alcaldía Municipal de Tenjo.")
    rules = live.texts(sender, "cuales son las reglas del chat")
    assert len(rules) == 3 and "mensajes comerciales" in rules[1]
    assert "responsabilidad civil y penal" in rules[0]
    assert "modificar las reglas de uso" in rules[2]


async def socketio_exchange(url: str, token: str, messages: list[str]) -> list[list[str]]:
    """Talks over socket.io like the widget; the bot's texts after each message."""
    client = socketio.AsyncClient()
    received: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    client.on("bot_uttered", lambda data: received.put_nowait(data))
    client.on("session_confirm", lambda data: confirmed.set())
    await client.connect(url, socketio_path="/socket.io", transports=["polling"],
                         auth={"token": token})
    session_id = token.rpartition(".")[0]
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        replies = []
        for text in messages:
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            batch = [await asyncio.wait_for(received.get(), 30)]
            while True:
                try:
                    batch.append(await asyncio.wait_for(received.get(), 2))
                except asyncio.TimeoutError:
                    break
            replies.append([m.get("text") for m in batch if m.get("text")])
        return replies
    finally:
        # Without waiting for the polling transport's pending long poll (python-socketio
        # >= 5.10's AsyncClient.disconnect() would wait up to the 25 s ping interval).
        await client.eio.disconnect(abort=True)


def test_socketio_channel_with_session_persistence(live, sender):
    replies = asyncio.run(socketio_exchange(live.rasa_url, live.token_of(sender),
                                            ["hola", "me llamo Rosa"]))
    assert replies == [[GREETING_MORNING, DATA_NOTICE, ASK_NAME],
                       ["Mucho gusto, Rosa.", HOW_CAN_HELP]]


def test_a_fact_confirmed_in_the_sheet_reaches_the_next_answer_without_a_restart(live, sender):
    """Issue 18: facts live in data/facts.yml; the action server rereads it."""
    sheet = Path(live.env["FACTS_PATH"])
    original = sheet.read_text(encoding="utf-8")
    question = "donde queda la alcaldia y cual es el telefono"
    live.texts(sender, "hola")
    live.texts(sender, "soy Ana")
    before = "\n".join(live.texts(sender, question))
    assert "sección de transparencia" in before and "Carrera 99" not in before
    try:
        update_fact(sheet, "cisat_address", {
            "value": "Carrera 99 # 9-99", "status": "confirmed", "source": "acta de prueba",
            "source_kind": "official", "confirmed_by": "Prueba", "confirmed_on": "2026-12-06"})
        other = f"{sender}-2"
        live.texts(other, "hola")
        live.texts(other, "soy Luis")
        after = "\n".join(live.texts(other, question))
        assert "El CISAT queda en Carrera 99 # 9-99." in after
        assert "no está confirmad" not in after
    finally:
        sheet.write_text(original, encoding="utf-8")
