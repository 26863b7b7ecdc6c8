"""Rasa's check of each action server answer, with the JSON-schema validator built once.

Rasa 3.6 validates every answer of the action server with `jsonschema.validate`,
which checks the schema itself and builds a new validator on each call: 15.5 ms of
CPU per action call here, a third of a turn's cost with 50 citizens at once (the
profile in docs/benchmarks.md). Here the validator is built once; the schema, the
error chosen (`best_match`, as `jsonschema.validate` does) and its message are Rasa's.

`install()` replaces `RemoteAction._validate_action_result` once; the channels call it
when Rasa builds them (channels/socketio.py, channels/rest.py), next to
channels/action_failure.py. tests/channels/test_action_validation.py compares both
with Rasa's own on valid and invalid answers.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_RASAS = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of Rasa's action response schema (checked once)."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """True for a valid answer; Rasa's ValidationError (same message) otherwise."""
    error = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def rasas_validation() -> Any:
    """Rasa's own method (for comparison in the tests)."""
    return _RASAS


def install() -> None:
    """Uses the cached validator for every action call (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result
