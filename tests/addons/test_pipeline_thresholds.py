"""The thresholds that `config.yml` says to keep equal are equal."""

from pathlib import Path

import yaml

CONFIG = Path(__file__).resolve().parents[2] / "config.yml"


def component(suffix: str) -> dict:
    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    return next(c for c in pipeline if c["name"].endswith(suffix))


def test_the_fallback_threshold_is_one():
    assert (component("FallbackClassifier")["threshold"]
            == component("UnderstandingCheck")["fallback_threshold"])


def test_the_blend_keeps_what_the_understanding_check_calls_sure():
    """A request for a person DIET is sure of is neither blended nor paraphrased."""
    blend, check = component("LinearBlendClassifier"), component("UnderstandingCheck")
    assert blend["keep_threshold"] == check["sure_threshold"]
    assert set(blend["keep_sure_intents"]) <= set(check["confirm_intents"])
