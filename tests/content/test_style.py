"""content/style.py: the rules `make check` applies, with a Spanish word for editors."""

import subprocess
import sys
from pathlib import Path

import pytest

import tools.style_lint
from content import style
from content.style import lint_findings, lint_response, lint_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_line_uses_the_shared_rules():
    for name in ("lint_text", "lint_domain", "domain_texts", "Problem", "MANDATED_SCRIPTS",
                 "FAQ_PREFIX", "MAX_FAQ_BLOCKS", "MAX_TURN_MESSAGES"):
        assert getattr(tools.style_lint, name) is getattr(style, name)


@pytest.mark.parametrize(
    ("text", "kind", "rule", "english", "spanish"),
    [
        ("¡Bienvenido!", {}, "no-exclamation", "exclamation mark '¡' and '!'",
         "signo de admiración «¡» y «!»"),
        ("Con gusto :)", {}, "no-emoji", "emoji or emoticon ':)'", "emoticón o emoji «:)»"),
        ("Es MUY importante.", {}, "no-shouting", "word in capitals 'MUY'",
         "palabra en mayúsculas «MUY»"),
        ("¿Puedes esperar?", {}, "no-tuteo", "informal second person 'Puedes'",
         "tuteo en «Puedes»"),
        ("Ese dato aún no está confirmado.", {}, "no-hedge",
         "hedge shown to the citizen 'no está confirmado'",
         "la frase «no está confirmado» expresa una duda"),
        (" ".join(["palabra"] * 36) + ".", {}, "sentence-length", "sentence of 36 words",
         "frase de 36 palabras (máximo 35)"),
        ("Uno. Dos. Tres. Cuatro. Cinco. Seis.", {}, "block-length", "block of 6 sentences",
         "bloque de 6 frases (máximo 5)"),
        ("Corta. " * 70, {}, "block-length", "characters (max 400)", "caracteres (máximo 400)"),
        ("Uno.\n\nDos.\n\nTres.\n\nCuatro.", {"faq": True}, "faq-blocks",
         "answer of 4 blocks (max 3)", "la respuesta tiene 4 bloques (máximo 3)"),
    ],
)
def test_each_rule_has_make_checks_message_and_a_spanish_one(text, kind, rule, english, spanish):
    findings = [finding for finding in lint_findings(text, **kind) if finding.rule == rule]
    assert findings, lint_findings(text, **kind)
    assert english in findings[0].message
    assert spanish in findings[0].spanish
    assert (findings[0].rule, findings[0].message) in lint_text(text, **kind)


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("utter_farewell", ["no-exclamation"]),  # a mandated script: no length rules
        ("utter_greet", ["no-exclamation", "sentence-length"]),
        ("utter_faq/sisben", ["no-exclamation", "sentence-length", "faq-blocks"]),
    ],
)
def test_a_draft_is_checked_as_its_response_would_be(name, rules):
    draft = "¡Hola! " + " ".join(["palabra"] * 40) + ".\n\nDos.\n\nTres.\n\nCuatro."
    assert [finding.rule for finding in lint_response(name, draft)] == rules


def test_the_real_domain_is_clean():
    assert style.lint_domain(ROOT / "domain.yml") == []


def test_the_command_line_output_is_unchanged(tmp_path):
    domain = tmp_path / "domain.yml"
    domain.write_text('responses:\n  utter_x:\n  - text: "¡Hola!"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tools.style_lint", str(domain)], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout == (
        f"{domain}:3: utter_x: no-exclamation: exclamation mark '¡' and '!'; the protocol "
        "forbids them\nstyle_lint: 1 problem(s) in 1 response(s), 1 file(s) checked\n")
