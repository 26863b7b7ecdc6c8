"""The fact sheet: schema, provenance of confirmed facts, rereading on change."""

import os

import pytest

from content.facts import (
    FactSheetCache,
    FactSheetError,
    load_fact_sheet,
    parse_fact_sheet,
    update_fact,
)
from settings.defaults import DEFAULT_FACTS_PATH

CONFIRMED = """
facts:
  emergency_line:
    value: "123"
    status: confirmed
    scope: national
    description: Línea de emergencias
    source: https://example.org/123
    source_kind: official
    confirmed_by: Equipo
    confirmed_on: 2026-12-06
  cisat_address:
    value: ""
    status: pending
    scope: tenjo
    description: Dirección del CISAT
"""


def test_the_projects_sheet_is_valid_and_every_confirmed_fact_has_provenance():
    facts = load_fact_sheet(DEFAULT_FACTS_PATH)
    assert len(facts) >= 10
    for fact in facts.values():
        if fact.status == "confirmed":
            assert fact.value and fact.source and fact.confirmed_by and fact.confirmed_on
        else:
            assert not fact.sayable


def test_a_confirmed_fact_is_sayable_a_pending_one_is_not():
    facts = parse_fact_sheet(CONFIRMED)
    assert facts["emergency_line"].sayable and facts["emergency_line"].value == "123"
    assert facts["emergency_line"].confirmed_on == "2026-12-06"  # YAML dates read as text
    assert not facts["cisat_address"].sayable


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("status: confirmed", "status: maybe"), "status debe ser confirmed o pending"),
        (("scope: national", "scope: regional"), "scope debe ser national o tenjo"),
        (("source: https://example.org/123", "source: ''"), "necesita source"),
        (("value: \"123\"", "value: ''"), "necesita value"),
        (("confirmed_on: 2026-12-06", "confirmed_on: ayer"), "fecha AAAA-MM-DD"),
        (("description: Línea de emergencias", "description: ''"), "falta la descripción"),
        (("  emergency_line:", "  Emergency-Line:"), "minúsculas"),
        (("    source_kind: official", "    source_kind: rumor"), "source_kind"),
        (("    confirmed_by: Equipo", "    confirmed_by: Equipo\n    colour: red"),
         "campos desconocidos: colour"),
        (("facts:", "facts: [1, 2]\nother:"), "sección facts"),
        (("facts:", "facts: {"), "no es YAML válido"),
    ],
)
def test_a_broken_sheet_says_which_fact_and_why(change, message):
    with pytest.raises(FactSheetError, match=message):
        parse_fact_sheet(CONFIRMED.replace(*change, 1))


def test_a_missing_file_is_a_fact_sheet_error(tmp_path):
    with pytest.raises(FactSheetError, match="no se pudo leer"):
        load_fact_sheet(tmp_path / "nope.yml")


def test_the_cache_rereads_a_changed_sheet_and_keeps_the_last_good_one(tmp_path):
    path = tmp_path / "facts.yml"
    path.write_text(CONFIRMED, encoding="utf-8")
    cache = FactSheetCache(path)
    assert not cache.facts()["cisat_address"].sayable
    confirmed = CONFIRMED.replace('value: ""', 'value: "Carrera 1"').replace(
        "status: pending", "status: confirmed\n    source: acta\n    source_kind: official\n"
        "    confirmed_by: Ana\n    confirmed_on: 2026-12-07")
    path.write_text(confirmed, encoding="utf-8")
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a new mtime even within one tick
    assert cache.facts()["cisat_address"].value == "Carrera 1"
    path.write_text("facts: {", encoding="utf-8")
    os.utime(path, ns=(1, 3_000_000_000_000_000_000))
    assert cache.facts()["cisat_address"].value == "Carrera 1"  # a half-saved file
    assert "no es YAML válido" in cache.error


def test_update_fact_keeps_the_file_and_refuses_a_broken_result(tmp_path):
    path = tmp_path / "facts.yml"
    path.write_text("# Ficha\n" + CONFIRMED, encoding="utf-8")
    fact = update_fact(path, "cisat_address", {
        "value": "Calle 1", "status": "confirmed", "source": "acta", "source_kind": "official",
        "confirmed_by": "Ana", "confirmed_on": "2026-12-07"})
    assert fact.sayable and load_fact_sheet(path)["cisat_address"].value == "Calle 1"
    assert path.read_text(encoding="utf-8").startswith("# Ficha\n")  # comments kept
    before = path.read_text(encoding="utf-8")
    with pytest.raises(FactSheetError, match="necesita source"):
        update_fact(path, "emergency_line", {"source": ""})
    with pytest.raises(FactSheetError, match="no hay un hecho"):
        update_fact(path, "nope", {"value": "x"})
    with pytest.raises(FactSheetError, match="campo desconocido"):
        update_fact(path, "emergency_line", {"colour": "red"})
    assert path.read_text(encoding="utf-8") == before  # nothing written
