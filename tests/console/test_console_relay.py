"""RasaRelay: the trigger_intent call the console makes to Rasa's HTTP API."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from console.relay import RasaRelay, RelayError
from console.settings import ConsoleSettings


class FakeRasa(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []
    status = 200

    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers["Content-Length"])
        FakeRasa.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(FakeRasa.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_rasa():
    FakeRasa.received = []
    FakeRasa.status = 200
    server = HTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_trigger_posts_the_intent_with_token_and_socketio_output(fake_rasa):
    relay = RasaRelay(ConsoleSettings(rasa_url=fake_rasa, rasa_token="s3cr&to"))
    relay.trigger("web/abc 1", "EXTERNAL_agent_message", {"message_id": 7})
    path, body = FakeRasa.received[0]
    assert path == (
        "/conversations/web%2Fabc%201/trigger_intent?output_channel=socketio&token=s3cr%26to"
    )
    assert body == {"name": "EXTERNAL_agent_message", "entities": {"message_id": 7}}


def test_an_error_answer_raises_relay_error(fake_rasa):
    FakeRasa.status = 500
    relay = RasaRelay(ConsoleSettings(rasa_url=fake_rasa))
    with pytest.raises(RelayError, match="500"):
        relay.trigger("c", "EXTERNAL_handoff_closed", {})


def test_unreachable_rasa_raises_relay_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    relay = RasaRelay(ConsoleSettings(rasa_url=f"http://127.0.0.1:{port}"), timeout=2)
    with pytest.raises(RelayError):
        relay.trigger("c", "EXTERNAL_handoff_closed", {})
