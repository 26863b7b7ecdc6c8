"""The assistant's custom actions run inside a tool's own process, without the action server.

Rasa 3.6 runs a custom action with `RemoteAction.run`, which posts the action call
(`next_action`, `tracker`, `domain`, `version`) to `action_endpoint.request(json=…,
method="post", timeout=…, compress=…)` and reads back `{"events", "responses"}`, or
raises `ClientResponseError` (400: a rejection, anything else: a failure).
`InProcessActionEndpoint` is an `EndpointConfig` whose `request` hands that same JSON
to a rasa-sdk `ActionExecutor` with the `actions` package registered, and answers as
the action server's webhook does (rasa_sdk/endpoint.py): the executor's result; a
rejection as 400; an unknown action as 404; any error as 500. Call and answer go
through a JSON round trip, as over HTTP, so nothing unserialisable slips through.

Nothing is patched: the endpoint is an object given to the `Agent` of the tool that
builds it (`Agent.load(model, action_endpoint=InProcessActionEndpoint(...))`), so only
that agent's actions run in process. `RemoteAction.run` itself, and the replacements
`rasa_runtime.install()` puts on it (bounded wait, polite answer when an action
fails), run unchanged. Depends on Rasa 3.6's `RemoteAction` calling
`EndpointConfig.request` as above (checked by tests/tools/test_dialogue_matrix.py).
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from typing import Any

from rasa.utils.endpoints import ClientResponseError, EndpointConfig

ACTIONS_PACKAGE = "actions"


@dataclass(frozen=True)
class ActionError:
    """A custom action that raised: its name and the error, for the tool's report."""

    action: str
    error: str


def action_executor(package: str = ACTIONS_PACKAGE) -> Any:
    """A rasa-sdk executor with every action of `package`, as `rasa run actions` builds it.

    The actions read their settings when they are built: set the environment first.
    """
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package(package)
    return executor


class InProcessActionEndpoint(EndpointConfig):
    """An action endpoint served by a rasa-sdk executor in this process, not over HTTP."""

    def __init__(self, executor: Any) -> None:
        super().__init__(url="in-process://actions/webhook")
        self.executor = executor
        self.calls: list[str] = []
        self.errors: list[ActionError] = []

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Runs the action call of `json=` as the action server's webhook would."""
        from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

        action_call = json.loads(json.dumps(kwargs.get("json")))
        name = str((action_call or {}).get("next_action") or "")
        self.calls.append(name)
        try:
            result = await self.executor.run(action_call)
        except ActionExecutionRejection as rejection:
            body = {"error": rejection.message, "action_name": rejection.action_name}
            raise ClientResponseError(400, "Bad Request", json.dumps(body)) from rejection
        except ActionNotFoundException as missing:
            self.errors.append(ActionError(name, f"not found: {missing.message}"))
            body = {"error": missing.message, "action_name": missing.action_name}
            raise ClientResponseError(404, "Not Found", json.dumps(body)) from missing
        except Exception as error:  # the action server answers 500 and logs it
            last = traceback.format_exception_only(type(error), error)[-1].strip()
            self.errors.append(ActionError(name, last))
            raise ClientResponseError(500, "Internal Server Error", last) from error
        return json.loads(json.dumps(result))
