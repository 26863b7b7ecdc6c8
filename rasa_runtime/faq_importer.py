"""Training-data importer that keeps the FAQ answers' wording out of the NLU data.

Rasa 3.6 wraps every importer of config.yml in `ResponsesSyncImporter`, which copies
every `utter_faq/<topic>` text of the domain into the NLU training data, so editing
an answer's wording alone changes the NLU data's fingerprint and retrains DIET and
the ResponseSelector from scratch. Our ResponseSelector learns the topic
(`use_text_as_label: false`), never the text, so the NLU data gets each answer's
name in place of its text: an answer edited alone then retrains only the dialogue
policies, and Rasa's training cache reuses the NLU components. The domain, which is
what the bot says, keeps the real texts.

How, without changing Rasa's classes: `ResponsesSyncImporter.get_nlu_data` takes the
responses it copies from the wrapped importer's `Domain.retrieval_intent_responses`,
and its `get_domain` builds a plain `Domain` again from `as_dict()`. This importer's
domain is a `Domain` whose `retrieval_intent_responses` name the answers; everything
else about it, its responses included, is the file's.

Depends on: `ResponsesSyncImporter` in Rasa 3.6.21 (`rasa_runtime.version`).
Tests: tests/rasa_runtime/test_faq_importer.py.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.utils.common import cached_method

from rasa_runtime.version import require_pinned_rasa


def responses_by_name(responses: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict]]:
    """Each response with its name as its only text."""
    return {name: [{"text": name}] for name in responses}


class DomainNamingFaqAnswers(Domain):
    """The domain as written, whose retrieval responses, as the NLU data sees them,
    are their names."""

    @property
    def retrieval_intent_responses(self) -> dict[str, list[dict[str, Any]]]:
        """The retrieval responses' names, each standing for its own text."""
        return responses_by_name(super().retrieval_intent_responses)


class FaqAnswersByNameImporter(RasaFileImporter):
    """Rasa's file importer, whose domain gives the NLU data the FAQ answers' names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        require_pinned_rasa()
        super().__init__(*args, **kwargs)

    @cached_method
    def get_domain(self) -> Domain:
        """The files' domain, as a `DomainNamingFaqAnswers`."""
        domain = super().get_domain()
        if domain.is_empty():
            return domain
        return DomainNamingFaqAnswers.from_dict(domain.as_dict())
