"""Publishing from the content editor (issue 20): the editor's drafts are checked on the
files as they are, queued, and run by the worker (tools/publish.py); the history shows
who published what, with the diff, and the latest publication is undone in one step.

The worker runs here in the test's process, on a copy of the project, for changes of
the fact sheet (no model: the action server rereads the sheet); answers and examples,
which need training and the Rasa servers, are tested with the real stack
(tests/test_live_editor_browser.py).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from html import unescape

import pytest
from console_support import csrf_token
from editor_pages import FACT, ROOT, TOPIC, copy_project, create_editors, logged_in

from content.coverage import CODE_FOLDERS
from content.editing import load_fact
from content.facts import load_fact_sheet, update_fact
from settings.table import Settings
from store.db import session_for
from store.drafts import FACT as FACT_KIND
from store.drafts import get_draft
from store.publications import (
    FAILED,
    PUBLISHED,
    QUEUED,
    REFUSED,
    RUNNING,
    claim_publication,
    get_publication,
    recent_publications,
)
from tools.publish import Job, run

INDEX = "/console/editor/"
FACT_PAGE = f"/console/editor/datos/{FACT}"
TOPIC_PAGE = f"/console/editor/temas/{TOPIC}"
FACT_FIELDS = {"value": "Carrera 3 # 2-50, primer piso", "status": "confirmed",
               "source": "Oficio 12 de la Alcaldía", "source_kind": "official",
               "confirmed_by": "Eva Torres", "confirmed_on": "2026-12-01"}


@pytest.fixture
def project(tmp_path):
    root = copy_project(tmp_path / "project")
    shutil.copy(ROOT / "config.yml", root / "config.yml")
    for folder in CODE_FOLDERS:  # the coverage check reads the responses they name
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    (root / "tests").mkdir()
    for story in ROOT.glob("tests/test_*_stories.yml"):
        shutil.copy(story, root / "tests" / story.name)
    return root


@pytest.fixture
def settings(settings, project):
    return dataclasses.replace(settings, domain_path=project / "domain.yml",
                               facts_path=project / "data/facts.yml")


@pytest.fixture
def started(app):
    """The publications started, by id; the worker does not run."""
    ids: list[int] = []
    app.config["PUBLICATION_STARTER"] = lambda _settings, number: ids.append(number)
    return ids


@pytest.fixture
def worker(app, project, database_url, clock):
    """The real worker, run at once in this process (no Rasa server: facts only)."""
    settings = dataclasses.replace(Settings(), database_url=database_url,
                                   domain_path=project / "domain.yml",
                                   rasa_server_urls=("http://127.0.0.1:9",))
    outcomes = []
    app.config["PUBLICATION_STARTER"] = lambda _settings, number: outcomes.append(
        run(Job(number, project, settings, clock)))
    return outcomes


@pytest.fixture
def editors(database_url, agents):
    return create_editors(database_url)


@pytest.fixture
def eva(app, editors):
    return logged_in(app, "eva")


def post(browser, page: str, path: str, fields: dict | None = None, follow: bool = True):
    """Posts a form of `page` (with its CSRF token) to `path`."""
    token = csrf_token(browser.client.get(page).get_data(as_text=True))
    return browser.client.post(path, data={"csrf_token": token, **(fields or {})},
                               follow_redirects=follow)


def save_fact(browser, project, fields: dict, **extra):
    revision = load_fact(project, FACT).revision
    return post(browser, FACT_PAGE, FACT_PAGE, {"base_revision": revision, **fields, **extra})


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


# --- who may publish ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/console/editor/publicaciones",
                                  "/console/editor/publicaciones/1"])
def test_anonymous_visitors_are_sent_to_the_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_an_agent_without_the_editor_role_cannot_publish(console, started):
    response = post(console, "/console/queue", "/console/editor/publicar")
    assert response.status_code == 403 and started == []


# --- what is refused before anything is queued --------------------------------------

def test_publishing_without_drafts_says_so(eva, started, database_url):
    page = text_of(post(eva, INDEX, "/console/editor/publicar"))
    assert "No tiene borradores que publicar" in page
    assert started == []


def test_a_draft_with_problems_is_not_queued_and_the_editor_sees_why(
        eva, project, started, database_url):
    save_fact(eva, project, {**FACT_FIELDS, "value": "<b>Carrera 3</b>"})
    response = post(eva, INDEX, "/console/editor/publicar", follow=False)
    page = text_of(response)
    assert response.status_code == 409
    assert "Sus borradores no se publicaron" in page and f"Hecho «{FACT}»" in page
    assert "No se admite código ni etiquetas" in page
    assert started == []
    with session_for(database_url) as session:
        assert recent_publications(session) == []


def test_a_draft_whose_item_changed_since_is_not_queued(eva, project, started):
    save_fact(eva, project, FACT_FIELDS)
    update_fact(project / "data/facts.yml", FACT, {"source": "Otra fuente, escrita después"})
    page = text_of(post(eva, INDEX, "/console/editor/publicar"))
    assert f"Hecho «{FACT}» cambió en los archivos desde que empezó su borrador" in page
    assert started == []


def test_a_second_publication_waits_for_the_first(eva, app, editors, project, started,
                                                  database_url):
    save_fact(eva, project, FACT_FIELDS)
    first = post(eva, INDEX, "/console/editor/publicar", follow=False)
    assert first.status_code == 302 and started == [1]
    pablo = logged_in(app, "pablo")
    save_fact(pablo, project, {**FACT_FIELDS, "source": "Oficio 13 de la Alcaldía"})
    page = text_of(post(pablo, INDEX, "/console/editor/publicar"))
    assert "Hay una publicación en curso (de Eva Torres" in page
    assert started == [1]


def test_a_publication_whose_worker_went_silent_is_failed(eva, project, started,
                                                          database_url, clock):
    save_fact(eva, project, FACT_FIELDS)
    post(eva, INDEX, "/console/editor/publicar")
    with session_for(database_url) as session:
        assert claim_publication(session, 1, clock())
    clock.advance(600)
    page = text_of(eva.client.get("/console/editor/publicaciones/1"))
    assert "La publicación se interrumpió" in page
    with session_for(database_url) as session:
        assert get_publication(session, 1).status == FAILED


def test_the_state_api_follows_the_publication(eva, project, started, database_url, clock):
    save_fact(eva, project, FACT_FIELDS)
    post(eva, INDEX, "/console/editor/publicar")
    state = eva.client.get("/console/editor/api/publicaciones/1").get_json()
    assert state["status"] == QUEUED and state["finished"] is False
    with session_for(database_url) as session:
        claim_publication(session, 1, clock())
    state = eva.client.get("/console/editor/api/publicaciones/1").get_json()
    assert (state["status"], state["step"]) == (RUNNING, "preparing")
    assert state["step_label"] == "Preparando una copia con el cambio"
    assert eva.client.get("/console/editor/api/publicaciones/99").status_code == 404


# --- the worker, for a fact ------------------------------------------------------------

def test_a_fact_is_published_recorded_and_undone(eva, project, worker, database_url, editors):
    before = (project / "data/facts.yml").read_bytes()
    page = text_of(save_fact(eva, project, FACT_FIELDS, publish="1"))
    assert [outcome.status for outcome in worker] == [PUBLISHED], worker[0].reason
    assert "Publicación 1" in page and "Publicada" in page
    assert re.search(r'diff__line--added">\+\s+value: "?Carrera 3 # 2-50, primer piso', page)
    fact = load_fact_sheet(project / "data/facts.yml")[FACT]
    assert (fact.value, fact.status) == ("Carrera 3 # 2-50, primer piso", "confirmed")
    assert worker[0].training == "none" and worker[0].model_file == ""
    with session_for(database_url) as session:
        assert get_draft(session, FACT_KIND, FACT, editors["eva"]) is None
    history = text_of(eva.client.get("/console/editor/publicaciones"))
    assert "Eva Torres" in history and f"Hecho «{FACT}»" in history and "Deshacer" in history

    undone = text_of(post(eva, "/console/editor/publicaciones/1",
                          "/console/editor/publicaciones/1/deshacer"))
    assert [outcome.status for outcome in worker] == [PUBLISHED, PUBLISHED]
    assert "Deshace la" in undone and "publicación 1" in undone
    assert (project / "data/facts.yml").read_bytes() == before
    again = text_of(post(eva, "/console/editor/publicaciones/1",
                         "/console/editor/publicaciones/1/deshacer"))
    assert "Solo se puede deshacer la última publicación" in again
    assert len(worker) == 2


def test_a_project_that_fails_make_check_publishes_nothing(eva, project, worker):
    """The worker checks its copy with make check's checks: when the project breaks them
    (here a response with exclamation marks, outside the editor's change), the
    publication is refused, the failing check is shown, and no file changes."""
    save_fact(eva, project, FACT_FIELDS)
    domain = project / "domain.yml"
    domain.write_text(domain.read_text(encoding="utf-8").replace(
        '"¿En qué le puedo ayudar?"', '"¡En qué le puedo ayudar!"', 1), encoding="utf-8")
    before = {path: (project / path).read_bytes() for path in ("domain.yml", "data/facts.yml")}
    page = text_of(post(eva, INDEX, "/console/editor/publicar"))
    assert [outcome.status for outcome in worker] == [REFUSED]
    assert "no pasa las revisiones del proyecto (make check)" in worker[0].reason
    assert "style (tools/style_lint.py)" in worker[0].reason
    assert "No publicada" in page and "Detalles para el equipo técnico" in page
    assert {path: (project / path).read_bytes() for path in before} == before
