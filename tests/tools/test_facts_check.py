"""tools/facts_check.py: fact keys that exist, facts only in FAQ answers, no silent block."""

import pytest

from tests.builders import fact, fact_sheet
from tools.facts_check import main

SHEET = fact_sheet(web=fact("www.tenjo.example"), phone=fact("", "pending"))


def check(tmp_path, responses: str, sheet: str = SHEET) -> tuple[int, str]:
    (tmp_path / "facts.yml").write_text(sheet, encoding="utf-8")
    (tmp_path / "domain.yml").write_text("responses:\n" + responses, encoding="utf-8")
    return main(["--domain", str(tmp_path / "domain.yml"), "--facts",
                 str(tmp_path / "facts.yml")])


@pytest.mark.parametrize(
    ("responses", "rule"),
    [
        ("  utter_faq/a:\n  - text: Vea {fact:nope}.\n", "fact-unknown"),
        ("  utter_greet:\n  - text: Vea {fact:web}.\n", "fact-outside-faq"),
        ("  utter_greet:\n  - text: |-\n      Uno.\n      || Dos.\n", "fact-outside-faq"),
        ("  utter_faq/a:\n  - text: Llame al {fact:phone}.\n", "fact-block-silent"),
    ],
)
def test_each_problem_is_reported(tmp_path, capsys, responses, rule):
    assert check(tmp_path, responses) == 1
    assert f": {rule}: " in capsys.readouterr().out


def test_a_block_with_a_sayable_alternative_passes(tmp_path, capsys):
    responses = ("  utter_faq/a:\n  - text: |-\n      Llame al {fact:phone}.\n"
                 "      || Vea {fact:web}.\n")
    assert check(tmp_path, responses) == 0
    assert "2 facts, 1 pending" in capsys.readouterr().out


def test_a_broken_sheet_is_reported(tmp_path, capsys):
    assert check(tmp_path, "  utter_faq/a:\n  - text: Hola.\n", sheet="facts: {") == 1
    assert "fact-sheet" in capsys.readouterr().out


def test_the_projects_answers_and_sheet_pass(capsys):
    assert main([]) == 0
