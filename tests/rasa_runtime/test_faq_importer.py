"""The FAQ importer: the NLU data names the FAQ answers, everything else is Rasa's own."""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.importers.importer import ResponsesSyncImporter, TrainingDataImporter

from rasa_runtime.faq_importer import FaqAnswersByNameImporter
from tools.stack import ROOT


def load(with_our_importer: bool) -> TrainingDataImporter:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    if not with_our_importer:
        config.pop("importers")
    return TrainingDataImporter.load_from_dict(
        config, str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")])


@pytest.fixture(scope="module")
def ours() -> TrainingDataImporter:
    return load(with_our_importer=True)


@pytest.fixture(scope="module")
def rasas() -> TrainingDataImporter:
    return load(with_our_importer=False)


def test_config_names_this_importer():
    names = [i["name"] for i in yaml.safe_load((ROOT / "config.yml").read_text())["importers"]]
    assert names == [f"{FaqAnswersByNameImporter.__module__}.{FaqAnswersByNameImporter.__name__}"]


def test_the_nlu_data_names_each_faq_answer(ours, rasas):
    named = ours.get_nlu_data("es").responses
    texts = rasas.get_nlu_data("es").responses
    assert named["utter_faq/sisben"] == [{"text": "utter_faq/sisben"}]
    assert texts["utter_faq/sisben"][0]["text"].startswith("Sobre el SISBÉN")
    assert sorted(named) == sorted(texts)
    assert all(value == [{"text": name}] for name, value in named.items())


def test_the_examples_are_rasas(ours, rasas):
    def examples(importer):
        return sorted(str((m.get("text"), m.get("intent"), m.get("response_key")))
                      for m in importer.get_nlu_data("es").training_examples)

    assert examples(ours) == examples(rasas)


def test_the_domain_is_rasas_with_every_answers_text(ours, rasas):
    assert ours.get_domain().as_dict() == rasas.get_domain().as_dict()
    assert type(ours.get_domain()) is type(rasas.get_domain())


def test_an_edited_answer_changes_the_domain_only(tmp_path):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    domain["responses"]["utter_faq/sisben"][0]["text"] = "Texto editado."
    edited = tmp_path / "domain.yml"
    edited.write_text(yaml.safe_dump(domain, allow_unicode=True))
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    before = load(with_our_importer=True)
    after = TrainingDataImporter.load_from_dict(
        config, str(ROOT / "config.yml"), str(edited), [str(ROOT / "data")])
    nlu_before, nlu_after = before.get_nlu_data("es"), after.get_nlu_data("es")
    assert nlu_before.fingerprint() == nlu_after.fingerprint()
    assert after.get_domain().responses["utter_faq/sisben"][0]["text"] == "Texto editado."


def test_rasas_classes_are_untouched(ours):
    ours.get_nlu_data("es")
    assert "_get_nlu_data_with_responses" in ResponsesSyncImporter.__dict__
    assert ResponsesSyncImporter._get_nlu_data_with_responses.__module__ == (
        "rasa.shared.importers.importer")
