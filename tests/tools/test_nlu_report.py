"""The NLU report's scoring, without a trained model."""

import pytest

from tools.nlu_report import (
    Prediction,
    TestMessage,
    entity_scores,
    goal_failures,
    predicted_label,
    render,
    score,
)


def parse(name, confidence=0.9, **extra):
    return {"intent": {"name": name, "confidence": confidence}, "entities": [], **extra}


@pytest.mark.parametrize(
    ("data", "label", "how"),
    [
        (parse("greet"), "greet", "sure"),
        ({"intent": {"name": "faq", "confidence": 1.0,
                     "full_retrieval_intent_name": "faq/sisben"}}, "faq/sisben", "sure"),
        (parse("faq", response_selector={"faq": {"response": {
            "intent_response_key": "faq/empleo"}}}), "faq/empleo", "sure"),
        (parse("check_understanding", 0.6, understanding={"label": "faq/empleo"}),
         "faq/empleo", "paraphrase"),
        (parse("nlu_fallback", 0.45), "nlu_fallback", "fallback"),
        (parse("offensive", 1.0, conduct={"rule": "offensive"}), "offensive", "rule"),
    ],
)
def test_predicted_label(data, label, how):
    prediction = predicted_label(data)
    assert (prediction.label, prediction.how) == (label, how)


def test_an_entity_found_by_two_extractors_counts_once():
    data = parse("inform_contact", entities=[
        {"entity": "telefono", "value": "311 222 4455", "extractor": "DIETClassifier"},
        {"entity": "telefono", "value": "311 222 4455", "extractor": "RegexEntityExtractor"}])
    assert predicted_label(data).entities == (("telefono", "311 222 4455"),)


def test_fallback_is_never_right():
    scores = score(["greet", "faq/sisben"], [Prediction("greet", "sure", 0.9),
                                             Prediction("nlu_fallback", "fallback", 0.4)])
    assert scores.accuracy == 0.5
    assert scores.per_label["faq/sisben"][1] == 0.0  # recall
    assert scores.confusions == [("faq/sisben", "nlu_fallback", 1)]


def test_scores_and_goals():
    golds = ["a"] * 10 + ["b"] * 10
    predictions = [Prediction("a", "sure", 1)] * 10 + [Prediction("b", "sure", 1)] * 8 + [
        Prediction("a", "paraphrase", 0.6)] * 2
    scores = score(golds, predictions)
    assert scores.accuracy == pytest.approx(0.9)
    assert scores.per_label["a"][0] == pytest.approx(10 / 12)
    assert scores.how["b"]["paraphrase"] == 2
    failures = goal_failures(scores)
    assert failures and failures[0].startswith("accuracy")
    assert goal_failures(score(golds, [Prediction(g, "sure", 1) for g in golds])) == []


def test_entity_scores_and_report():
    messages = [TestMessage("soy Ana", "inform_name", (("nombre", "ana"),)),
                TestMessage("hola", "greet")]
    predictions = [Prediction("inform_name", "sure", 0.9, (("nombre", "ana"),)),
                   Prediction("greet", "sure", 0.9, (("nombre", "hola"),))]
    entities = entity_scores(messages, predictions)
    assert entities["nombre"] == (0.5, 1.0, pytest.approx(2 / 3), 1)
    report = render(messages, predictions, score([m.label for m in messages], predictions),
                    entities, {"folds": 3, "date": "2026-11-28", "minutes": 12.0,
                               "examples": 100, "intent": {"accuracy": 0.97, "macro_f1": 0.96,
                                                           "weighted_f1": 0.97, "weakest": ""}})
    assert "Accuracy over the full label: **1.000**" in report
    assert "| intent (DIET + chat-rule check) | 0.970 |" in report
