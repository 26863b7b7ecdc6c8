"""Base of the NLU components here: built from their config alone, nothing trained."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class ConfigOnlyComponent(GraphComponent):
    """A graph component whose constructor takes only its config."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Keeps the config."""
        self._config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConfigOnlyComponent:
        """Creates the component from its config."""
        return cls(config)
