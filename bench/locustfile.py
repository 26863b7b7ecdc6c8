"""Locust users for `make bench` (started by bench/load.py, one Locust run per system and N).

- `ChatCitizen`: a citizen on socket.io following a whole script (bench/citizen.py)
  with think time between turns; each turn is a Locust request named `turn <i>`.
- `ParseClient`: `/model/parse` in a closed loop, the NLU-only floor.

Settings from the environment: `BENCH_SYSTEM` (`tenjo` or `bare`), `BENCH_TOKEN`,
`THINK_MIN`/`THINK_MAX` (seconds), `BENCH_SAMPLES` (a JSON file where every request
is written at the end with its wall time, so bench/load.py computes exact percentiles
over the window after all users started).
"""

from __future__ import annotations

import json
import os
import random
import time

import gevent
from locust import FastHttpUser, User, between, constant, events, task

from bench.citizen import Citizen, bare_script, tenjo_script

SYSTEM = os.environ.get("BENCH_SYSTEM", "tenjo")
TOKEN = os.environ.get("BENCH_TOKEN", "")
THINK = (float(os.environ.get("THINK_MIN", "2")), float(os.environ.get("THINK_MAX", "5")))

_samples: list[list] = []
_marks: dict[str, float] = {}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_):
    _samples.append([time.time(), request_type, name, response_time, response_length,
                     None if exception is None else str(exception)[:200]])


@events.spawning_complete.add_listener
def _spawned(user_count, **_):
    _marks.setdefault("spawned", time.time())


@events.test_start.add_listener
def _started(**_):
    _marks["start"] = time.time()


@events.quitting.add_listener
def _dump(**_):
    path = os.environ.get("BENCH_SAMPLES")
    if path:
        _marks["stop"] = time.time()
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"marks": _marks, "samples": _samples}, out)


class ChatCitizen(User):
    """A citizen who opens the chat, follows one script with think time, and leaves."""

    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.rng = random.Random()

    def _fire(self, name: str, started: float, seconds: float | None, length: int,
              error: str | None) -> None:
        self.environment.events.request.fire(
            request_type="socketio", name=name,
            response_time=(seconds if seconds is not None else time.perf_counter() - started)
            * 1000,
            response_length=length, exception=RuntimeError(error) if error else None,
            context={},
        )

    @task
    def conversation(self) -> None:
        script = tenjo_script(self.rng) if SYSTEM == "tenjo" else bare_script(self.rng)
        started = time.perf_counter()
        try:
            citizen = Citizen(self.host)
        except Exception as error:  # noqa: BLE001 - reported as a failed connection
            self._fire("connect", started, None, 0, f"connect: {error}")
            return
        self._fire("connect", started, time.perf_counter() - started, 0, None)
        try:
            for index, text in enumerate(script, start=1):
                started = time.perf_counter()
                turn = citizen.say(text)
                self._fire(f"turn {index}", started, turn.seconds, len(turn.replies), turn.error)
                if turn.seconds is None:
                    return
                if index < len(script):
                    self.wait()
        finally:
            # Apart: a disconnect can wait on socket.io's background tasks, and a user
            # stopped by Locust (at the end of the run) must not wait for it.
            gevent.spawn(citizen.close)


class ParseClient(FastHttpUser):
    """`POST /model/parse` back to back: what the NLU pipeline alone costs."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def parse(self) -> None:
        script = tenjo_script(self.rng) if SYSTEM == "tenjo" else bare_script(self.rng)
        self.client.post(f"/model/parse?token={TOKEN}", json={"text": self.rng.choice(script)},
                         name="parse")
