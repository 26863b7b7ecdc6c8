"""Issue 20 end to end: an editor in Debian's chromium changes an answer and a fact,
publishes them to the real running assistant, and undoes the publication; citizens in
the widget read each version.

The stack of this module runs on a copy of the project (domain, data, conversation
tests, the model as a hard link), so that publishing never touches the checkout:
the web app's DOMAIN_PATH, the action server's FACTS_PATH and RASA_MODEL point into it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from console.accounts import create_agent_account
from content.coverage import CODE_FOLDERS
from content.editing import load_topic
from store.db import session_for
from store.publications import PUBLISHED, recent_publications, timings_of
from tests.browser import chromium, until
from tests.conftest import live_stack
from tests.widget_chat import new_chat

pytestmark = [pytest.mark.stack, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "clave-de-prueba-segura"
TOPIC, FACT = "sisben", "sisben_office"
QUESTION = "como hago para que me hagan la encuesta del sisben"
NEW_BLOCK = ("Sobre el SISBÉN: la encuesta ordena a los hogares según sus condiciones de "
             "vida, y de ese orden depende el acceso a los programas sociales.")
SHOUTED_BLOCK = "¡Sobre el SISBÉN! La encuesta ordena a los hogares."
OFFICE = "Carrera 4 # 3-30, primer piso"  # a test value, in the copy only
# How long to wait for a publication to end: a wait, not a speed goal (docs/editores.md
# has the measured times). A change of examples took 553 s on a 2-core machine with the
# linear blend (training 470 s): too close to the 600 s it was (likely why a CI run failed).
PUBLISH_MS = 1_200_000


def copy_project(target: Path) -> Path:
    """What the editors change and what a publication reads, and the model (a link)."""
    target.mkdir(parents=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "data", target / "data")
    for folder in CODE_FOLDERS:
        shutil.copytree(ROOT / folder, target / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    (target / "tests").mkdir()
    for story in ROOT.glob("tests/test_*_stories.yml"):
        shutil.copy(story, target / "tests" / story.name)
    (target / "models").mkdir()
    os.link(ROOT / "models" / "tenjo.tar.gz", target / "models" / "tenjo.tar.gz")
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("editing") / "project")


@pytest.fixture(scope="module")
def editing(tmp_path_factory, project) -> Iterator:
    """The real stack serving the copy."""
    yield from live_stack(tmp_path_factory, {
        "DOMAIN_PATH": str(project / "domain.yml"),
        "FACTS_PATH": str(project / "data" / "facts.yml"),
        "RASA_MODEL": str(project / "models" / "tenjo.tar.gz"),
        # A publication takes minutes: the citizen who waits through it is not closed
        # for inactivity (P3) meanwhile.
        "INACTIVITY_PROMPT_SECONDS": "3600",
        "INACTIVITY_CLOSE_SECONDS": "7200",
    })


@pytest.fixture(scope="module")
def browser(editing) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def editor(editing, browser) -> Page:
    create_agent_account(editing.database_url, "elena", "Elena Ruiz", PASSWORD,
                         datetime.now(timezone.utc), roles="editor")
    page = browser.new_context(locale="es-CO").new_page()
    page.goto(f"{editing.web_url}/console/login")
    page.fill("#username", "elena")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/editor/$"))
    return page


def citizen_reads(browser: Browser, stack, question: str, text: str) -> None:
    """A new citizen's conversation in the widget gets `text` for `question`."""
    chat = new_chat(browser, stack)
    chat.open(stack.web_url)
    chat.expect_message("¿Me puede indicar su nombre, por favor?")
    chat.say("me llamo Rosa")
    chat.expect_message("¿En qué le puedo ayudar?")
    chat.say(question)
    chat.expect_message(text)
    assert chat.problems == []
    chat.context.close()


def current_step(stack) -> str:
    """The step of the latest publication ("" once it ended)."""
    with session_for(stack.database_url) as session:
        latest = recent_publications(session, limit=1)[0]
        return latest.step if latest.finished_at is None else ""


def until_step(stack, step: str) -> None:
    until(lambda: current_step(stack) == step, timeout=PUBLISH_MS / 1000)


def wait_for_publication(page: Page) -> str:
    """The publication's page until it ends; its status label."""
    label = page.locator("#status-label")
    expect(label).to_have_text(re.compile("Publicada|No publicada|Falló"), timeout=PUBLISH_MS)
    return label.inner_text()


