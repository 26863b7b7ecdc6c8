"""E-mail of follow-up answers (P15, A4): composed in the protocol's words, sent by SMTP.

Without `SMTP_HOST` nothing leaves the machine: each message is written as an
.eml file to `MAIL_OUTBOX`, and the console says so.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

from console.scripts import BOGOTA, DomainTexts
from console.settings import ConsoleSettings

SUBJECT = "Respuesta a su consulta en el chat de la Alcaldía de Tenjo"
SIGNATURE = (
    "Centro Integral de Servicios Administrativos de Tenjo (CISAT)\n"
    "Alcaldía Municipal de Tenjo"
)
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
          "septiembre", "octubre", "noviembre", "diciembre")


class MailError(Exception):
    """The mail server refused the message or could not be reached (text in Spanish)."""


@dataclass(frozen=True)
class ComposedMail:
    """What the citizen will read: subject and plain-text body."""

    subject: str
    body: str


def long_date(moment: datetime) -> str:
    """'1 de diciembre de 2026', in Bogotá time."""
    local = moment.astimezone(BOGOTA)
    return f"{local.day} de {MONTHS[local.month - 1]} de {local.year}"


def compose(
    texts: DomainTexts,
    answer: str,
    question: str,
    citizen_name: str | None,
    asked_at: datetime,
    moment: datetime,
) -> ComposedMail:
    """Greeting for the time of day (P1), the answer, the farewell with the survey (P12)."""
    farewell = next(script.text for script in texts.scripts if script.key == "farewell")
    parts = [texts.greeting(moment).text]
    if citizen_name:
        parts.append(f"Señor(a) {citizen_name}:")
    intro = f"En respuesta a la consulta que nos hizo en el chat virtual el {long_date(asked_at)}"
    parts.append(f"{intro}:\n«{question.strip()}»" if question.strip() else f"{intro}:")
    parts.append(answer.strip())
    parts.append(farewell)
    parts.append(SIGNATURE)
    return ComposedMail(SUBJECT, "\n\n".join(parts) + "\n")


def build_message(settings: ConsoleSettings, to: str, mail: ComposedMail,
                  moment: datetime) -> EmailMessage:
    """The MIME message (UTF-8 plain text)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(moment)
    message["Message-ID"] = make_msgid(domain="tenjo.chat")
    message.set_content(mail.body, charset="utf-8")
    return message


def outbox_mode(settings: ConsoleSettings) -> bool:
    """True when no mail server is configured: mails are files in the outbox folder."""
    return not settings.smtp_host


def deliver(settings: ConsoleSettings, message: EmailMessage) -> str:
    """Sends by SMTP, or writes to the outbox; returns where it went. MailError on refusal."""
    if outbox_mode(settings):
        return str(_write_outbox(settings.mail_outbox, message))
    try:
        with _connect(settings) as server:
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        details = "; ".join(_reply(code, text) for code, text in error.recipients.values())
        raise MailError(f"El servidor de correo rechazó la dirección del ciudadano: {details}") \
            from error
    except smtplib.SMTPAuthenticationError as error:
        raise MailError("El servidor de correo no aceptó el usuario o la contraseña "
                        f"(SMTP_USER, SMTP_PASSWORD): {_reply(error.smtp_code, error.smtp_error)}"
                        ) from error
    except smtplib.SMTPResponseException as error:
        raise MailError(
            f"El servidor de correo rechazó el envío: {_reply(error.smtp_code, error.smtp_error)}"
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(
            f"No fue posible comunicarse con el servidor de correo "
            f"{settings.smtp_host}:{settings.smtp_port}: {error or type(error).__name__}"
        ) from error
    return f"{settings.smtp_host}:{settings.smtp_port}"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _connect(settings: ConsoleSettings) -> smtplib.SMTP:
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_tls == "ssl":
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                context=ssl.create_default_context())
    server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    if settings.smtp_tls == "starttls":
        try:
            server.starttls(context=ssl.create_default_context())
        except BaseException:
            server.close()
            raise
    return server


def _write_outbox(folder: Path, message: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sent = parsedate_to_datetime(message["Date"]).astimezone(BOGOTA)
    path = folder / f"{sent:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    return path
