"""The NLU report's scoring, goals and rendering, without a trained model."""

import pytest

from tools.conduct_report import ConductReport, Example, Flag, SetResult
from tools.nlu_report import (
    GOAL_AT_ONCE,
    GOAL_SERVED,
    Prediction,
    TestMessage,
    entity_scores,
    evaluate_set,
    exit_code,
    goal_failures,
    is_blind,
    predicted_label,
    printed_lines,
    render,
    render_conduct,
    report_failures,
    score,
    summary_line,
)

TEST_SET = "tests/nlu/test_set.yml"
BLIND = "tests/nlu/blind_test_set.yml"
CROSSVAL = {"folds": 3, "date": "2026-11-28", "minutes": 12.0, "examples": 100,
            "intent": {"accuracy": 0.97, "macro_f1": 0.96, "weighted_f1": 0.97,
                       "weakest": "`affirm` 0.90, `deny` 0.95"}}


def parse(name, confidence=0.9, **extra):
    return {"intent": {"name": name, "confidence": confidence}, "entities": [], **extra}


def sure(label):
    return Prediction(label, "sure", 0.9)


def perfect_set(name, texts=("hola", "gracias")):
    """A set of two labels, every message right at once."""
    messages = [TestMessage(text, f"label_{i % 2}") for i, text in enumerate(texts)]
    return evaluate_set(name, messages, [sure(m.label) for m in messages])


def clean_conduct(*results):
    return ConductReport([SetResult("data/nlu", False, examples=10,
                                    recall={"offensive": (2, 2), "commercial": (1, 1)}),
                          *results])


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
    scores = score(["greet", "faq/sisben"], [sure("greet"),
                                             Prediction("nlu_fallback", "fallback", 0.4)])
    assert scores.served == scores.at_once == 0.5
    assert scores.per_label["faq/sisben"][1] == 0.0  # recall
    assert scores.confusions == [("faq/sisben", "nlu_fallback", 1)]


def test_a_right_paraphrase_is_served_but_not_right_at_once():
    golds = ["a", "a", "b", "b"]
    predictions = [sure("a"), Prediction("a", "paraphrase", 0.6),
                   Prediction("b", "rule", 1.0), Prediction("a", "paraphrase", 0.6)]
    scores = score(golds, predictions)
    assert scores.served == pytest.approx(0.75)  # the right paraphrase counts
    assert scores.at_once == pytest.approx(0.5)  # a rule counts, a paraphrase does not


def test_scores_and_goals():
    golds = ["a"] * 10 + ["b"] * 10
    predictions = [sure("a")] * 10 + [sure("b")] * 8 + [Prediction("a", "paraphrase", 0.6)] * 2
    scores = score(golds, predictions)
    assert scores.served == pytest.approx(0.9)
    assert scores.per_label["a"][0] == pytest.approx(10 / 12)
    assert scores.how["b"]["paraphrase"] == 2
    assert scores.weakest(1) == [("b", pytest.approx(2 * 0.8 / 1.8))]
    failures = goal_failures(scores)
    assert failures[0].startswith("served") and failures[1].startswith("right at once")
    assert goal_failures(score(golds, [sure(g) for g in golds])) == []


def test_served_can_meet_its_goal_while_right_at_once_misses():
    golds = ["a"] * 50 + ["b"] * 50
    predictions = [sure(g) for g in golds[:92]] + [Prediction(g, "paraphrase", 0.6)
                                                   for g in golds[92:]]
    scores = score(golds, predictions)
    assert scores.served == 1.0 >= GOAL_SERVED
    assert scores.at_once == 92 / 100 >= GOAL_AT_ONCE
    assert goal_failures(scores) == []
    predictions[0] = Prediction("a", "paraphrase", 0.6)
    assert [f.split()[0] for f in goal_failures(score(golds, predictions))] == ["right"]


def test_entity_scores():
    messages = [TestMessage("soy Ana", "inform_name", (("nombre", "ana"),)),
                TestMessage("hola", "greet")]
    predictions = [Prediction("inform_name", "sure", 0.9, (("nombre", "ana"),)),
                   Prediction("greet", "sure", 0.9, (("nombre", "hola"),))]
    assert entity_scores(messages, predictions)["nombre"] == (0.5, 1.0, pytest.approx(2 / 3), 1)


@pytest.mark.parametrize(("name", "blind"), [(BLIND, True), ("/x/blind_test_set.yml", True),
                                              (TEST_SET, False), ("blind.yml", False)])
def test_blindness_goes_by_file_name(name, blind):
    assert is_blind(name) is blind


