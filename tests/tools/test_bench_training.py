"""The answer-only retraining changes one response text and nothing else."""

from __future__ import annotations

from bench.training import _edit_first_answer

DOMAIN = """\
responses:
  utter_greet:
  - text: "Hola"
  utter_faq/horario:
  - text: |-
      Abrimos a las 8.
  utter_faq/otro:
  - text: Otro
"""


def edited(tmp_path, marker: str) -> list[str]:
    domain = tmp_path / "domain.yml"
    domain.write_text(DOMAIN, encoding="utf-8")
    _edit_first_answer(domain, marker)
    return domain.read_text(encoding="utf-8").splitlines()


def changed(tmp_path, marker: str) -> list[tuple[str, str]]:
    lines = zip(DOMAIN.splitlines(), edited(tmp_path, marker), strict=True)
    return [(before, after) for before, after in lines if before != after]


def test_a_block_text_gets_the_sentence_on_its_next_line(tmp_path):
    assert changed(tmp_path, "utter_faq/") == [
        ("      Abrimos a las 8.", "      Abrimos a las 8. Gracias.")]


def test_a_quoted_text_keeps_its_quotes(tmp_path):
    assert changed(tmp_path, "utter_greet:") == [
        ('  - text: "Hola"', '  - text: "Hola Gracias."')]


def test_a_plain_text_gets_the_sentence_at_its_end(tmp_path):
    assert changed(tmp_path, "utter_faq/otro") == [("  - text: Otro", "  - text: Otro Gracias.")]


def test_the_fact_only_change_confirms_one_pending_fact_of_the_real_sheet(tmp_path):
    from bench.training import _confirm_first_pending_fact
    from content.facts import load_fact_sheet
    from settings.defaults import DEFAULT_FACTS_PATH

    sheet = tmp_path / "facts.yml"
    sheet.write_text(DEFAULT_FACTS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    before = load_fact_sheet(sheet)
    _confirm_first_pending_fact(sheet)
    after = load_fact_sheet(sheet)  # still a valid sheet
    changed = [key for key in before if before[key] != after[key]]
    assert len(changed) == 1 and after[changed[0]].sayable
