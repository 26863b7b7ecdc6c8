"""An editor's publication in the scaled layout (issue 20): `make run-scaled` lists both
Rasa replicas in RASA_SERVER_URLS, and the publication's loader puts the model into
each, one after the other, while a conversation through nginx goes on."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from settings.table import Settings
from tests.test_scaled_setup import new_session, rest_texts
from tools.rasa_servers import LoadError, load_everywhere, server_status

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[1]


def test_the_web_app_is_told_every_replica(scaled):
    urls = Settings.from_env(scaled.env).rasa_server_urls
    assert urls == (scaled.rasa_url("rasa-a"), scaled.rasa_url("rasa-b"))


def test_a_model_is_loaded_into_both_replicas_while_a_conversation_goes_on(scaled):
    urls = Settings.from_env(scaled.env).rasa_server_urls
    token = scaled.env["RASA_TOKEN"]
    session_id, chat_token = new_session(scaled)
    assert rest_texts(scaled, session_id, chat_token, "hola")
    replies: list[list[str]] = []
    talking = threading.Thread(target=lambda: replies.append(
        rest_texts(scaled, session_id, chat_token, "me llamo Nubia")))
    model = ROOT / "models" / "tenjo.tar.gz"

    loading = threading.Thread(target=load_everywhere, args=(urls, token, model, model))
    loading.start()
    talking.start()
    talking.join(timeout=120)
    loading.join(timeout=600)
    assert not loading.is_alive() and replies and any(
        "¿En qué le puedo ayudar?" in text for text in replies[0]), replies
    for url in urls:
        assert server_status(url, token).get("model_file"), url
    assert any("Sobre el SISBÉN" in text for text in rest_texts(
        scaled, session_id, chat_token, "como me inscribo en el sisben"))


def test_a_replica_that_refuses_the_model_gets_nothing_and_says_why(scaled, tmp_path):
    urls = Settings.from_env(scaled.env).rasa_server_urls
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    with pytest.raises(LoadError) as refused:
        load_everywhere(urls, scaled.env["RASA_TOKEN"], broken, ROOT / "models" / "tenjo.tar.gz")
    assert refused.value.server == urls[0]
    session_id, chat_token = new_session(scaled)
    assert rest_texts(scaled, session_id, chat_token, "hola")  # the old model still answers