def test_report_has_a_row_per_set_and_the_crossval_beside_them():
    report = render([perfect_set(TEST_SET), perfect_set(BLIND)], CROSSVAL, clean_conduct())
    summary = report.split("## Cross-validation")[0]
    assert f"| `{TEST_SET}` | 2 | 1.000 | 1.000 | 1.000 |" in summary
    assert f"| `{BLIND}` | 2 | 1.000 | 1.000 | 1.000 |" in summary
    assert "| cross-validation, intent | 100 (training) |" in summary
    assert "Goals: **met**." in summary
    assert report.index("## Cross-validation") < report.index(f"## `{TEST_SET}`")
    assert "| intent (DIET, linear blend, chat rules) | 0.970 |" in report
    assert "## Chat-rule check" in report


def test_the_blind_section_never_shows_its_messages():
    secret = ("mi puntaje del sisben", "calle 3 # 4-5")
    blind = evaluate_set(BLIND, [TestMessage(secret[0], "faq/sisben"),
                                 TestMessage(secret[1], "faq/nomenclatura")],
                         [sure("faq/empleo"), Prediction("faq/nomenclatura", "paraphrase", 0.6)])
    other = evaluate_set(TEST_SET, [TestMessage("quiero empleo", "faq/empleo")],
                         [sure("faq/sisben")])
    flag = Flag(Example(secret[0], "faq/sisben", BLIND), "offensive", "puta")
    conduct = clean_conduct(SetResult(BLIND, True, examples=2, false_positives=[flag]))
    report = render([other, blind], CROSSVAL, conduct)
    blind_part = report[report.index(f"## `{BLIND}`"):]
    for text in secret:
        assert text not in report
        assert all(text not in line for line in printed_lines([other, blind], conduct))
    assert "| `faq/sisben` | `faq/empleo` | 1 |" in blind_part  # label pairs stay
    assert "never shown" in blind_part
    assert blind_part.count("Misclassified messages") == 0
    assert "| quiero empleo | `faq/empleo` | `faq/sisben` |" in report


def test_a_conduct_false_positive_fails_the_goals():
    sets = [perfect_set(TEST_SET)]
    assert exit_code(sets, clean_conduct()) == 0
    flag = Flag(Example("la calle", "faq/nomenclatura", TEST_SET), "offensive", "calle")
    conduct = clean_conduct(SetResult(TEST_SET, False, examples=1, false_positives=[flag]))
    assert report_failures(sets, conduct) == [
        f"chat-rule check: 1 false positives in {TEST_SET}"]
    assert exit_code(sets, conduct) == 1
    section = "\n".join(render_conduct(conduct))
    assert "| la calle | `faq/nomenclatura` | offensive | calle |" in section
    assert "Goals: **missed**" in render(sets, None, conduct)


def test_any_missed_goal_of_any_set_gives_exit_code_1():
    good = perfect_set(TEST_SET)
    bad = evaluate_set(BLIND, [TestMessage("x", "a"), TestMessage("y", "b")],
                       [sure("a"), sure("a")])
    assert exit_code([good, good], None) == 0
    assert exit_code([good, bad], clean_conduct()) == 1
    assert all(f.startswith(f"{BLIND}: ") for f in report_failures([good, bad], None))
    assert summary_line(bad).endswith("goals missed")
    assert summary_line(good).startswith(f"{TEST_SET}: 2 messages, served 1.000, "
                                         "right at once 1.000")


def test_report_without_crossval_or_conduct():
    report = render([perfect_set(TEST_SET)])
    assert "Not run yet: `make nlu-crossval`" in report
    assert "## Chat-rule check\n\nNot run." in report
    assert "cross-validation, intent" not in report


def test_the_whole_pipeline_counts_other_labels_taken_for_a_chat_rule():
    from tools.nlu_report import pipeline_result, render_pipeline

    texts = ["mi hijo me pega", "vendo lote", "hola", "idiotas"]
    golds = ["faq/comisaria_familia", "commercial", "greet", "offensive"]
    predictions = [Prediction("offensive", "rule", 1.0), Prediction("commercial", "rule", 1.0),
                   Prediction("greet", "sure", 0.99), Prediction("nlu_fallback", "fallback", 1.0)]
    result = pipeline_result("tests/nlu/test_set.yml", texts, golds, predictions)
    assert result.false_positives == [("mi hijo me pega", "faq/comisaria_familia", "offensive")]
    assert "mi hijo me pega" in "\n".join(render_pipeline([result]))
    blind = pipeline_result("tests/nlu/blind_test_set.yml", texts, golds, predictions)
    assert "mi hijo me pega" not in "\n".join(render_pipeline([blind]))
    assert exit_code([], None, [blind]) == 1
    assert exit_code([], None, [pipeline_result("x", texts[1:], golds[1:], predictions[1:])]) == 0
