"""An agent on duty for the live stacks: a console page that reports presence (R1).

The stacks run with the product's default, HANDOFF_NEEDS_AGENT_ONLINE=true, so a
citizen is queued only while an agent is available. This thread does what an open
console page does: it reports every few seconds. `away()` takes the agent out for a
block (a test of "nobody available"), as the "Marcar ausente" switch does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from console.accounts import create_agent_account
from tests.live_clients import ConsoleAgent

USERNAME = "turno"
PASSWORD = "clave-del-agente-de-turno"
REPORT_SECONDS = 5.0


class OnDutyAgent:
    """Logs in once and reports presence until stopped."""

    def __init__(self, web_url: str, database_url: str) -> None:
        create_agent_account(database_url, USERNAME, "Agente de turno", PASSWORD,
                             datetime.now(timezone.utc))
        self.console = ConsoleAgent(web_url)
        assert self.console.login(USERNAME, PASSWORD).ok
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="on-duty-agent", daemon=True)

    def start(self) -> OnDutyAgent:
        self.report()
        self._thread.start()
        return self

    def report(self) -> None:
        """One presence report, as the console page's worker sends it."""
        answer = self.console.post("/console/api/presence")
        assert answer.status_code == 200, answer.text

    def _run(self) -> None:
        while not self._stop.wait(REPORT_SECONDS):
            try:
                self.report()
            except Exception:  # the web app restarting in a fault test: try again
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=REPORT_SECONDS * 2)

    @contextmanager
    def away(self) -> Iterator[None]:
        """Nobody available for the duration of the block."""
        assert self.console.post("/console/presence/away", away="1").ok
        try:
            yield
        finally:
            assert self.console.post("/console/presence/away", away="0").ok
