"""`PUT /model` loads the new model in a worker thread: the server keeps answering.

Rasa 3.6's handler of `PUT /model` (`load_model` in rasa/server.py) awaits the module
function `rasa.server._load_agent`, whose `rasa.core.agent.load_agent` builds the
agent's stores and then calls the synchronous `Agent.load_model` on the event loop.
Unpacking and loading this assistant's model takes about 40 s here, and every
conversation of that server would wait that long. `load_agent_off_the_loop` builds
the agent as `load_agent` does, then runs `Agent.load_model` in the loop's default
executor; the handler swaps the agents as before, so a message being handled ends
on the old agent and the next one uses the new. A model from a model server or from
remote storage, or a path that does not exist, goes through Rasa's own function.
Failures answer as Rasa's: 500 (LoadingError) when loading raised, 400 when the agent
is not ready.

An editor's publication (tools/publish.py) uses it, through RASA_SERVER_URLS.
Tests: tests/rasa_runtime/test_model_loading.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
from http import HTTPStatus
from typing import Any

import rasa.server
from rasa.core.agent import Agent
from rasa.core.brokers.broker import EventBroker
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.server import ErrorResponse

from rasa_runtime.replacing import Replacement, rasas

logger = logging.getLogger(__name__)


async def build_agent(endpoints: Any) -> Agent:
    """The agent `rasa.core.agent.load_agent` builds from the endpoints, with no model."""
    if not endpoints:
        return Agent()
    broker = await EventBroker.create(endpoints.event_broker)
    return Agent(generator=endpoints.nlg,
                 tracker_store=TrackerStore.create(endpoints.tracker_store, event_broker=broker),
                 lock_store=LockStore.create(endpoints.lock_store),
                 action_endpoint=endpoints.action)


async def load_agent_off_the_loop(model_path: str | None = None, model_server: Any = None,
                                  remote_storage: str | None = None,
                                  endpoints: Any = None) -> Agent:
    """Rasa's `_load_agent`, with the model loaded outside the event loop."""
    uses_rasas = (model_server is not None or remote_storage is not None or not model_path
                  or not os.path.exists(model_path)
                  or (endpoints is not None and (endpoints.model or endpoints.nlu)))
    if uses_rasas:
        return await rasas(rasa.server, "_load_agent")(
            model_path=model_path, model_server=model_server, remote_storage=remote_storage,
            endpoints=endpoints)
    agent = await build_agent(endpoints)
    try:
        await asyncio.get_running_loop().run_in_executor(None, agent.load_model, model_path)
    except Exception as error:  # noqa: BLE001 - answered as Rasa answers it
        logger.error("Could not load model due to %s.", error, exc_info=True)
        raise ErrorResponse(HTTPStatus.INTERNAL_SERVER_ERROR, "LoadingError",
                            f"An unexpected error occurred. Error: {error}") from error
    if not agent.is_ready():
        raise ErrorResponse(HTTPStatus.BAD_REQUEST, "BadRequest",
                            f"Agent with name '{model_path}' could not be loaded.",
                            {"parameter": "model", "in": "query"})
    return agent


REPLACEMENTS = (Replacement(rasa.server, "_load_agent", load_agent_off_the_loop),)
