"""The preview chat of the content editor: the real assistant with the editor's drafts.

`POST /console/editor/api/vista-previa` {"message": "...", "conversation": id or null}
sends the message to the running Rasa server on its REST channel, in a conversation
`editor-preview-<editor's id>-<32 hex>`, and answers {"conversation", "messages"}.
In such a conversation the action server reads the editor's saved drafts (answers,
plain words, facts) as if they were published (actions/preview.py); nothing is
counted in the Alcaldía's figures and nobody is handed over to an agent. New examples
are learnt only when published: the page says so.
"""

from __future__ import annotations

import logging

import requests
from flask import jsonify
from flask_login import current_user

from channels.session_tokens import issue
from console.editor_support import InputError, json_object, text
from console.web import services
from store.preview import preview_conversation_id, preview_editor

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 60
MAX_MESSAGE_CHARS = 1000
FIELDS = {"message": "mensaje", "conversation": "conversación"}
EMPTY = "Escriba un mensaje para probar el asistente."
TOO_LONG = f"El mensaje de prueba admite como máximo {MAX_MESSAGE_CHARS} caracteres."
NOT_YOURS = "Esa conversación de prueba no es suya. Empiece una nueva."
UNREACHABLE = ("El asistente no respondió a la vista previa. Puede que se esté reiniciando: "
               "intente de nuevo en un momento.")


def send(conversation: str, message: str) -> list[str]:
    """The bot's texts for `message` in the conversation (Rasa's REST channel)."""
    settings = services().settings
    response = requests.post(
        f"{settings.rasa_url}/webhooks/rest/webhook",
        json={"sender": conversation, "message": message},
        headers={"Authorization": f"Bearer {issue(conversation, settings.chat_token_secret)}"},
        timeout=TIMEOUT_SECONDS)
    response.raise_for_status()
    return [str(item["text"]) for item in response.json() if item.get("text")]


def preview():
    """`POST /console/editor/api/vista-previa`."""
    body = json_object(FIELDS)
    message = (text(body, "message", FIELDS["message"]) or "").strip()
    if not message:
        raise InputError(400, EMPTY)
    if len(message) > MAX_MESSAGE_CHARS:
        raise InputError(400, TOO_LONG)
    conversation = text(body, "conversation", FIELDS["conversation"]) or ""
    if not conversation:
        conversation = preview_conversation_id(current_user.id)
    elif preview_editor(conversation) != current_user.id:
        raise InputError(403, NOT_YOURS)
    try:
        messages = send(conversation, message)
    except (requests.RequestException, ValueError) as error:
        log.warning("the preview could not reach Rasa: %s", error)
        raise InputError(502, UNREACHABLE) from error
    return jsonify(conversation=conversation, messages=messages)
