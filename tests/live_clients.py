"""Clients of the running stack, as the widget and an agent's browser use it."""

from __future__ import annotations

import queue
import re
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import requests
import socketio
import websocket

from channels.session_tokens import issue, secret_from_env

# websocket-client sends an Origin header of its own unless told not to; a browser's
# Origin, when a test wants one, goes in the connection's `headers`.
NOT_A_BROWSER = {"suppress_origin": True}


class SocketCitizen:
    """A citizen on the socket.io channel with session persistence, like the widget.

    It holds the session's signed token (made here with the stack's secret, as the
    web app's `POST /chat/session` would); `token` overrides it, `lb` is the sticky
    key a load balancer hashes on, `source` another local address to come from, and
    `transport` "websocket" (the default, as the widget once upgraded) or "polling".
    """

    def __init__(self, rasa_url: str, session_id: str, token: str | None = None,
                 lb: str | None = None, source: str | None = None,
                 transport: str = "websocket") -> None:
        self.session_id = session_id
        self.token = token or issue(session_id, secret_from_env())
        self.received: queue.Queue = queue.Queue()
        self.custom: list[dict] = []  # custom JSON messages, e.g. {"chat_closed": …}
        # Not a browser: no Origin header. From another loopback address (127.0.0.2, ...)
        # when `source` is given.
        extra = dict(NOT_A_BROWSER)
        if source:
            extra["socket"] = connected_from(rasa_url, source)
        self._client = socketio.Client(reconnection=False, websocket_extra_options=extra)
        self._client.on("bot_uttered", self._on_bot_message)
        confirmed = queue.Queue()
        self._client.on("session_confirm", confirmed.put)
        refusals: list = []
        self._client.on("connect_error", refusals.append)
        url = f"{rasa_url}?lb={lb}" if lb else rasa_url
        try:
            self._client.connect(url, socketio_path="/socket.io", transports=[transport],
                                 auth={"token": self.token})
        except socketio.exceptions.ConnectionError as error:
            # python-socketio >= 5.10 leaves the server's reason out of the exception.
            raise socketio.exceptions.ConnectionError(f"{error} {refusals}") from error
        self._client.emit("session_request", {"session_id": session_id})
        confirmed.get(timeout=15)

    def _on_bot_message(self, message: dict) -> None:
        if isinstance(message, dict) and "custom" in message:
            self.custom.append(message["custom"])
        self.received.put(message)

    def say(self, text: str, quiet: float = 0.5, timeout: float = 30.0) -> list[str]:
        """Sends a message; once the server has acknowledged it (the whole turn is done,
        within `timeout`), the bot's texts until it has been quiet for `quiet` seconds.

        A turn the bot answers with silence costs `quiet`, not `timeout`.
        """
        acknowledged = threading.Event()
        self._client.emit("user_uttered", {"message": text, "session_id": self.session_id},
                          callback=lambda *_: acknowledged.set())
        assert acknowledged.wait(timeout), f"no acknowledgement of {text!r} in {timeout:.0f} s"
        return self.texts(quiet, timeout=quiet)

    def turn(self, text: str, timeout: float = 60.0, message_id: str | None = None
             ) -> list[str]:
        """Sends a message as the widget does (a client message id, the server's ack after
        the whole turn); the bot's texts of that turn (AssertionError without the ack)."""
        acknowledged = threading.Event()
        self._client.emit(
            "user_uttered",
            {"message": text, "session_id": self.session_id,
             "metadata": {"client_message_id": message_id or uuid.uuid4().hex}},
            callback=lambda *_: acknowledged.set(),
        )
        assert acknowledged.wait(timeout), f"no acknowledgement of {text!r} in {timeout:.0f} s"
        # The replies travel through Redis when shared: a straggler may follow the ack.
        return self.texts(quiet=0.5, timeout=0.5)

    def texts(self, quiet: float = 2.0, timeout: float = 30.0) -> list[str]:
        """The texts received: waits up to `timeout` for the first, then until quiet."""
        texts = []
        try:
            first = self.received.get(timeout=timeout)
        except queue.Empty:
            return texts
        batch = [first]
        while True:
            try:
                batch.append(self.received.get(timeout=quiet))
            except queue.Empty:
                break
        texts.extend(m["text"] for m in batch if m.get("text"))
        return texts

    def wait_for(self, expected: str, timeout: float = 30.0) -> list[str]:
        """Every text received until one equals `expected` (AssertionError on timeout)."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if message.get("text"):
                seen.append(message["text"])
                if message["text"] == expected:
                    return seen
        raise AssertionError(f"{expected!r} never arrived; received {seen!r}")

    def close(self) -> None:
        """Disconnects. Over the WebSocket transport at once, and the server is told; over
        long polling without waiting for the pending poll (python-socketio >= 5.10's
        `disconnect()` would wait up to the 25 s ping interval): the server notices at
        its next ping."""
        if self._client.transport() == "polling":
            self._client.eio.disconnect(abort=True)
        else:
            self._client.disconnect()


def connected_from(url: str, source: str) -> socket.socket:
    """A TCP connection to `url`'s host and port from the local address `source` (any
    127.x.y.z works on Linux's loopback): another client address for the servers."""
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port or 80), timeout=10,
                                    source_address=(source, 0))


