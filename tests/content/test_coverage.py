"""content/coverage.py: the coverage rules, shared by `make check` and the console."""

import subprocess
import sys
from pathlib import Path

import pytest

import tools.coverage_check
from content import coverage
from content.coverage import Example, duplicate_problems, fold, normalize_example

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_line_uses_the_shared_rules():
    for name in ("check", "load_examples", "load_domain", "normalize_example", "Example",
                 "MIN_EXAMPLES", "MIN_FAQ_EXAMPLES", "CONTRACT_FAQ_TOPICS"):
        assert getattr(tools.coverage_check, name) is getattr(coverage, name)


@pytest.mark.parametrize("text", [
    "Sísbén", "holaaaa sumercé", "ÑOÑO", "certificadoooo de residencia", "ÀÉÎÕÜ ç",
    "q pena, xq no", "ﬁcha", "²", "Ⅻ",
])
def test_fold_is_the_nlu_normalisers(text):
    from addons.text_normalizer import fold as nlu_fold

    assert fold(text) == nlu_fold(text)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("¡Busco TRABAJO!", "busco trabajo"),
        ("me llamo [Ana María](nombre)", "me llamo ana maria"),
        ("el sisbén???", "el sisben"),
    ],
)
def test_normalize_example(text, normalised):
    assert normalize_example(text) == normalised


def test_duplicates_name_the_first_place():
    examples = [Example("a.yml", 3, "faq/empleo", "busco trabajo"),
                Example("b.yml", 7, "faq/sisben", "¡Busco TRABAJO!"),
                Example("b.yml", 8, "faq/empleo", "busco  trabajo")]
    [problem] = duplicate_problems(examples)
    assert str(problem) == ("b.yml:7: faq/sisben: duplicate-example: '¡Busco TRABAJO!' is "
                            "also an example of faq/empleo (a.yml:3)")


def test_the_real_project_passes():
    assert coverage.check(ROOT) == []


def test_the_command_line_needs_no_rasa():
    code = ("import sys, tools.coverage_check, content.editing; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rasa', 'rasa_sdk', 'tensorflow', 'actions', 'addons', 'rasa_runtime')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
