"""The preview chat's API (issue 20): what it refuses, and its answer when Rasa is not
there. The conversation itself, with the real assistant and the editor's drafts, is in
tests/test_live_editor_browser.py."""

from __future__ import annotations

import dataclasses

import pytest
from console_support import csrf_token
from editor_pages import create_editors, logged_in

from store.preview import preview_conversation_id

API = "/console/editor/api/vista-previa"


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, rasa_url="http://127.0.0.1:9")  # nobody listens


@pytest.fixture
def eva(app, database_url, agents):
    ids = create_editors(database_url)
    browser = logged_in(app, "eva")
    browser.id = ids["eva"]
    browser.other = ids["pablo"]
    return browser


def ask(browser, body):
    page = browser.client.get("/console/editor/").get_data(as_text=True)
    return browser.client.post(API, json=body, headers={"X-CSRFToken": csrf_token(page)})


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"message": "   "}, 400, "Escriba un mensaje para probar el asistente."),
    ({"message": "x" * 1001}, 400, "admite como máximo 1000 caracteres"),
    ({"message": 5}, 400, "debe ser un texto"),
    ({"message": "hola", "otro": 1}, 400, "campos que esta página no conoce"),
])
def test_a_bad_message_gets_a_clear_answer(eva, body, status, message):
    response = ask(eva, body)
    assert response.status_code == status and message in response.get_json()["error"]


def test_another_editors_preview_is_refused(eva):
    response = ask(eva, {"message": "hola",
                         "conversation": preview_conversation_id(eva.other)})
    assert response.status_code == 403
    assert "no es suya" in response.get_json()["error"]


@pytest.mark.parametrize("conversation", ["ciudadano-1", "editor-preview-1-xyz"])
def test_a_conversation_that_is_not_a_preview_is_refused(eva, conversation):
    assert ask(eva, {"message": "hola", "conversation": conversation}).status_code == 403


def test_when_rasa_does_not_answer_the_editor_is_told(eva):
    response = ask(eva, {"message": "hola"})
    assert response.status_code == 502
    assert "El asistente no respondió a la vista previa" in response.get_json()["error"]


def test_agents_without_the_editor_role_cannot_use_it(console):
    page = console.client.get("/console/queue").get_data(as_text=True)
    response = console.client.post(API, json={"message": "hola"},
                                   headers={"X-CSRFToken": csrf_token(page)})
    assert response.status_code == 403