def test_an_editor_changes_an_answer_and_a_fact_publishes_and_undoes(
        editing, project, browser, editor):
    original_block = load_topic(project, TOPIC).answer_blocks[0]
    # A citizen already talking when the publication lands keeps talking.
    early = new_chat(browser, editing)
    early.open(editing.web_url)
    early.expect_message("¿Me puede indicar su nombre, por favor?")

    # The answer: a style error is flagged as typed, then fixed; the draft is saved.
    editor.goto(f"{editing.web_url}/console/editor/temas/{TOPIC}")
    block = editor.locator("#block-1")
    block.fill(SHOUTED_BLOCK)
    problems = editor.locator("#problems-block-1 .field-problem")
    expect(problems.first).to_contain_text("Signo de admiración", timeout=10_000)
    block.fill(NEW_BLOCK)
    expect(problems).to_have_count(0, timeout=10_000)
    editor.get_by_role("button", name="Guardar borrador").click()
    expect(editor.locator(".notice").first).to_contain_text("Se guardó su borrador")

    # The preview chat: the real assistant, with the draft, before anything is published.
    editor.fill("#preview-message", "hola")
    editor.locator("#preview-message").press("Enter")
    expect(editor.locator("#preview-log")).to_contain_text("nombre", timeout=30_000)
    editor.fill("#preview-message", "me llamo Elena")
    editor.locator("#preview-message").press("Enter")
    expect(editor.locator("#preview-log")).to_contain_text("¿En qué le puedo ayudar?",
                                                           timeout=30_000)
    editor.fill("#preview-message", QUESTION)
    editor.locator("#preview-message").press("Enter")
    expect(editor.locator("#preview-log")).to_contain_text("ordena a los hogares",
                                                           timeout=30_000)
    citizen_reads(browser, editing, QUESTION, "clasifica a los hogares")  # not published

    # The fact, then one button publishes both.
    editor.goto(f"{editing.web_url}/console/editor/datos/{FACT}")
    editor.fill("#value", OFFICE)
    editor.select_option("#status", "confirmed")
    editor.fill("#source", "Oficio de prueba de la Alcaldía")
    editor.select_option("#source_kind", "official")
    editor.fill("#confirmed_by", "Elena Ruiz")
    editor.fill("#confirmed_on", "2026-12-07")
    started = time.monotonic()
    editor.get_by_role("button", name="Guardar y publicar mis borradores").click()
    expect(editor).to_have_url(re.compile(r"/console/editor/publicaciones/\d+$"))
    # While the servers load the new model (rasa_runtime/model_loading.py), citizens are
    # answered: a reply comes back before the loading step is over.
    until_step(editing, "loading")
    assert editing.texts(f"test-loading-{time.monotonic_ns()}", "hola")
    assert current_step(editing) == "loading"
    assert wait_for_publication(editor) == "Publicada", editor.locator(
        "#publication-reason").inner_text()
    elapsed = time.monotonic() - started
    expect(editor.locator("#publication-diff")).to_contain_text(OFFICE)
    with session_for(editing.database_url) as session:
        published = recent_publications(session)[0]
        assert published.status == PUBLISHED and published.training == "answers"
        print(f"\npublication of an answer and a fact: {elapsed:.0f} s in the browser, "
              f"steps {timings_of(published)}")

    citizen_reads(browser, editing, QUESTION, "ordena a los hogares")
    citizen_reads(browser, editing, QUESTION, OFFICE)
    early.say("me llamo Tomás")  # the conversation opened before goes on
    early.expect_message("¿En qué le puedo ayudar?")
    early.say(QUESTION)
    early.expect_message("ordena a los hogares")
    assert NEW_BLOCK in (project / "domain.yml").read_text(encoding="utf-8")

    # One step back.
    editor.goto(f"{editing.web_url}/console/editor/publicaciones")
    editor.get_by_role("button", name="Deshacer").click()
    assert wait_for_publication(editor) == "Publicada"
    citizen_reads(browser, editing, QUESTION, "clasifica a los hogares")
    assert load_topic(project, TOPIC).answer_blocks[0] == original_block
    assert OFFICE not in (project / "data" / "facts.yml").read_text(encoding="utf-8")
    early.context.close()


