"""The content editor in a real browser (Debian's chromium): the live check of a block,
the preview, a block added and removed, a draft saved, and a too-large draft as the
browser receives it from a real server."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from console_support import PASSWORD, served
from editor_pages import TOPIC, copy_project, create_editors, files
from playwright.sync_api import Page, expect

from console import create_app
from tests.browser import chromium

EXCLAMATION = "Signo de admiración «¡» y «!»: el protocolo no los permite."
EMPTY_BLOCK = "El bloque está vacío. Escríbalo o quítelo."


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


@pytest.fixture
def settings(settings, project):
    return dataclasses.replace(settings, domain_path=project / "domain.yml",
                               facts_path=project / "data/facts.yml")


@pytest.fixture
def live_console(settings, relay, agents) -> Iterator[str]:
    """The console served by waitress on a free port, in a background thread; its base URL."""
    create_editors(settings.database_url)
    with served(create_app(settings, relay=relay)) as url:
        yield url


@pytest.fixture
def page(live_console) -> Iterator[Page]:
    with chromium() as browser:
        yield browser.new_page()


def test_an_editor_sees_a_style_problem_come_and_go_as_they_type(live_console, page, project):
    problems: list[str] = []
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    before = files(project)

    page.goto(f"{live_console}/console/editor/temas/{TOPIC}")
    expect(page).to_have_url(f"{live_console}/console/login?next=/console/editor/temas/{TOPIC}")
    page.get_by_label("Usuario").fill("eva")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    expect(page).to_have_url(f"{live_console}/console/editor/temas/{TOPIC}")
    status = page.locator("#check-status")
    expect(status).to_have_text("Sin problemas: el borrador cumple las reglas.")

    block = page.get_by_label("Bloque 1", exact=True)
    block.fill("")
    block.press_sequentially("¡Hola!", delay=30)
    block_problems = page.locator("#problems-block-1 li")
    expect(block_problems).to_have_text([EXCLAMATION])
    expect(block).to_have_attribute("aria-invalid", "true")
    expect(status).to_have_text("Hay 1 problema por corregir.")

    block.fill("")
    block.press_sequentially("Hola. Con gusto le ayudo con el SISBÉN.", delay=10)
    expect(block_problems).to_have_count(0)
    expect(status).to_have_text("Sin problemas: el borrador cumple las reglas.")
    first = page.locator("#preview li").first
    expect(first.locator(".preview-block__text")).to_have_text(
        "Hola. Con gusto le ayudo con el SISBÉN.")

    # a block added empty is a problem of its own, next to it; removing it clears it
    page.get_by_role("button", name="Agregar un bloque").click()
    expect(page.get_by_label("Bloque 4", exact=True)).to_be_focused()
    expect(page.locator("#problems-block-4 li")).to_have_text([EMPTY_BLOCK])
    expect(page.locator("#preview li").nth(3)).to_contain_text("El bloque está vacío")
    page.get_by_role("button", name="Quitar el bloque 4").click()
    expect(page.get_by_label("Bloque 4", exact=True)).to_have_count(0)
    expect(status).to_have_text("Sin problemas: el borrador cumple las reglas.")

    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator(".notices").first).to_contain_text("Se guardó su borrador.")
    expect(page.get_by_label("Bloque 1", exact=True)).to_have_value(
        "Hola. Con gusto le ayudo con el SISBÉN.")
    assert files(project) == before
    assert problems == []


def test_a_draft_too_large_is_answered_413_in_spanish_through_the_server(live_console, page):
    page.goto(f"{live_console}/console/login")
    page.get_by_label("Usuario").fill("eva")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.goto(f"{live_console}/console/editor/temas/{TOPIC}")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(
        f"{live_console}/console/editor/api/temas/{TOPIC}/revisar",
        data=json.dumps({"answer_blocks": ["a" * 100_000]}),
        headers={"Content-Type": "application/json", "X-CSRFToken": token,
                 "Accept": "application/json"})
    assert response.status == 413
    assert response.json()["error"].startswith("El borrador es demasiado grande")
