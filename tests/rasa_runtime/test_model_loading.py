"""rasa_runtime/model_loading.py: `PUT /model` loads the model off the event loop.

That the Rasa server answers citizens while a publication loads its model, and that
the new model answers next, is tested with the real server in
tests/test_live_editor_browser.py; here, what does not need a model.
"""

from __future__ import annotations

import asyncio

import pytest
import rasa.server
from rasa.core.utils import AvailableEndpoints
from rasa.server import ErrorResponse

from rasa_runtime import install, replacing
from rasa_runtime.model_loading import load_agent_off_the_loop


def test_install_puts_it_in_place_of_rasas_function():
    install()
    assert rasa.server._load_agent is load_agent_off_the_loop
    assert replacing.rasas(rasa.server, "_load_agent") is not load_agent_off_the_loop


@pytest.mark.parametrize("path", ["/no/such/model.tar.gz", None])
def test_a_missing_model_is_refused_as_rasa_refuses_it(path, tmp_path):
    rasas = replacing.rasas(rasa.server, "_load_agent")

    def refusal(function):
        try:
            asyncio.run(function(model_path=path, endpoints=AvailableEndpoints()))
        except ErrorResponse as error:
            return error.status, error.error_info["reason"]
        return None

    assert refusal(load_agent_off_the_loop) == refusal(rasas) == (400, "BadRequest")


def test_an_agent_is_built_from_the_endpoints_without_a_model():
    from rasa_runtime.model_loading import build_agent

    agent = asyncio.run(build_agent(AvailableEndpoints()))
    assert agent.processor is None and not agent.is_ready()
