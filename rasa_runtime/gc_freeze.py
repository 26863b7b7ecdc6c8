"""The loaded model is kept out of the garbage collector's full passes.

Rasa's process holds millions of long-lived objects once the model is loaded
(TensorFlow, the domain, the pipeline). Python's full collection walks all of them:
under 50 citizens the benchmark caught it stalling every conversation of the
process for close to a second (docs/benchmarks.md). Rasa loads the model before the
server starts; once it has started, `gc.freeze()` moves every object alive then to
a permanent generation that collections skip. Objects made later (trackers,
messages) are collected as before. Both channels register it; it freezes once.

Depends on: Rasa loading the model before its Sanic server starts
(`rasa.core.run.load_agent_on_start`). Tests: tests/rasa_runtime/test_gc_freeze.py.
"""

from __future__ import annotations

import gc
from typing import Any

from sanic import Blueprint


def freeze_after_start(blueprint: Blueprint) -> None:
    """Registers `freeze_loaded_objects` to run once the server has started."""
    blueprint.after_server_start(freeze_loaded_objects)


async def freeze_loaded_objects(*_: Any) -> None:
    """Collects what loading left behind, then freezes the rest (once per process)."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
