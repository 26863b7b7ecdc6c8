"""The console follows domain.yml while it runs: edited scripts show up, a bad file is ignored."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
from pathlib import Path

import pytest
from console_support import PQRD_URL, SURVEY_URL, Console, seed_handoff

from console import create_app
from console.scripts import DomainTexts, DomainTextsSource
from console.web import Services

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
ASK_DETAIL = "¿Puede precisarme con más detalle su solicitud?"
NEW_ASK_DETAIL = "¿Nos cuenta un poco más sobre su solicitud?"
MORNING = "Buenos días, cordial saludo por parte de la administración municipal de Tenjo."
NEW_MORNING = "Buen día, le saluda la Alcaldía de Tenjo."
PREDIAL = "el pago o la consulta del impuesto predial"
NEW_PREDIAL = "el impuesto predial de su predio"


@pytest.fixture
def domain(tmp_path) -> Path:
    """A copy of the project's domain.yml."""
    path = tmp_path / "domain.yml"
    shutil.copyfile(DOMAIN, path)
    return path


def rewrite(path: Path, old: str, new: str) -> None:
    """Replaces `old` by `new` in place, with a later mtime (coarse clocks cannot hide it)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def script(texts: DomainTexts, key: str) -> str:
    return next(s.text for s in texts.scripts if s.key == key)


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.ERROR and r.name == "console.scripts"]


def test_the_next_read_gives_the_rewritten_script(domain):
    source = DomainTextsSource(domain, PQRD_URL, SURVEY_URL)
    first = source.current()
    assert script(first, "ask_detail") == ASK_DETAIL
    assert source.current() is first  # unchanged file: no reload
    rewrite(domain, ASK_DETAIL, NEW_ASK_DETAIL)
    assert script(source.current(), "ask_detail") == NEW_ASK_DETAIL


def test_a_replaced_file_of_the_same_size_and_mtime_is_read_again(domain, tmp_path):
    source = DomainTextsSource(domain, PQRD_URL, SURVEY_URL)
    stat = domain.stat()
    same_size = ASK_DETAIL.replace("precisarme", "precisarle")
    staged = tmp_path / "staged.yml"
    staged.write_text(domain.read_text(encoding="utf-8").replace(ASK_DETAIL, same_size),
                      encoding="utf-8")
    os.utime(staged, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(staged, domain)  # a new inode, as an atomic publication leaves it
    assert script(source.current(), "ask_detail") == same_size


def test_a_broken_file_keeps_the_previous_texts_until_it_is_fixed(domain, caplog):
    source = DomainTextsSource(domain, PQRD_URL, SURVEY_URL)
    good = domain.read_text(encoding="utf-8")
    caplog.set_level(logging.INFO, logger="console.scripts")

    rewrite(domain, "responses:", "responses: [unclosed")  # a YAML error
    assert script(source.current(), "ask_detail") == ASK_DETAIL
    assert script(source.current(), "ask_detail") == ASK_DETAIL
    assert len(errors(caplog)) == 1  # once per file version

    rewrite(domain, "responses: [unclosed", "responses:")
    rewrite(domain, "utter_ask_detail:", "utter_ask_detail_gone:")  # ValueError: missing script
    assert script(source.current(), "ask_detail") == ASK_DETAIL
    assert len(errors(caplog)) == 2
    assert "utter_ask_detail" in errors(caplog)[-1]

    domain.unlink()  # a missing file
    assert script(source.current(), "ask_detail") == ASK_DETAIL
    assert len(errors(caplog)) == 3

    domain.write_text(good.replace(ASK_DETAIL, NEW_ASK_DETAIL), encoding="utf-8")
    assert script(source.current(), "ask_detail") == NEW_ASK_DETAIL
    assert len(errors(caplog)) == 3


def test_services_also_take_fixed_texts(domain, settings, relay):
    texts = DomainTexts.load(domain, PQRD_URL, SURVEY_URL)
    assert Services(settings, relay, texts).texts is texts
    source = DomainTextsSource(domain, PQRD_URL, SURVEY_URL)
    assert Services(settings, relay, source).texts is source.current()


def test_the_chat_page_shows_the_new_texts_after_the_file_changes(
    domain, settings, relay, agents, database_url
):
    app = create_app(dataclasses.replace(settings, domain_path=domain), relay=relay)
    console = Console(app)
    assert console.login("ana").status_code == 302
    handoff_id = seed_handoff(database_url, "conv-7", "Ana María", "faq/impuesto_predial")
    assert console.take(handoff_id).status_code == 200

    def page_scripts() -> dict[str, str]:
        page = console.client.get(f"/console/handoffs/{handoff_id}").get_data(as_text=True)
        return dict(re.findall(r'data-script="([a-z_]+)"\s+data-text="([^"]*)"', page))

    def api() -> dict:
        return console.client.get(f"/console/api/handoffs/{handoff_id}/messages").get_json()

    assert page_scripts()["ask_detail"] == ASK_DETAIL
    assert api()["greeting"] == MORNING  # 09:00 in Bogotá
    assert api()["handoff"]["topic_words"] == PREDIAL[0].upper() + PREDIAL[1:]

    rewrite(domain, ASK_DETAIL, NEW_ASK_DETAIL)
    rewrite(domain, MORNING, NEW_MORNING)
    rewrite(domain, PREDIAL, NEW_PREDIAL)
    assert page_scripts()["ask_detail"] == NEW_ASK_DETAIL
    assert api()["greeting"] == NEW_MORNING
    assert api()["handoff"]["topic_words"] == NEW_PREDIAL[0].upper() + NEW_PREDIAL[1:]

    rewrite(domain, "responses:", "responses: [unclosed")
    response = console.client.get(f"/console/handoffs/{handoff_id}")
    assert response.status_code == 200
    assert page_scripts()["ask_detail"] == NEW_ASK_DETAIL
