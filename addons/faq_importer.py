"""Training-data importer that keeps the FAQ answers' wording out of the NLU data.

Rasa 3.6 copies every `utter_faq/<topic>` text of domain.yml into the NLU training
data (`ResponsesSyncImporter`), so editing an answer's wording alone changes the
NLU data's fingerprint and retrains DIET and the ResponseSelector from scratch.
Our ResponseSelector learns the topic (`use_text_as_label: false`), never the
text, so the NLU data gets each answer's name in place of its text: an answer
edited alone then retrains only the dialogue policies, and Rasa's training cache
reuses the NLU components. The domain, which is what the bot says, keeps the
real texts. Loading this module (config.yml `importers:`) applies the change;
rasa is pinned (3.6.21) and tests/addons checks it still holds.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.importers.importer import ResponsesSyncImporter
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.training_data import TrainingData


def responses_by_name(responses: dict[str, list[dict[str, Any]]]) -> TrainingData:
    """NLU data holding each retrieval response with its name as its only text."""
    return TrainingData(responses={name: [{"text": name}] for name in responses})


ResponsesSyncImporter._get_nlu_data_with_responses = staticmethod(responses_by_name)


class FaqAnswersByNameImporter(RasaFileImporter):
    """Rasa's file importer; loading it makes the NLU data name the FAQ answers."""
