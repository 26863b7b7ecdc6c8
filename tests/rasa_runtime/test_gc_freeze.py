"""Once the server has started, what the model loading left is frozen out of the
garbage collector's passes."""

import asyncio
import gc

from sanic import Blueprint

from rasa_runtime.gc_freeze import freeze_after_start


def test_loaded_objects_are_frozen_after_the_server_starts():
    blueprint = Blueprint("heap_test")
    freeze_after_start(blueprint)
    listeners = [future for future in blueprint._future_listeners
                 if future.event == "after_server_start"]
    assert len(listeners) == 1
    loaded = [object() for _ in range(1000)]
    gc.unfreeze()
    try:
        asyncio.run(listeners[0].listener(None, None))
        assert gc.get_freeze_count() >= len(loaded)
        made_later = [[] for _ in range(3)]
        assert all(gc.is_tracked(item) for item in made_later)  # still collected as usual
    finally:
        gc.unfreeze()
