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


def test_a_request_is_the_same_intents_everywhere():
    """The unclear-message check's requests (which must name something) are the intents the
    understanding check paraphrases, and the ones the unclear set's report counts."""
    from addons.unknown_words import UnknownWordsClassifier
    from tools.unclear_report import request_intents

    unknown = {**UnknownWordsClassifier.get_default_config(),
               **component("UnknownWordsClassifier")}
    confirm = set(component("UnderstandingCheck")["confirm_intents"])
    assert set(unknown["request_intents"]) == confirm == set(request_intents())
