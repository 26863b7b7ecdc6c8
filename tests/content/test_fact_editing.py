"""content/fact_editing.py (through content.editing) on a copy of the real fact sheet."""

import pytest

from content.editing import (
    ChangeRejected,
    ConflictError,
    FactContent,
    UnknownItemError,
    check_fact,
    fact_change,
    load_fact,
)
from content.facts import load_fact_sheet
from tests.content.files import changed_lines, entry_lines, tree

SHEET = "data/facts.yml"
CONFIRM = {"source_kind": "official", "confirmed_by": "Ana Gómez, CISAT",
           "confirmed_on": "2026-12-07"}


def pending_key(project):
    return next(key for key, fact in load_fact_sheet(project / SHEET).items()
                if not fact.sayable)


def only_the_fact_changed(before, after, key):
    allowed = set(entry_lines(before, f"  {key}:", r"  [^\s]"))
    return changed_lines(before, after) <= allowed


def test_confirming_a_pending_fact_changes_only_its_lines(project):
    key = pending_key(project)
    before = tree(project)
    current = load_fact(project, key)
    applied = fact_change(project, key, "Calle 3 # 4-10, Tenjo", "confirmed",
                          "https://www.tenjo-cundinamarca.gov.co/contacto",
                          base_revision=current.revision, **CONFIRM)
    after = tree(project)
    assert {path for path in before if before[path] != after[path]} == {SHEET}
    assert only_the_fact_changed(before[SHEET].decode(), after[SHEET].decode(), key)
    assert '+    value: "Calle 3 # 4-10, Tenjo"\n' in applied.diffs[SHEET]
    fact = load_fact_sheet(project / SHEET)[key]
    assert fact.sayable and fact.confirmed_by == "Ana Gómez, CISAT"
    assert applied.revision == load_fact(project, key).revision != current.revision
    assert applied.previous == {SHEET: before[SHEET]}


def test_changing_a_fact_and_back_is_byte_identical(project):
    before = tree(project)
    current = load_fact(project, "tenjo_website")
    fact = current.fact
    applied = fact_change(project, "tenjo_website", "www.tenjo.gov.co", fact.status,
                          fact.source, base_revision=current.revision)
    fact_change(project, "tenjo_website", fact.value, fact.status, fact.source,
                base_revision=applied.revision)
    assert tree(project) == before


def test_the_second_editor_of_a_fact_gets_a_conflict(project):
    first = load_fact(project, "tenjo_website")
    fact = first.fact
    fact_change(project, "tenjo_website", "www.tenjo.gov.co", fact.status, fact.source,
                base_revision=first.revision)
    written = tree(project)
    with pytest.raises(ConflictError, match="Otra persona cambió este hecho") as conflict:
        fact_change(project, "tenjo_website", "www.otro.gov.co", fact.status, fact.source,
                    base_revision=first.revision)
    assert isinstance(conflict.value.current, FactContent)
    assert conflict.value.current.fact.value == "www.tenjo.gov.co"
    assert tree(project) == written


@pytest.mark.parametrize(
    ("value", "status", "source", "extra", "field", "rule", "words"),
    [
        ("<script>alert(1)</script>", "pending", "", {}, "value", "markup",
         "No se admite código"),
        ("javascript:alert(1)", "pending", "", {}, "value", "markup", "No se admite código"),
        ("Calle 3", "maybe", "", {}, "fact", "fact-sheet",
         "Status debe ser confirmed o pending"),
        ("Calle 3", "confirmed", "", {}, "fact", "fact-sheet",
         "Un hecho confirmado necesita source"),
        ("Calle 3", "confirmed", "https://x.example", {**CONFIRM, "confirmed_on": "ayer"},
         "fact", "fact-sheet", "fecha AAAA-MM-DD"),
        ("Calle 3\nPiso 2", "pending", "", {}, "value", "fact-lines", "una sola línea"),
        ("x" * 501, "pending", "", {}, "value", "fact-length", "máximo es 500"),
        ("¡Calle 3!", "pending", "", {}, "value", "no-exclamation", "Signo de admiración"),
        ("{fact:tenjo_website}", "pending", "", {}, "value", "fact-reference", "llaves"),
    ],
)
def test_a_refused_fact_change_says_why_and_writes_nothing(project, value, status, source,
                                                           extra, field, rule, words):
    key = pending_key(project)
    before = tree(project)
    current = load_fact(project, key)
    changes = {"value": value, "status": status, "source": source, **extra}
    found = [problem for problem in check_fact(project, key, changes) if problem.rule == rule]
    assert found, check_fact(project, key, changes)
    assert found[0].field == field and words in found[0].message
    with pytest.raises(ChangeRejected) as refused:
        fact_change(project, key, value, status, source, base_revision=current.revision, **extra)
    assert found[0] in refused.value.problems
    assert tree(project) == before


def test_an_unknown_fact_says_so(project):
    with pytest.raises(UnknownItemError, match="No hay un hecho con la clave «no_such_fact»"):
        fact_change(project, "no_such_fact", "x", "pending", "", base_revision="0")


def test_an_unchanged_fact_writes_nothing(project):
    before = tree(project)
    current = load_fact(project, "tenjo_website")
    applied = fact_change(project, "tenjo_website", current.fact.value, current.fact.status,
                          current.fact.source, base_revision=current.revision)
    assert applied.diffs == {} and applied.revision == current.revision
    assert tree(project) == before


def test_confirming_a_pending_fact_adds_its_fields_inside_its_own_lines(project):
    """A pending fact has no source nor confirmation yet: the new fields go after its
    last one, before the blank line that separates it from the next fact, and the date
    is written as the sheet writes dates."""
    key = "sisben_office"  # pending, written without source nor confirmation fields
    lines = (project / SHEET).read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  {key}:")
    assert not any(line.strip().startswith("source") for line in lines[start:start + 6])
    applied = fact_change(project, key, "Carrera 3 # 2-50", "confirmed", "Oficio 12",
                          source_kind="official", confirmed_by="Eva Torres",
                          confirmed_on="2026-12-01",
                          base_revision=load_fact(project, key).revision)
    diff = applied.diffs["data/facts.yml"]
    added = [line[1:].strip() for line in diff.splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    assert "confirmed_on: 2026-12-01" in added and "source_kind: official" in added
    diff_lines = diff.splitlines()
    last_added = max(i for i, line in enumerate(diff_lines) if line.startswith("+"))
    assert diff_lines[last_added + 1:last_added + 3] == [" ", "   health_affiliation_office:"]
    fact = load_fact(project, key).fact
    assert (fact.status, fact.confirmed_on, fact.confirmed_by) == ("confirmed", "2026-12-01",
                                                                   "Eva Torres")
