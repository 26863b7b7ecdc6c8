"""Everything of this assistant that replaces or depends on Rasa 3.6 internals.

Rasa's public extension points (custom channels, components, policies, actions)
live elsewhere; this package holds what reaches past them, so that a newcomer, or
an upgrade of Rasa, finds every risk in one place. It is written against Rasa
3.6.21 only (`version.PINNED_RASA`): `install()`, the tracker store and the
importer refuse to run on any other version, and tests/rasa_runtime/test_version.py
fails when the installed Rasa is not the pinned one.

Methods replaced in the Rasa server process by `install()` (training and
`rasa test` keep Rasa's own); each is a `replacing.Replacement`, installed once.
For each: what it replaces; why; the test (tests/rasa_runtime/) that compares it
with Rasa's own behaviour.

- action_failure: `RemoteAction.run`, wrapped. A polite message instead of silence
  when the action server fails, and a bounded wait. test_action_failure.py: Rasa's
  method is the one wrapped, once; each kind of failure is answered.
- action_validation: `RemoteAction._validate_action_result`. The JSON-schema
  validator built once (it cost 15.5 ms per action call). test_action_validation.py:
  the same verdict and message as Rasa's on valid and invalid answers.
- turn_order: `MessageProcessor.parse_message`, `_run_action` and `save_tracker`,
  wrapped. Under load the oldest turn goes on first. test_turn_order.py: the same
  stages run, in order of the turns' age (a control shows the order without it).
- past_states: `Domain.states_for_tracker_history`. The states are extended as the
  tracker grows instead of replayed for every prediction. test_past_states.py:
  Rasa's states after every event of a conversation, for each set of options.
- rule_matching: `RulePolicy._prediction_states`, wrapped. Rules are matched against
  the recent states only. test_rule_matching.py: Rasa's prediction, events and rule
  after every event of a 30-turn conversation.
- lock_retry: `LockStore.lock`. A conversation's lock deleted by another process
  between a ticket's issue and its first check is taken again instead of refusing
  the turn. test_lock_retry.py: Rasa's order of turns and its refusal of an expired
  lock; the deleted lock refused by Rasa's, taken again here, the turn run once.
- circuit_breaker: `MessageProcessor._run_prediction_loop`, wrapped. A turn stopped by
  Rasa's limit of predictions still ends with `action_listen`, so the next message is
  answered. test_circuit_breaker.py: Rasa's loop on the same runaway policy leaves the
  turn open; ours closes it, and changes nothing on a turn that ended by listening.
- model_loading: `rasa.server._load_agent`, the function of `PUT /model`. The model
  of an editor's publication is loaded in a worker thread, so the server keeps
  answering during the 40 s it takes. test_model_loading.py: a message is answered
  while the model loads; the new model answers next; Rasa's answers to a bad path.

Loaded by Rasa by name (endpoints.yml, config.yml) or by the channels:

- tracker_store: subclasses `SQLTrackerStore` and reads Rasa's `events` table
  directly, adding the indexes it needs. Each turn reads a bounded window of a long
  conversation. test_tracker_store.py: the same state as Rasa's full replay, on
  SQLite and PostgreSQL.
- faq_importer: depends on `ResponsesSyncImporter` taking the NLU data's responses
  from `Domain.retrieval_intent_responses`. The NLU data names the FAQ answers, so
  an answer edited alone retrains no NLU component. test_faq_importer.py: the NLU
  data names the answers, the domain keeps their texts, as Rasa's importer builds it.
- gc_freeze: depends on Rasa loading the model before its server starts. The loaded
  model is kept out of the garbage collector's full passes. test_gc_freeze.py.
- version: the guard. test_version.py fails when the installed Rasa is not the
  pinned one.

Nothing here acts at import time: the channels call `install()` when Rasa builds
them (channels/socketio.py, channels/rest.py).
"""

from __future__ import annotations

from typing import Any

from rasa_runtime.version import PINNED_RASA, UnsupportedRasaVersion, require_pinned_rasa

__all__ = ["PINNED_RASA", "UnsupportedRasaVersion", "install"]


def install(server_blueprint: Any = None, installed_rasa: str | None = None) -> None:
    """Installs every replacement (idempotent: `replacing.apply` installs each once).

    With the Sanic blueprint of a channel, also freezes the loaded model once the server
    has started. Raises `UnsupportedRasaVersion` on a Rasa other than `PINNED_RASA`
    (`installed_rasa` overrides the version read from the installed package).
    """
    require_pinned_rasa(installed_rasa)
    from rasa_runtime import (
        action_failure,
        action_validation,
        circuit_breaker,
        gc_freeze,
        lock_retry,
        model_loading,
        past_states,
        replacing,
        rule_matching,
        turn_order,
    )

    for module in (action_failure, action_validation, turn_order, past_states, rule_matching,
                   lock_retry, circuit_breaker, model_loading):
        for replacement in module.REPLACEMENTS:
            replacing.apply(replacement)
    if server_blueprint is not None:
        gc_freeze.freeze_after_start(server_blueprint)
