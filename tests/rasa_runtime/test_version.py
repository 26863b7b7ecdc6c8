"""rasa_runtime runs on the Rasa it was written against, and on no other."""

from __future__ import annotations

import re

import pytest

import rasa_runtime
from rasa_runtime.faq_importer import FaqAnswersByNameImporter
from rasa_runtime.tracker_store import WindowedSQLTrackerStore
from rasa_runtime.version import PINNED_RASA, UnsupportedRasaVersion, installed_rasa
from tools.stack import ROOT


def test_the_installed_rasa_is_the_pinned_one():
    assert installed_rasa() == PINNED_RASA, (
        f"Rasa {installed_rasa()} is installed; rasa_runtime replaces internals of "
        f"Rasa {PINNED_RASA} only")


def test_the_project_pins_the_same_rasa():
    pins = re.findall(r'"rasa==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pins == [PINNED_RASA]


@pytest.mark.parametrize("other", ["3.6.20", "3.7.0", ""])
def test_install_refuses_another_rasa_naming_both_versions(other):
    with pytest.raises(UnsupportedRasaVersion) as refusal:
        rasa_runtime.install(installed_rasa=other)
    assert PINNED_RASA in str(refusal.value)
    assert (other or "(none)") in str(refusal.value)


@pytest.mark.parametrize("loaded_by_rasa", [WindowedSQLTrackerStore, FaqAnswersByNameImporter])
def test_what_rasa_loads_by_name_refuses_another_rasa(loaded_by_rasa, monkeypatch):
    monkeypatch.setattr("rasa_runtime.version.installed_rasa", lambda: "3.7.0")
    with pytest.raises(UnsupportedRasaVersion, match="3.7.0"):
        loaded_by_rasa()
