"""`make check`'s coverage check catches each kind of planted error, and the real data passes."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.coverage_check import check, main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path):
    """A copy of the project's content (domain, data, actions) to plant errors in."""
    for name in ("domain.yml", "data", "actions"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def rules(problems):
    return sorted({p.rule for p in problems})


def test_the_real_project_passes():
    assert [str(p) for p in check(ROOT)] == []


def test_the_copy_passes(project):
    assert check(project) == []


def test_faq_topic_without_answer(project):
    domain = project / "domain.yml"
    text = domain.read_text(encoding="utf-8")
    # Remove the answer of faq/empleo (from its key to the next response key).
    text = re.sub(r"\n  utter_faq/empleo:\n(?:  [ -].*\n|\n)*?(?=  utter_)", "\n", text)
    domain.write_text(text, encoding="utf-8")
    problems = check(project)
    assert [(p.item, p.rule) for p in problems] == [("faq/empleo", "faq-answer")]
    assert problems[0].path == "domain.yml" and problems[0].line > 1


def test_faq_topic_without_enough_examples(project):
    nlu = project / "data/nlu/faq_social.yml"
    lines = nlu.read_text(encoding="utf-8").splitlines()
    start = lines.index("- intent: faq/empleo") + 2
    end = start
    while end < len(lines) and lines[end].startswith("    - "):
        end += 1
    nlu.write_text("\n".join(lines[:start + 3] + lines[end:]) + "\n", encoding="utf-8")
    problems = check(project)
    assert [(p.item, p.rule) for p in problems] == [("faq/empleo", "faq-examples")]
    assert problems[0].path == "data/nlu/faq_social.yml"
    assert problems[0].line == start - 1  # the line of "- intent: faq/empleo"
    assert "3 training examples" in problems[0].message


def test_new_topic_without_answer_or_plain_words(project):
    (project / "data/nlu/faq_new.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/alumbrado\n  examples: |\n'
        + "".join(f"    - se daño el poste de luz numero {i}\n" for i in range(55)),
        encoding="utf-8")
    assert [(p.item, p.rule) for p in check(project)] == [
        ("faq/alumbrado", "faq-answer"), ("faq/alumbrado", "faq-topic-words")]


def test_orphan_response(project):
    edit(project / "domain.yml", "  utter_iamabot:\n",
         "  utter_never_used:\n  - text: Nadie dice esto.\n\n  utter_iamabot:\n")
    problems = check(project)
    assert [(p.item, p.rule) for p in problems] == [("utter_never_used", "orphan-response")]
    lines = (project / "domain.yml").read_text(encoding="utf-8").splitlines()
    assert lines[problems[0].line - 1].strip() == "utter_never_used:"


def test_response_used_only_by_an_action_is_not_orphan(project):
    edit(project / "domain.yml", "  utter_iamabot:\n",
         "  utter_only_in_code:\n  - text: Solo una acción lo dice.\n\n  utter_iamabot:\n")
    (project / "actions/extra.py").write_text(
        'RESPONSE = "utter_only_in_code"\n', encoding="utf-8")
    assert check(project) == []


def test_example_in_two_intents(project):
    edit(project / "data/nlu/faq_urbanismo.yml", "    - licencia de construccion\n",
         "    - licencia de construccion\n    - Busco trabajo!\n")
    problems = check(project)
    assert [(p.item, p.rule) for p in problems] == [
        ("faq/licencia_construccion", "duplicate-example")]
    assert "faq/empleo (data/nlu/faq_social.yml:" in problems[0].message
    assert problems[0].path == "data/nlu/faq_urbanismo.yml"
    lines = (project / problems[0].path).read_text(encoding="utf-8").splitlines()
    assert lines[problems[0].line - 1].strip() == "- Busco trabajo!"


def test_main_prints_file_line_item_rule(project, capsys):
    edit(project / "domain.yml", "  utter_iamabot:\n",
         "  utter_never_used:\n  - text: Nadie dice esto.\n\n  utter_iamabot:\n")
    assert main(["--root", str(project)]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^domain\.yml:\d+: utter_never_used: orphan-response: ", out, re.M)


def test_command_line_on_the_real_project():
    result = subprocess.run([sys.executable, "-m", "tools.coverage_check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
