"""tools/publish.py's parts that need no Rasa server: what a change needs, the failed
stories' names, the models kept, and going live all or nothing.

A whole publication runs in tests/console/test_console_editor_publishing.py (a fact,
no model) and tests/test_live_editor_browser.py (answers, the real servers)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from settings.table import Settings
from tools.conversation_tests import failed_story_names
from tools.publish import (
    FAILED,
    Job,
    Refusal,
    go_live,
    needs_model,
    prune_models,
    training_kind,
)


@pytest.mark.parametrize(("changed", "model", "kind"), [
    (["data/facts.yml"], False, "answers"),
    (["domain.yml"], True, "answers"),
    (["domain.yml", "data/facts.yml"], True, "answers"),
    (["data/nlu/faq_social.yml"], True, "full"),
    (["domain.yml", "data/nlu/faq_social.yml"], True, "full"),
])
def test_what_a_change_needs(changed, model, kind):
    assert needs_model(changed) is model
    assert training_kind(changed) == kind


def test_the_failed_stories_are_named(tmp_path):
    report = tmp_path / "failed_test_stories.yml"
    report.write_text('version: "3.1"\nstories:\n- story: faq answered (./tests/x.yml)\n'
                      "  steps: []\n- story: not satisfied\n  steps: []\n", encoding="utf-8")
    assert failed_story_names(report) == ["faq answered (./tests/x.yml)", "not satisfied"]
    assert failed_story_names(tmp_path / "missing.yml") == []
    report.write_text("stories: [", encoding="utf-8")
    assert failed_story_names(report) == []


def test_only_the_kept_models_stay(tmp_path):
    folder = tmp_path / "models" / "published"
    folder.mkdir(parents=True)
    for name in ("1.tar.gz", "1-before.tar.gz", "2.tar.gz", "2-before.tar.gz"):
        (folder / name).write_bytes(b"model")
    prune_models(tmp_path, {"models/published/2.tar.gz", "models/published/2-before.tar.gz"})
    assert sorted(path.name for path in folder.iterdir()) == ["2-before.tar.gz", "2.tar.gz"]


@pytest.fixture
def job(tmp_path) -> Job:
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "models" / "tenjo.tar.gz").write_bytes(b"served model")
    (root / "domain.yml").write_text("before\n", encoding="utf-8")
    settings = dataclasses.replace(Settings(), rasa_server_urls=("http://127.0.0.1:9",),
                                   rasa_model="models/tenjo.tar.gz")
    return Job(7, root, settings)


def test_a_server_that_does_not_load_the_model_leaves_files_and_model_as_they_were(
        job, tmp_path):
    candidate = tmp_path / "candidate.tar.gz"
    candidate.write_bytes(b"new model")
    with pytest.raises(Refusal) as refused:
        go_live(job, {"domain.yml": b"before\n"}, {"domain.yml": b"after\n"}, candidate)
    assert refused.value.status == FAILED
    assert "El asistente no pudo cargar la nueva versión (http://127.0.0.1:9)" in (
        refused.value.reason)
    assert (job.root / "domain.yml").read_text(encoding="utf-8") == "before\n"
    assert (job.root / "models" / "tenjo.tar.gz").read_bytes() == b"served model"


def test_files_changed_meanwhile_are_not_overwritten(job):
    (job.root / "domain.yml").write_text("someone else's\n", encoding="utf-8")
    with pytest.raises(Refusal) as refused:
        go_live(job, {"domain.yml": b"before\n"}, {"domain.yml": b"after\n"}, None)
    assert "otra persona cambió los mismos archivos" in refused.value.reason
    assert (job.root / "domain.yml").read_text(encoding="utf-8") == "someone else's\n"


def test_a_change_without_model_writes_the_files_only(job):
    (job.root / "data").mkdir()
    (job.root / "data" / "facts.yml").write_text("old\n", encoding="utf-8")
    assert go_live(job, {"data/facts.yml": b"old\n"}, {"data/facts.yml": b"new\n"},
                   None) == ("", "")
    assert Path(job.root / "data" / "facts.yml").read_text(encoding="utf-8") == "new\n"
