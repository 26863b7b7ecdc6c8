"""The conduct report: the filter alone over the labelled examples, no model."""

import shutil
from pathlib import Path

import pytest

from tools.conduct_report import (
    Example,
    conduct_report,
    evaluate,
    load_examples,
    main,
    strip_annotations,
    summary_lines,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("me llamo [Ana](nombre)", "me llamo Ana"),
     ("soy [Ana María]{\"entity\": \"nombre\"} de [Tenjo](lugar:tenjo)", "soy Ana María de Tenjo"),
     ("sin entidades [ni corchetes", "sin entidades [ni corchetes")],
)
def test_entity_annotations_become_their_text(text, expected):
    assert strip_annotations(text) == expected


def test_examples_of_a_rasa_nlu_file(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: inform_name\n"
        "  examples: |\n"
        "    - soy [Ana](nombre)\n"
        "    - me llamo [Luis](nombre)\n"
        "- intent: faq/sisben\n"
        "  examples: |\n"
        "    - puntaje del sisben\n"
        "- synonym: tenjo\n"
        "  examples: |\n"
        "    - Tenjo\n"
        "- regex: celular\n"
        "  examples: |\n"
        "    - 3\\d{9}\n"
        "- intent: greet\n"
        "  examples:\n"
        "  - text: hola\n",
        encoding="utf-8",
    )
    assert load_examples(path, tmp_path) == [
        Example("soy Ana", "inform_name", "nlu.yml"),
        Example("me llamo Luis", "inform_name", "nlu.yml"),
        Example("puntaje del sisben", "faq/sisben", "nlu.yml"),
        Example("hola", "greet", "nlu.yml"),
    ]


def fake_check(text):
    return {"hp": ("offensive", "word:hp"), "llame ya": ("commercial", "cue:llame ya"),
            "vendo hp": ("offensive", "word:hp")}.get(text)


EXAMPLES = [
    Example("hp", "offensive", "a.yml"),
    Example("idiota disfrazado", "offensive", "a.yml"),
    Example("llame ya", "commercial", "a.yml"),
    Example("vendo hp", "commercial", "a.yml"),  # flagged, but with the other rule: a miss
    Example("hp", "faq/sisben", "b.yml"),  # a false positive
    Example("hola", "greet", "b.yml"),
]


def test_false_positives_and_recall_per_rule():
    result = evaluate("data/nlu", EXAMPLES, fake_check, blind=False)
    assert result.examples == 6
    assert [(f.example.label, f.rule, f.reason) for f in result.false_positives] == [
        ("faq/sisben", "offensive", "word:hp")]
    assert result.recall == {"offensive": (1, 2), "commercial": (1, 2)}
    assert result.recall_of("offensive") == 0.5
    assert [e.text for e in result.misses] == ["idiota disfrazado", "vendo hp"]


def test_a_set_without_rule_examples_has_no_recall():
    result = evaluate("x", [Example("hola", "greet", "x")], fake_check, blind=False)
    assert result.recall_of("offensive") is None


def test_the_blind_set_is_shown_as_numbers_only():
    from tools.conduct_report import ConductReport

    report = ConductReport([evaluate("tests/nlu/test_set.yml", EXAMPLES, fake_check, blind=False),
                            evaluate("blind", EXAMPLES, fake_check, blind=True)])
    lines = summary_lines(report, misses=True)
    blind = lines[lines.index(next(x for x in lines if x.startswith("blind"))):]
    assert blind[0] == ("blind: 6 examples, 1 false positives; "
                        "recall offensive 50.0% (1/2), commercial 50.0% (1/2)")
    assert blind[1:] == ["conduct_report: 2 false positives in all"]
    shown = "\n".join(lines[:lines.index(blind[0])])
    assert "false positive [faq/sisben] 'hp'" in shown and "missed [commercial] 'vendo hp'" in shown


def project_copy(tmp_path, examples):
    """A small project: the real config and word lists, one NLU file."""
    shutil.copy(ROOT / "config.yml", tmp_path / "config.yml")
    shutil.copytree(ROOT / "data/lexicons", tmp_path / "data/lexicons")
    lines = ["nlu:"]
    for intent, texts in examples.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {t}" for t in texts)]
    (tmp_path / "data/nlu").mkdir()
    (tmp_path / "data/nlu/x.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_exit_code_is_1_when_a_citizen_would_be_flagged(tmp_path, capsys):
    root = project_copy(tmp_path, {"faq/sisben": ["hp el sisben"], "offensive": ["idiota"]})
    assert main(["--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "data/nlu: 2 examples, 1 false positives" in out
    assert "false positive [faq/sisben] 'hp el sisben' -> offensive (word:hp)" in out


def test_exit_code_is_0_without_false_positives(tmp_path, capsys):
    root = project_copy(tmp_path, {"faq/sisben": ["puntaje del sisben"],
                                   "commercial": ["vote por Ana al concejo"]})
    assert main(["--root", str(root)]) == 0
    assert "recall offensive n/a (0/0), commercial 100.0% (1/1)" in capsys.readouterr().out


def test_the_report_covers_data_and_the_three_test_sets():
    report = conduct_report(ROOT)
    assert [s.name for s in report.sets] == [
        "data/nlu", "tests/nlu/test_set.yml", "tests/nlu/blind_test_set.yml",
        "tests/nlu/dev_set.yml"]
    assert [s.blind for s in report.sets] == [False, False, True, False]
    assert all(s.examples > 500 for s in report.sets)
