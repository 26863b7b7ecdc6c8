"""Rasa's check of each action server answer, with the JSON-schema validator built once.

Rasa 3.6 validates every answer of the action server with `jsonschema.validate`,
which checks the schema itself and builds a new validator on each call: 15.5 ms of
CPU per action call here, a third of a turn's cost with 50 citizens at once (the
profile in docs/benchmarks.md). Here the validator is built once; the schema, the
error chosen (`best_match`, as `jsonschema.validate` does) and its message are Rasa's.

Replaces: `RemoteAction._validate_action_result` (`REPLACEMENTS`, installed by
`rasa_runtime.install()`). tests/rasa_runtime/test_action_validation.py compares it
with Rasa's own on valid and invalid answers.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

from rasa_runtime.replacing import Replacement


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


REPLACEMENTS = (Replacement(RemoteAction, "_validate_action_result", validate_action_result),)
