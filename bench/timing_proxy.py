"""A pass-through HTTP/1.1 proxy that times each request to the action server.

Rasa reaches the action server through it (its `ACTIONS_PORT` points here), so the
benchmark sees how long each action call takes from Rasa's side of the socket:
request bytes in, response bytes out. Requests and responses carry a
Content-Length (aiohttp's JSON body, Sanic's JSON response), which is all it parses.
"""

from __future__ import annotations

import asyncio
import threading
import time


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head + body


class TimingProxy:
    """Listens on `port`, forwards to `target_port`; `calls` holds (end time, seconds)."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.calls: list[tuple[float, float]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:  # the action server has stopped (end of the run): Rasa sees it closed
            client_w.close()
            return
        try:
            while True:
                request = await _read_message(client_r)
                started = time.monotonic()
                server_w.write(request)
                await server_w.drain()
                response = await _read_message(server_r)
                ended = time.monotonic()
                self.calls.append((ended, ended - started))
                client_w.write(response)
                await client_w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            server_w.close()
            client_w.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()
        server.close()

    def start(self) -> TimingProxy:
        """Starts listening in a background thread."""
        self._thread.start()
        self._ready.wait(10)
        return self

    def calls_between(self, begin: float, end: float) -> list[float]:
        """Seconds of the calls that ended within [begin, end] (`time.monotonic` times)."""
        return [seconds for ended, seconds in list(self.calls) if begin <= ended <= end]
