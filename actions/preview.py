"""Issue 20: an editor's unpublished drafts, tried with the real assistant.

In a preview conversation (store/preview.py: `editor-preview-<agent id>-<32 hex>`,
opened by the console) the actions behave as if that editor's drafts were published:
the answers and plain words of the topics the editor changed (in the domain each
action receives) and the facts (through `current_facts`). actions/base.py applies the
overlay around every action's `run`; any other conversation is untouched and reads no
draft. A draft that cannot be read is left out (logged): the preview goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from content.facts import Fact
from content.publication import FACT, TOPIC, change_of_topic, fact_fields
from store.db import session_for
from store.drafts import draft_body, drafts_of_editor
from store.models import ContentDraft
from store.preview import preview_editor

__all__ = ["PREVIEW", "PreviewOverlay", "active_overlay", "load_overlay", "overlay_domain",
           "overlay_facts", "preview_editor"]

log = logging.getLogger(__name__)

FAQ = "faq"
# Blocks of an answer in domain.yml are separated by a blank line (content/answers.py).
BLOCK_SEPARATOR = "\n\n"
_FACT_FIELDS = frozenset(f.name for f in dataclasses.fields(Fact)) - {"key"}


@dataclass(frozen=True)
class PreviewOverlay:
    """What one editor's drafts change: by label (`faq/<topic>`) the answer text (blocks
    joined by a blank line) and the plain words; by fact key the fields the draft sets."""

    agent_id: int
    answers: Mapping[str, str] = field(default_factory=dict)
    paraphrases: Mapping[str, str] = field(default_factory=dict)
    facts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


# The overlay of the preview conversation whose action is running (actions/base.py sets
# it for the call and resets it after); None in every other conversation.
PREVIEW: ContextVar[PreviewOverlay | None] = ContextVar("tenjo_preview_overlay", default=None)


def active_overlay() -> PreviewOverlay | None:
    """The overlay of the action running now, if it answers a preview conversation."""
    return PREVIEW.get()


def _take(draft: ContentDraft, answers: dict[str, str], paraphrases: dict[str, str],
          facts: dict[str, dict[str, str]]) -> None:
    body = draft_body(draft)
    if draft.kind == TOPIC:
        change = change_of_topic(body).cleaned()
        label = f"{FAQ}/{draft.item_key}"
        if change.answer_blocks:
            answers[label] = BLOCK_SEPARATOR.join(change.answer_blocks)
        if change.paraphrase:
            paraphrases[label] = change.paraphrase
    elif draft.kind == FACT:
        fields = {name: value.strip() for name, value in fact_fields(body).items()
                  if name in _FACT_FIELDS}
        if fields:
            facts[draft.item_key] = fields


def load_overlay(database_url: str, agent_id: int) -> PreviewOverlay:
    """The editor's drafts as an overlay; an empty one when the store cannot be read."""
    answers: dict[str, str] = {}
    paraphrases: dict[str, str] = {}
    facts: dict[str, dict[str, str]] = {}
    try:
        with session_for(database_url) as session:
            for draft in drafts_of_editor(session, agent_id):
                try:
                    _take(draft, answers, paraphrases, facts)
                except Exception:  # one broken draft must not break the preview
                    log.warning("preview of editor %s: draft %s %r ignored", agent_id,
                                draft.kind, draft.item_key, exc_info=True)
    except Exception:  # nor a store failure: the conversation goes on as published
        log.warning("preview of editor %s: drafts not read", agent_id, exc_info=True)
        return PreviewOverlay(agent_id)
    return PreviewOverlay(agent_id, answers, paraphrases, facts)


def overlay_domain(domain: dict[str, Any], overlay: PreviewOverlay) -> dict[str, Any]:
    """A copy of the domain with the overlay's answers (`utter_faq/<topic>`) and plain
    words (`utter_topic_faq_<topic>`); the domain given is not changed."""
    responses = dict(domain.get("responses") or {})
    for label, text in overlay.answers.items():
        responses[f"utter_{label}"] = [{"text": text}]
    for label, words in overlay.paraphrases.items():
        responses["utter_topic_" + label.replace("/", "_")] = [{"text": words}]
    return {**domain, "responses": responses}


def overlay_facts(facts: Mapping[str, Fact], overlay: PreviewOverlay) -> dict[str, Fact]:
    """The facts with the overlay's fields; a draft of a fact the sheet lacks is ignored."""
    changed = dict(facts)
    for key, fields in overlay.facts.items():
        if key in changed:
            changed[key] = dataclasses.replace(changed[key], **fields)
    return changed