def test_bad_input_gets_a_clear_message_and_changes_nothing(editing, project, editor):
    """A 100 KB answer, markup and an unknown fact key, typed by an editor: each gets a
    message in Spanish, and neither the files nor the publications change."""
    before = {path: (project / path).read_bytes() for path in ("domain.yml",
                                                               "data/facts.yml")}
    with session_for(editing.database_url) as session:
        publications = len(recent_publications(session))
    editor.goto(f"{editing.web_url}/console/editor/temas/{TOPIC}")
    token = editor.locator('meta[name="csrf-token"]').get_attribute("content")
    check = f"{editing.web_url}/console/editor/api/temas/{TOPIC}/revisar"

    def checked(blocks: list[str]):
        response = editor.request.post(check, data={"answer_blocks": blocks},
                                       headers={"X-CSRFToken": token})
        return response.status, response.json()

    status, body = checked(["Sobre el SISBÉN: " + "texto largo " * 9000])  # ~100 KB
    assert status == 413 and "demasiado grande" in body["error"]
    status, body = checked(["Sobre el SISBÉN: <script>alert(1)</script>"])
    assert status == 200
    assert any("No se admite código ni etiquetas" in p["message"] for p in body["problems"])
    status, body = checked(["La oficina atiende en {fact:oficina_que_no_existe}."])
    assert status == 200 and any("oficina_que_no_existe" in p["message"]
                                 for p in body["problems"])

    # Typed into the form, markup is flagged, and a draft with it is not published.
    editor.locator("#block-1").fill("Sobre el SISBÉN: <b>la encuesta</b> es gratuita.")
    expect(editor.locator("#problems-block-1 .field-problem").first).to_contain_text(
        "No se admite código", timeout=10_000)
    editor.get_by_role("button", name="Guardar y publicar mis borradores").click()
    expect(editor.locator(".notice--error")).to_contain_text("Sus borradores no se publicaron")
    expect(editor.locator(".publication-issues")).to_contain_text("No se admite código")
    editor.goto(f"{editing.web_url}/console/editor/temas/{TOPIC}")
    editor.get_by_role("button", name="Descartar mi borrador").click()
    assert {path: (project / path).read_bytes() for path in before} == before
    with session_for(editing.database_url) as session:
        assert len(recent_publications(session)) == publications


PREDIAL = "como puedo pagar el impuesto predial de mi finca"  # a conversation test's message
MIXED_UP = [PREDIAL] + [f"{PREDIAL} {tail}" for tail in (
    "por favor", "en tenjo", "este año", "de la vereda", "ya mismo", "hoy", "rapido",
    "sin multa", "con descuento", "en linea", "en el banco", "en efectivo", "con tarjeta",
    "por pse", "a tiempo", "antes del plazo", "del 2026", "de mi papa", "de mi mama",
    "que esta a mi nombre", "que tengo en la vereda", "cerca al pueblo", "en la alcaldia",
    "gracias", "porfa")]


def test_a_change_that_breaks_a_conversation_test_is_refused(editing, project, browser,
                                                             editor):
    """Questions about the property tax added to the ICA topic by mistake: the model is
    trained (finetuned), the conversation tests' message asking how to pay the
    property tax is understood as ICA, and nothing reaches the assistant."""
    nlu = project / "data" / "nlu" / "faq_tributos.yml"
    before = nlu.read_bytes()
    editor.goto(f"{editing.web_url}/console/editor/temas/industria_comercio")
    editor.fill("#new-examples", "\n".join(MIXED_UP))
    expect(editor.locator("#check-status")).to_have_attribute("data-state", "ok",
                                                              timeout=10_000)
    editor.get_by_role("button", name="Guardar y publicar mis borradores").click()
    assert wait_for_publication(editor) == "No publicada"
    reason = editor.locator("#publication-reason").inner_text()
    assert "hace fallar pruebas de conversación" in reason
    assert f"«{PREDIAL}» se entendería como faq/industria_comercio" in reason
    assert nlu.read_bytes() == before
    citizen_reads(browser, editing, PREDIAL, "predial")
    with session_for(editing.database_url) as session:
        refused = recent_publications(session, limit=1)[0]
        assert refused.training == "" and refused.model_file == ""
        print(f"\nrefused example change: steps {timings_of(refused)}")
    editor.goto(f"{editing.web_url}/console/editor/temas/industria_comercio")
    editor.get_by_role("button", name="Descartar mi borrador").click()
