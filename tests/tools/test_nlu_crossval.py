"""The cross-validation config: the pipeline of config.yml as Rasa's evaluator can score it."""

from ruamel.yaml import YAML

from tools.nlu_crossval import crossval_config
from tools.stack import ROOT


def test_crossval_config_scores_rasas_own_selector(tmp_path):
    target = tmp_path / "config.yml"
    crossval_config(ROOT / "config.yml", target)
    config = YAML().load(target.read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert "ResponseSelector" in names
    assert "addons.faq_selector.FaqResponseSelector" not in names
    assert "addons.understanding_check.UnderstandingCheck" not in names
    assert "policies" not in config
    selector = next(c for c in config["pipeline"] if c["name"] == "ResponseSelector")
    assert selector["retrieval_intent"] == "faq"
