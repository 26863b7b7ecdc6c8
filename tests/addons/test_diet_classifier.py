"""Our DIET leaves the training data untouched, so an FAQ answer edit retrains nothing.

The first test shows the cause on Rasa's own DIET (its BILOU tags change the examples'
fingerprint) and its absence on ours; the second trains a small project twice with
Rasa's real training cache, the second time after an answer edit.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.diet_classifier import CacheFriendlyDIETClassifier

ROOT = Path(__file__).resolve().parents[2]

EXAMPLES = [
    ("mi teléfono es 3112224455", "inform_contact", [(15, 25, "telefono")]),
    ("llámeme al 3001234567", "inform_contact", [(11, 21, "telefono")]),
    ("hola buenos días", "greet", []),
    ("buenas tardes", "greet", []),
]


def featurized_training_data(tmp_path: Path) -> TrainingData:
    """Four examples, tokenized and featurized as in the pipeline."""
    messages = [
        Message.build(text, intent, entities=[
            {"start": start, "end": end, "entity": entity, "value": text[start:end]}
            for start, end, entity in spans])
        for text, intent, spans in EXAMPLES
    ]
    data = TrainingData(messages)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), LocalModelStorage(tmp_path),
        Resource("cvf"), ExecutionContext(graph_schema=None, model_id="test"))
    featurizer.train(data)
    featurizer.process_training_data(data)
    return data


@pytest.mark.parametrize(
    ("component", "leaves_the_data"),
    [(DIETClassifier, False), (CacheFriendlyDIETClassifier, True)],
)
def test_preparing_diets_training_data_leaves_the_examples_as_they_were(
        tmp_path, component, leaves_the_data):
    data = featurized_training_data(tmp_path)
    before = data.fingerprint()
    diet = component.create(
        {**component.get_default_config(), "epochs": 1}, LocalModelStorage(tmp_path),
        Resource("diet"), ExecutionContext(graph_schema=None, model_id="test"))
    model_data = diet.preprocess_train_data(data)
    assert not model_data.is_empty()
    assert "entities" in model_data.keys()  # the entity tags were made, on some examples
    assert (data.fingerprint() == before) is leaves_the_data
    assert all("bilou_entities" not in m.data for m in data.training_examples) is leaves_the_data


PROJECT_CONFIG = """\
recipe: default.v1
language: es
assistant_id: cache-check
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: addons.diet_classifier.CacheFriendlyDIETClassifier
    epochs: 1
  - name: RegexEntityExtractor
  - name: EntitySynonymMapper
  - name: addons.faq_selector.FaqResponseSelector
    retrieval_intent: faq
    epochs: 1
policies:
  - name: RulePolicy
importers:
  - name: rasa_runtime.faq_importer.FaqAnswersByNameImporter
"""

PROJECT_NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hola
    - buenos días
    - buenas tardes
- intent: inform_contact
  examples: |
    - mi teléfono es [3112224455](telefono)
    - llámeme al [3001234567](telefono)
- intent: faq/predial
  examples: |
    - cómo pago el predial
    - impuesto predial
- intent: faq/sisben
  examples: |
    - cómo me inscribo en el sisbén
    - encuesta del sisbén
"""

PROJECT_DOMAIN = """\
version: "3.1"
intents: [greet, inform_contact, faq]
entities: [telefono]
responses:
  utter_greet:
  - text: "Buenos días."
  utter_faq/predial:
  - text: "Sobre el impuesto predial: consulte el portal."
  utter_faq/sisben:
  - text: "Sobre el SISBÉN: consulte el portal."
"""

PROJECT_RULES = """\
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""


def train(project: Path, caplog) -> tuple[list[str], Path]:
    """Trains the project with Rasa's cache: the components trained (not restored), the model."""
    from rasa.model_training import train

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="rasa.engine.training.hooks"):
        result = train(str(project / "domain.yml"), str(project / "config.yml"),
                       [str(project / "data")], output=str(project / "models"))
    assert result.code == 0
    trained = [record.getMessage().split("'")[1] for record in caplog.records
               if record.getMessage().startswith("Starting to train component")]
    return trained, Path(result.model)


def test_an_answer_edit_after_a_full_training_retrains_nothing(
        tmp_path, monkeypatch, caplog):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "config.yml").write_text(PROJECT_CONFIG, encoding="utf-8")
    (project / "data" / "nlu.yml").write_text(PROJECT_NLU, encoding="utf-8")
    (project / "data" / "rules.yml").write_text(PROJECT_RULES, encoding="utf-8")
    domain = project / "domain.yml"
    domain.write_text(PROJECT_DOMAIN, encoding="utf-8")
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    monkeypatch.chdir(project)

    first, _ = train(project, caplog)
    assert {"CacheFriendlyDIETClassifier", "FaqResponseSelector"} <= set(first)

    edited = PROJECT_DOMAIN.replace("el portal.\"\n  utter_faq/sisben",
                                    "el portal. Gracias.\"\n  utter_faq/sisben")
    assert edited != PROJECT_DOMAIN
    domain.write_text(edited, encoding="utf-8")
    second, model = train(project, caplog)
    assert second == [], "every component restored from the cache"
    answer = LocalModelStorage.metadata_from_archive(model).domain.responses["utter_faq/predial"]
    assert answer == [{"text": "Sobre el impuesto predial: consulte el portal. Gracias."}]
