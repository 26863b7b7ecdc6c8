"""`make check` on a copy of the project reports a planted error of each kind and fails."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("Makefile", "config.yml", "domain.yml", "data", "actions", "addons", "rasa_runtime",
          "tools", "pyproject.toml", "requirements.lock")


@pytest.fixture
def project(tmp_path):
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def make_check(project):
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/bin/.installed",
                           "check"], cwd=project, capture_output=True, text=True, env=env,
                          timeout=600)


def test_make_check_reports_each_kind_of_planted_error(project):
    domain = project / "domain.yml"
    text = domain.read_text(encoding="utf-8")
    # style (P7): an exclamation mark in an answer
    text = text.replace("Sobre el SISBÉN: la encuesta", "¡Sobre el SISBÉN! La encuesta", 1)
    # coverage: an orphan response
    text = text.replace("  utter_iamabot:\n",
                        "  utter_never_used:\n  - text: Nadie dice esto.\n\n  utter_iamabot:\n", 1)
    # facts: an answer names a fact the sheet does not have
    text = text.replace("en {fact:sisben_portal}", "en {fact:sisben_web_planted}", 1)
    domain.write_text(text, encoding="utf-8")
    # validation: a rule with an intent the domain does not list
    (project / "data/rules/planted.yml").write_text(
        'version: "3.1"\nrules:\n  - rule: planted\n    steps:\n'
        "      - intent: not_in_the_domain\n      - action: utter_iamabot\n",
        encoding="utf-8")
    result = make_check(project)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "not_in_the_domain" in output
    assert "utter_faq/sisben: no-exclamation" in output
    assert "utter_never_used: orphan-response" in output
    assert "utter_faq/sisben: fact-unknown: el hecho 'sisben_web_planted'" in output
    assert "make check: problems found" in output


def test_make_check_passes_on_the_real_content(project):
    result = make_check(project)
    assert result.returncode == 0, result.stdout + result.stderr
