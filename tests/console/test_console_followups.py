"""Follow-ups answered by e-mail (A4, P15): a local SMTP server receives what is sent."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from console_support import NOW, PAYLOAD, SURVEY_URL, Console

from console import create_app
from console.mailer import SUBJECT
from store.db import session_for
from store.followups import get_follow_up, record_follow_up
from store.models import FollowUp

EMAIL = "ana.maria@example.com"
QUESTION = "¿Cuándo vence el plazo del descuento del impuesto predial?"
ANSWER = "El descuento del 10 % aplica hasta el 31 de marzo. Puede pagar en línea o en el banco."
MORNING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."


class RecordingHandler:
    """An aiosmtpd handler that keeps every message, or refuses recipients while `refuse`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    """A local SMTP server on a free port: (its handler, its port)."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def mail_console(settings, relay, agents, **mail) -> Console:
    """A logged-in browser on a console with these mail settings."""
    browser = Console(create_app(dataclasses.replace(settings, **mail), relay=relay))
    assert browser.login("ana").status_code == 302
    return browser


@pytest.fixture
def smtp_console(settings, relay, agents, smtp) -> Console:
    return mail_console(settings, relay, agents, smtp_host="127.0.0.1", smtp_port=smtp[1],
                        smtp_tls="none", smtp_from="chat@tenjo.example.org")


def seed_follow_up(database_url: str, question: str = QUESTION, consent: bool = True,
                   name: str | None = "Ana María") -> int:
    """A pending follow-up; without `consent`, a row as no repository function would write."""
    with session_for(database_url) as session:
        if consent:
            return record_follow_up(session, "conv-f", EMAIL, NOW, question, name, NOW).id
        row = FollowUp(conversation_id="conv-nc", citizen_name=name, question=question,
                       email=EMAIL, consent_given=False, consent_at=NOW, status="pending",
                       created_at=NOW, attempts=0)
        session.add(row)
        session.commit()
        return row.id


def stored(database_url: str, follow_up_id: int) -> FollowUp:
    with session_for(database_url) as session:
        row = get_follow_up(session, follow_up_id)
        session.expunge(row)
        return row


def post(browser: Console, path: str, follow: bool = True, **data):
    token = browser.token("/console/followups/")
    return browser.client.post(path, data={"csrf_token": token, **data},
                               follow_redirects=follow)


def test_answer_is_received_by_the_smtp_server(smtp_console, smtp, database_url):
    handler, _ = smtp
    follow_up_id = seed_follow_up(database_url)
    listing = smtp_console.client.get("/console/followups/").get_data(as_text=True)
    for shown in (QUESTION, "Ana María", EMAIL, "Sí, 2026-12-01 09:00", "Pendiente"):
        assert shown in listing
    detail = smtp_console.client.get(f"/console/followups/{follow_up_id}").get_data(as_text=True)
    assert MORNING in detail and SURVEY_URL in detail and SUBJECT in detail

    page = post(smtp_console, f"/console/followups/{follow_up_id}/send", answer=ANSWER,
                attempts="0")

    assert f"La respuesta se envió por correo a {EMAIL}." in page.get_data(as_text=True)
    assert handler.recipients == [[EMAIL]]
    (message,) = handler.messages
    assert message["To"] == EMAIL
    assert message["Subject"] == SUBJECT
    assert message["From"] == "chat@tenjo.example.org"
    body = message.get_body(("plain",)).get_content()
    assert body.startswith(MORNING)
    assert "Señor(a) Ana María:" in body
    assert QUESTION in body and ANSWER in body
    assert f"contestando la siguiente encuesta: {SURVEY_URL}, la cual" in body
    assert "!" not in body and "¡" not in body
    row = stored(database_url, follow_up_id)
    assert (row.status, row.attempts, row.answer, row.answered_at) == ("answered", 1, ANSWER, NOW)
    assert row.agent_id is not None and row.last_error is None
    assert "No hay seguimientos pendientes." in page.get_data(as_text=True)


def test_refused_send_is_shown_and_retried(smtp_console, smtp, database_url):
    handler, _ = smtp
    follow_up_id = seed_follow_up(database_url)
    handler.refuse = True

    page = post(smtp_console, f"/console/followups/{follow_up_id}/send", answer=ANSWER,
                attempts="0").get_data(as_text=True)

    assert "No se pudo enviar el correo." in page and "550 5.1.1 Mailbox unavailable" in page
    assert handler.messages == []
    row = stored(database_url, follow_up_id)
    assert (row.status, row.attempts, row.answer) == ("failed", 1, ANSWER)
    assert "550" in row.last_error
    listing = smtp_console.client.get("/console/followups/").get_data(as_text=True)
    assert "El envío falló" in listing and "550 5.1.1 Mailbox unavailable" in listing
    assert "Reintentar" in listing

    handler.refuse = False
    page = post(smtp_console, f"/console/followups/{follow_up_id}/retry", attempts="1")

    assert "La respuesta se envió por correo" in page.get_data(as_text=True)
    (message,) = handler.messages
    assert message["To"] == EMAIL and ANSWER in message.get_body(("plain",)).get_content()
    row = stored(database_url, follow_up_id)
    assert (row.status, row.attempts, row.last_error) == ("answered", 2, None)


def test_unreachable_mail_server_is_an_error(settings, relay, agents, database_url):
    browser = mail_console(settings, relay, agents, smtp_host="127.0.0.1",
                           smtp_port=free_port(), smtp_tls="none", smtp_timeout_seconds=2.0)
    follow_up_id = seed_follow_up(database_url)
    page = post(browser, f"/console/followups/{follow_up_id}/send", answer=ANSWER,
                attempts="0").get_data(as_text=True)
    assert "No fue posible comunicarse con el servidor de correo" in page
    assert stored(database_url, follow_up_id).status == "failed"


def test_no_consent_no_mail(smtp_console, smtp, database_url):
    handler, _ = smtp
    follow_up_id = seed_follow_up(database_url, consent=False)
    detail = smtp_console.client.get(f"/console/followups/{follow_up_id}").get_data(as_text=True)
    assert "No registrado: no se puede enviar correo" in detail
    assert 'name="answer"' not in detail

    page = post(smtp_console, f"/console/followups/{follow_up_id}/send", answer=ANSWER,
                attempts="0").get_data(as_text=True)

    assert "no dio su consentimiento para recibir correos" in page
    assert handler.messages == []
    row = stored(database_url, follow_up_id)
    assert (row.status, row.attempts) == ("pending", 0)


def test_a_second_send_of_the_same_page_is_refused(smtp_console, smtp, database_url):
    handler, _ = smtp
    follow_up_id = seed_follow_up(database_url)
    post(smtp_console, f"/console/followups/{follow_up_id}/send", answer=ANSWER, attempts="0")
    page = post(smtp_console, f"/console/followups/{follow_up_id}/send", answer="Otra",
                attempts="0").get_data(as_text=True)
    assert "ya fue respondido o cerrado" in page
    assert len(handler.messages) == 1


def test_outbox_mode_writes_a_file_and_says_so(settings, relay, agents, database_url, tmp_path):
    outbox = tmp_path / "outbox"
    browser = mail_console(settings, relay, agents, mail_outbox=outbox)
    follow_up_id = seed_follow_up(database_url)
    listing = browser.client.get("/console/followups/").get_data(as_text=True)
    assert "No hay servidor de correo configurado (SMTP_HOST)" in listing
    assert str(outbox) in listing

    page = post(browser, f"/console/followups/{follow_up_id}/send", answer=ANSWER,
                attempts="0").get_data(as_text=True)

    (written,) = outbox.glob("*.eml")
    assert "la respuesta no salió del equipo" in page and written.name in page
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert (message["To"], message["Subject"]) == (EMAIL, SUBJECT)
    assert ANSWER in message.get_body(("plain",)).get_content()
    assert stored(database_url, follow_up_id).status == "answered"


def test_marked_done_without_mail(smtp_console, smtp, database_url):
    handler, _ = smtp
    follow_up_id = seed_follow_up(database_url)
    page = post(smtp_console, f"/console/followups/{follow_up_id}/done", note="")
    assert "Indique cómo se resolvió" in page.get_data(as_text=True)
    page = post(smtp_console, f"/console/followups/{follow_up_id}/done",
                note="Se le respondió por teléfono.")
    assert "quedó cerrado sin enviar correo" in page.get_data(as_text=True)
    row = stored(database_url, follow_up_id)
    assert (row.status, row.answer, row.answered_at) == ("done", "Se le respondió por teléfono.",
                                                         NOW)
    assert handler.messages == []
    assert "Cerrado sin correo" in smtp_console.client.get("/console/followups/").get_data(
        as_text=True)


def test_empty_and_too_long_answers_are_refused(smtp_console, smtp, database_url):
    follow_up_id = seed_follow_up(database_url)
    page = post(smtp_console, f"/console/followups/{follow_up_id}/send", answer="  ",
                attempts="0")
    assert "Escriba la respuesta antes de enviarla." in page.get_data(as_text=True)
    page = post(smtp_console, f"/console/followups/{follow_up_id}/send", answer="x" * 6001,
                attempts="0")
    assert "supera el límite" in page.get_data(as_text=True)
    assert smtp[0].messages == []
    assert stored(database_url, follow_up_id).attempts == 0


def test_question_is_escaped(console, database_url):
    follow_up_id = seed_follow_up(database_url, question=PAYLOAD, name=PAYLOAD)
    for path in ("/console/followups/", f"/console/followups/{follow_up_id}"):
        html = console.client.get(path).get_data(as_text=True)
        assert PAYLOAD not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_login_and_csrf_are_required(app, console, database_url):
    follow_up_id = seed_follow_up(database_url)
    anonymous = app.test_client()
    assert anonymous.get("/console/followups/").status_code == 302
    response = console.client.post(f"/console/followups/{follow_up_id}/send",
                                   data={"answer": ANSWER, "attempts": "0"})
    assert response.status_code == 400
    assert stored(database_url, follow_up_id).attempts == 0


def test_unknown_follow_up_is_404(console):
    assert console.client.get("/console/followups/999").status_code == 404
    token = console.token("/console/followups/")
    response = console.client.post("/console/followups/999/send",
                                   data={"csrf_token": token, "answer": ANSWER})
    assert response.status_code == 404


def test_mail_settings_from_the_environment(tmp_path):
    from console.mailer import outbox_mode
    from console.settings import ConsoleSettings

    default = ConsoleSettings.from_env({})
    assert outbox_mode(default) and default.mail_outbox.parts[-2:] == ("var", "outbox")
    assert (default.smtp_tls, default.smtp_port) == ("starttls", 587)
    custom = ConsoleSettings.from_env({
        "SMTP_HOST": "smtp.example.org", "SMTP_TLS": "SSL", "SMTP_USER": "chat",
        "SMTP_PASSWORD": "secreto", "SMTP_FROM": "chat@example.org",
        "MAIL_OUTBOX": str(tmp_path), "SMTP_TIMEOUT_SECONDS": "3",
    })
    assert not outbox_mode(custom)
    assert (custom.smtp_tls, custom.smtp_port, custom.smtp_timeout_seconds) == ("ssl", 465, 3.0)
    assert custom.mail_outbox == tmp_path and "secreto" not in repr(custom)
    for name, value in (("SMTP_TLS", "tls1.3"), ("SMTP_PORT", "0"),
                        ("SMTP_TIMEOUT_SECONDS", "nunca")):
        with pytest.raises(ValueError, match=name):
            ConsoleSettings.from_env({name: value})