class _FromAddress(requests.adapters.HTTPAdapter):
    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def http_from(source: str) -> requests.Session:
    """A requests session whose connections come from the local address `source`."""
    session = requests.Session()
    session.mount("http://", _FromAddress(source))
    return session


def engineio_socket(url: str, source: str, lb: str = "flood") -> websocket.WebSocket:
    """A bare engine.io WebSocket to `url`'s socket.io path from `source`, never joined
    to socket.io: what a client holding connections open without chatting costs."""
    parts = urlsplit(url)
    address = f"ws://{parts.netloc}/socket.io/?EIO=4&transport=websocket&lb={lb}"
    return websocket.create_connection(address, socket=connected_from(url, source), timeout=10)


def new_session(front_url: str) -> tuple[str, str]:
    """A conversation id and its token, from the web app's `POST /chat/session`."""
    response = requests.post(f"{front_url}/chat/session", json={}, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["session_id"], body["token"]


def assert_a_citizen_is_answered(web_url: str, socket_url: str, lb: str | None = None) -> None:
    """A new conversation from 127.0.0.1 (its token from `web_url`, its socket to
    `socket_url`) gets the greeting, the data notice and the name question for "hola"."""
    session_id, token = new_session(web_url)
    citizen = SocketCitizen(socket_url, session_id, token=token, lb=lb)
    try:
        assert len(citizen.say("hola")) == 3, "the greeting, the notice and the name question"
    finally:
        citizen.close()


def replica_for(front_url: str, lb: str) -> str:
    """The Rasa replica nginx sends a new socket.io session with this `lb` key to
    (`X-Upstream`: rasa-a or rasa-b)."""
    response = requests.get(f"{front_url}/socket.io/",
                            params={"EIO": "4", "transport": "polling", "lb": lb}, timeout=10)
    assert response.status_code == 200, response.text
    return response.headers["X-Upstream"]


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class ConsoleAgent:
    """An agent using the console over HTTP, with its cookie and CSRF token like a browser."""

    def __init__(self, console_url: str) -> None:
        self.url = console_url.rstrip("/")
        self.http = requests.Session()
        self.csrf = ""

    def _token_from(self, html: str) -> str:
        match = _CSRF_META.search(html)
        assert match, "the console page carries no CSRF token"
        return match.group(1)

    def login(self, username: str, password: str) -> requests.Response:
        """Logs in through the login form."""
        page = self.http.get(f"{self.url}/console/login", timeout=10)
        token = self._token_from(page.text)
        response = self.http.post(
            f"{self.url}/console/login",
            data={"username": username, "password": password, "csrf_token": token},
            timeout=10,
        )
        self.csrf = self._token_from(response.text) if response.ok else ""
        return response

    def post(self, path: str, **payload) -> requests.Response:
        """A JSON POST with the CSRF header, as the console's JavaScript sends it."""
        return self.http.post(
            f"{self.url}{path}", json=payload, headers={"X-CSRFToken": self.csrf}, timeout=30
        )

    def get(self, path: str) -> requests.Response:
        """A GET with the agent's session."""
        return self.http.get(f"{self.url}{path}", timeout=10)
